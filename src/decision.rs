//! The answer shapes shared by every platform: a [`Decision`] with its trace, and validation
//! [`Problem`]s.
//!
//! Rules write their trace through [`Trace`]; the hot path passes `()` so no step text is ever built
//! when nobody asked "why".

use serde::Serialize;

/// One answer: allowed or not, a stable `reason` code, a message for people, and every rule evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the token may do what was asked.
    pub allowed: bool,
    /// The stable reason code, such as `allowlisted_project` or `not_in_inbound_allowlist`.
    pub reason: &'static str,
    /// Why, for people: GitLab's own text where GitLab has one.
    pub message: String,
    /// Every rule evaluated, in order.
    pub trace: Vec<TraceStep>,
}

/// One rule as it was evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// The rule's name, such as `inbound` or `fine_grained`.
    pub step: &'static str,
    /// What the rule did.
    pub outcome: Outcome,
    /// What the rule found, for people.
    pub detail: String,
}

/// What a rule did: admitted, denied, or did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// `pass`: the rule held (admitted the request, or the check passed).
    Pass,
    /// `fail`: the rule denied.
    Fail,
    /// `skip`: the rule did not apply.
    Skip,
}

/// A setting the platform would refuse or flag; `path` says where in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The stable problem code, such as `duplicate_entry`.
    pub code: &'static str,
    /// Where in the input, such as `projects[0].inbound.projects[2]`.
    pub path: String,
    /// What is wrong, for people.
    pub message: String,
}

/// Where the rules write what they did. `()` discards it (and never builds the text).
pub trait Trace {
    /// Records one rule's `step` name and `outcome`; `detail` is called only if the step is kept.
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
