//! The gate engine (crate::gate) from a fixed config: arbitrary JWT headers, claims, methods and paths
//! (or JSON `{ method, path, header, claims, now }`). Answers are well-formed and agree with the routes.
#![no_main]
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use fuzz_support::{fixed_gate, gate, gate_json, FuzzRequest};
use job_token_scope::gate::Gate;

static GATE: OnceLock<Gate> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let g = GATE.get_or_init(fixed_gate);
    if data.first() == Some(&b'{') {
        return gate_json(g, data);
    }
    if let Ok(request) = FuzzRequest::arbitrary_take_rest(Unstructured::new(data)) {
        gate(
            g,
            request.method(),
            &request.path(),
            &request.header(),
            &request.claims(),
            request.now(),
        );
    }
});
