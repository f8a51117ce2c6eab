#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scanpress::fuzzing::colour_page(data));
