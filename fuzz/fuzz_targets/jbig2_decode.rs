#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scanpress::fuzzing::jbig2_decode(data));
