//! Azure configs and resources generated from the input (or given as JSON `{ config, resource }`,
//! seeded from tests/cases/azure): scope, validation and access, with the invariants of
//! fuzz_support::azure (organization limit dominates, grants never deny more, case-insensitive names).
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use fuzz_support::{azure, azure_json, FuzzAzure};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        return azure_json(data);
    }
    if let Ok(input) = FuzzAzure::arbitrary_take_rest(Unstructured::new(data)) {
        azure(
            &input.json(),
            &input.resources(),
            Some(input.extra_grant.json()),
        );
    }
});
