//! Snapshots (`World::to_bytes` / `from_bytes`): generated worlds written and read back, then changed
//! and resealed; inputs that start with `JTSW` read as snapshots. Never panics; a world read back
//! answers as the world written (fuzz_support::snapshot).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_support::snapshot(data));
