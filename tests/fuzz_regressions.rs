//! Replays every saved fuzz input (`fuzz/regressions/<target>/`) through the fuzz target's body.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        body(&data);
        count += 1;
    }
    assert!(count > 0, "no saved inputs for {target}");
}

#[test]
fn read_input_regressions() {
    replay("read_input", scanpress::fuzzing::read_input);
}

#[test]
fn ccitt_decode_regressions() {
    replay("ccitt_decode", scanpress::fuzzing::ccitt_decode);
}

#[test]
fn g4_round_trip_regressions() {
    replay("g4_round_trip", scanpress::fuzzing::g4_round_trip);
}

#[test]
fn read_pdf_regressions() {
    replay("read_pdf", scanpress::fuzzing::read_pdf);
}

#[test]
fn jbig2_decode_regressions() {
    replay("jbig2_decode", scanpress::fuzzing::jbig2_decode);
}

#[test]
fn jbig2_round_trip_regressions() {
    replay("jbig2_round_trip", scanpress::fuzzing::jbig2_round_trip);
}

#[test]
fn jbig1_decode_regressions() {
    replay("jbig1_decode", scanpress::fuzzing::jbig1_decode);
}

#[test]
fn jbig1_round_trip_regressions() {
    replay("jbig1_round_trip", scanpress::fuzzing::jbig1_round_trip);
}

#[test]
fn colour_page_regressions() {
    replay("colour_page", scanpress::fuzzing::colour_page);
}
