//! Helpers shared by the integration tests: world generators for the property tests, and the runner
//! of the rule tables in `tests/cases/`.

#![allow(dead_code)]

pub mod tables;
pub mod worlds;
