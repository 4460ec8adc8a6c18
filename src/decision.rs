//! The answer shapes shared by every platform: a [`Decision`] with its trace, and validation
//! [`Problem`]s.
//!
//! Rules write their trace through [`Trace`]; the hot path passes `()` so no step text is ever built
//! when nobody asked "why".

use serde::Serialize;

/// One answer: allowed or not, a stable `reason` code, a message for people, and every rule evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: &'static str,
    pub message: String,
    pub trace: Vec<TraceStep>,
}

/// One rule as it was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    pub step: &'static str,
    pub outcome: Outcome,
    pub detail: String,
}

/// What a rule did: admitted, denied, or did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

/// A setting the platform would refuse or flag; `path` says where in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

/// Where the rules write what they did. `()` discards it (and never builds the text).
pub trait Trace {
    fn record<F: FnOnce() -> String>(&mut self, step: &'static str, outcome: Outcome, detail: F);
}

impl Trace for () {
    #[inline(always)]
    fn record<F: FnOnce() -> String>(&mut self, _: &'static str, _: Outcome, _: F) {}
}

impl Trace for Vec<TraceStep> {
    fn record<F: FnOnce() -> String>(&mut self, step: &'static str, outcome: Outcome, detail: F) {
        push_step(self, step, outcome, detail());
    }
}

/// The push every `record` makes, kept out of line: one copy in the wasm instead of one per rule
/// (-0.3 KB gzip over ~90 trace sites).
#[inline(never)]
fn push_step(trace: &mut Vec<TraceStep>, step: &'static str, outcome: Outcome, detail: String) {
    trace.push(TraceStep {
        step,
        outcome,
        detail,
    });
}
