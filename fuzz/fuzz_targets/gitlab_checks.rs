//! GitLab worlds generated from the input (or given as JSON, seeded from tests/cases): every query on
//! every pair, with the invariants of fuzz_support::gitlab_world (check ≡ explain ≡ check_indices ≡
//! verdict, scope lists ≡ checks, compaction fits and admits a superset, inbound off never denies more,
//! enforcement plans admit every logged use and never more than GitLab's greedy).
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use fuzz_support::{gitlab_json, gitlab_world, FuzzWorld};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        return gitlab_json(data);
    }
    if let Ok(world) = FuzzWorld::arbitrary_take_rest(Unstructured::new(data)) {
        gitlab_world(
            world.json(),
            &world.permissions(),
            world.open as usize,
            world.compact_limit.map(usize::from),
        );
    }
});
