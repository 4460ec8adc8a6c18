//! What a CI job token may reach, decided with a trace.
//!
//! `job-token-scope` models GitLab's CI/CD job token allowlists (inbound and outbound, groups, limits,
//! fine-grained permissions, release by release from 14.1 to 18.x) as plain Rust: parse a world of
//! projects and settings, then ask whether a job in one project may use its token against another, and
//! why. Every answer is a [`Decision`] whose trace is written by the same code that decides.
//!
//! The engine knows nothing of JavaScript; `src/wasm/` is the only binding layer, compiled only for
//! `wasm32`.
//!
//! ```
//! use job_token_scope::gitlab::{World, WorldInput, RequestInput};
//!
//! let world: WorldInput = job_token_scope::parse(serde_json::json!({
//!     "version": "18.3",
//!     "projects": [
//!         { "path": "acme/ci" },
//!         { "path": "acme/api", "inbound": { "projects": ["acme/ci"] } }
//!     ]
//! })).unwrap();
//! let world = World::from_input(world).unwrap();
//! let request: RequestInput = job_token_scope::parse(serde_json::json!({
//!     "source": "acme/ci", "target": "acme/api"
//! })).unwrap();
//! let decision = world.query(&request).unwrap().explain();
//! assert!(decision.allowed);
//! assert_eq!(decision.reason, "allowlisted_project");
//! ```

#![warn(missing_docs)]

pub mod azure;
pub mod decision;
pub mod error;
pub mod gate;
pub mod gitlab;
mod hash;
mod input;
pub mod json;
mod sort;
pub mod value;

pub use decision::{Decision, Outcome, Problem, TraceStep};
pub use error::{Error, ErrorCode};
pub use input::parse;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

/// The crate's version, as `version()` reports it to JS.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// The Rust examples of the README and of docs/ are compiled and run as doc tests. A page of docs/ with a
// ```rust block is listed here (tests/js/docs.test.mjs fails until it is).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/contributing.md")]
pub struct ContributingDoctests;
