#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scanpress::fuzzing::jbig1_round_trip(data));
