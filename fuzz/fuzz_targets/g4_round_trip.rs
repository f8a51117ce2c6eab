#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scanpress::fuzzing::g4_round_trip(data));
