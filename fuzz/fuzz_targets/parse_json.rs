//! Any bytes as JSON → Value (with the input limits) → every input shape (world, request, edit, Azure
//! config and resource, gate config) → compile → every question. Never panics.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_support::any_json(data));
