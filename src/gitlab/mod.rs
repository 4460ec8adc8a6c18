//! GitLab CI/CD job token allowlists (docs/gitlab-rules.md): the world model, the rules, and the questions asked of
//! them — check, validate, edit, scope, compact, plan enforcement.
//!
//! Every rule that changes with a GitLab release reads [`version::PROFILES`]; nothing here knows JS.

mod compact;
mod edit;
mod enforce;
pub mod input;
mod path;
pub mod permission;
mod rules;
mod scope;
pub mod snapshot;
pub mod validate;
pub mod version;
mod world;

pub use compact::{CompactEntry, Compaction};
pub use edit::INSUFFICIENT_PERMISSIONS_MESSAGE;
pub use enforce::{Allowlist, Autopopulate, Break, EnforcementPlan, PlanSummary, ProjectPlan};
pub use input::{
    AuthLog, AuthLogEntry, EditInput, PlanOptions, PlanStrategy, RequestInput, WorldInput,
};
pub use permission::{Permission, PermissionInfo, Role};
pub use rules::{Query, Reason, Verdict};
pub use scope::{GitlabScope, Reach};
pub use version::{Profile, Version, PROFILES};
pub use world::{Entry, GroupRef, List, ProjectId, ProjectRef, World};
