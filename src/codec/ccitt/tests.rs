//! Hand-built bit streams, round trips, and cross-checks against the `fax` crate.

use super::bits::BitWriter;
use super::*;
use crate::bitmap::Bitmap;
use crate::options::Limits;

fn bitmap_from(rows: &[&str]) -> Bitmap {
    let mut b = Bitmap::new(rows[0].len() as u32, rows.len() as u32, &Limits::default()).unwrap();
    for (y, row) in rows.iter().enumerate() {
        for (x, c) in row.bytes().enumerate() {
            b.set(x as u32, y as u32, c == b'1');
        }
    }
    b
}

/// A deterministic pseudo-random page: runs of random length, rows that often repeat or shift
/// the row above, so that every mode is exercised.
fn noisy_page(width: u32, height: u32, seed: u64) -> Bitmap {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut b = Bitmap::new(width, height, &Limits::default()).unwrap();
    for y in 0..height {
        let choice = next() % 4;
        if y > 0 && choice == 0 {
            for x in 0..width {
                let v = b.get(x, y - 1);
                b.set(x, y, v);
            }
            continue;
        }
        if y > 0 && choice == 1 {
            let shift = (next() % 7) as i64 - 3;
            for x in 0..width {
                let src = x as i64 - shift;
                let v = src >= 0 && src < width as i64 && b.get(src as u32, y - 1);
                b.set(x, y, v);
            }
            continue;
        }
        let mut x = 0u32;
        let mut black = next() % 2 == 0;
        while x < width {
            let run = match next() % 10 {
                0 => (next() % 3000) as u32,
                1..=3 => (next() % 200) as u32,
                _ => (next() % 12) as u32 + 1,
            };
            for xx in x..(x + run).min(width) {
                b.set(xx, y, black);
            }
            x += run;
            black = !black;
        }
    }
    b
}

fn g4_round_trip(b: &Bitmap) -> Vec<u8> {
    let data = encode_g4(b);
    let params = DecodeParams::new(Coding::G4, b.width(), Some(b.height()));
    let back = decode(&data, &params, &Limits::default()).unwrap();
    assert_eq!(back.first_difference(b), None);
    // Without a known height the decoder stops at EOFB.
    let params = DecodeParams::new(Coding::G4, b.width(), None);
    assert_eq!(&decode(&data, &params, &Limits::default()).unwrap(), b);
    data
}

fn decode_with_fax_crate(data: &[u8], width: u32, height: u32) -> Bitmap {
    let mut out = Bitmap::new(width, height, &Limits::default()).unwrap();
    let mut y = 0;
    fax::decoder::decode_g4(data.iter().copied(), width, Some(height), |changes| {
        for (x, color) in fax::decoder::pels(changes, width).enumerate() {
            out.set(x as u32, y, color == fax::Color::Black);
        }
        y += 1;
    })
    .expect("fax crate decodes our G4");
    out
}

#[test]
fn all_white_line_is_one_v0() {
    // One white line: V0 (1), then EOFB (two EOLs).
    let b = bitmap_from(&["00000000"]);
    let data = encode_g4(&b);
    assert_eq!(
        data,
        vec![0b1000_0000, 0b0000_1000, 0b0000_0000, 0b1000_0000]
    );
}

#[test]
fn hand_built_horizontal_and_vertical() {
    // Line 1 "0011100000": b1 = width (no reference changes), a1 = 2, |a1-b1| > 3 -> horizontal:
    //   H 001, white 2 = 0111, black 3 = 10; then a0 = 5, a1 = 10 = b1 -> V0 1.
    // Line 2 "0001110000": b1 = 2, a1 = 3 -> VR1 011; b1 = 5, a1 = 6 -> VR1 011; then V0 1.
    let b = bitmap_from(&["0011100000", "0001110000"]);
    let mut w = BitWriter::default();
    for (len, code) in [
        (3, 0b001),
        (4, 0b0111),
        (2, 0b10),
        (1, 0b1),
        (3, 0b011),
        (3, 0b011),
        (1, 0b1),
        (12, 1),
        (12, 1),
    ] {
        w.put(len, code);
    }
    let expected = w.finish();
    assert_eq!(encode_g4(&b), expected);
    g4_round_trip(&b);
}

#[test]
fn pass_mode_is_used() {
    // Reference has a short black run above white: b2 < a1 gives pass mode (0001).
    let b = bitmap_from(&["0110000000000", "0000000000011"]);
    let data = g4_round_trip(&b);
    // Line 1 is H 001, white 1 000111, black 2 11, V0 1: twelve bits. Line 2 starts with P 0001.
    assert_eq!(data[1] & 0b1111, 0b0001, "{data:02x?}");
}

#[test]
fn long_runs_use_makeup_and_extended_codes() {
    for width in [64, 65, 1728, 2560, 2561, 5200, 9000] {
        let mut b = Bitmap::new(width, 3, &Limits::default()).unwrap();
        for x in 0..width {
            b.set(x, 1, true);
        }
        for x in width / 3..width {
            b.set(x, 2, true);
        }
        g4_round_trip(&b);
    }
}

#[test]
fn random_pages_round_trip_and_decode_with_fax_crate() {
    for (i, (w, h)) in [
        (1, 5),
        (7, 9),
        (64, 30),
        (200, 100),
        (1728, 200),
        (2550, 120),
    ]
    .into_iter()
    .enumerate()
    {
        let b = noisy_page(w, h, 0x9e3779b97f4a7c15 ^ i as u64);
        let data = g4_round_trip(&b);
        assert_eq!(decode_with_fax_crate(&data, w, h), b, "{w}x{h}");
    }
}

#[test]
fn our_decoder_reads_fax_crate_g4() {
    let b = noisy_page(1000, 80, 42);
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for y in 0..b.height() {
        let row = (0..b.width()).map(|x| {
            if b.get(x, y) {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        encoder.encode_line(row, b.width()).unwrap();
    }
    let data = encoder.finish().unwrap().finish();
    let params = DecodeParams::new(Coding::G4, b.width(), Some(b.height()));
    assert_eq!(decode(&data, &params, &Limits::default()).unwrap(), b);
}

/// How [`hand_1d`] frames the lines.
#[derive(Clone, Copy, PartialEq)]
enum Framing {
    /// T.4: an EOL before each line, optionally with fill bits so that it ends on a byte; with
    /// `two_d`, a tag bit of 1 (one-dimensional line) after each EOL; RTC at the end.
    G3 { two_d: bool, fill: bool },
    /// TIFF compression 2: no EOLs, each line starting on a byte.
    ModifiedHuffman,
}

/// Codes `b` one-dimensionally (T.4 4.1) with `framing`.
fn hand_1d(b: &Bitmap, framing: Framing) -> Vec<u8> {
    let (two_d, fill, eols) = match framing {
        Framing::G3 { two_d, fill } => (two_d, fill, true),
        Framing::ModifiedHuffman => (false, false, false),
    };
    use super::tables::{BLACK_MAKEUP, BLACK_TERMINATING, WHITE_MAKEUP, WHITE_TERMINATING};
    let mut w = BitWriter::default();
    // Bits written, for fill alignment.
    let pending = std::cell::Cell::new(0u32);
    let put = |w: &mut BitWriter, (len, code): (u8, u16)| {
        w.put(len, u32::from(code));
        pending.set(pending.get() + u32::from(len));
    };
    for y in 0..b.height() {
        let align = |extra: u32| (8 - (pending.get() + extra) % 8) % 8;
        if fill || (!eols && align(0) > 0) {
            let pad = align(if eols { 12 } else { 0 });
            if pad > 0 {
                put(&mut w, (pad as u8, 0));
            }
        }
        if eols {
            put(&mut w, (12, 1));
        }
        if two_d {
            put(&mut w, (1, 1));
        }
        let mut x = 0;
        let mut black = false;
        while x < b.width() || x == 0 {
            let mut run = 0;
            while x + run < b.width() && b.get(x + run, y) == black {
                run += 1;
            }
            let (t, m) = if black {
                (&BLACK_TERMINATING, &BLACK_MAKEUP)
            } else {
                (&WHITE_TERMINATING, &WHITE_MAKEUP)
            };
            if run >= 64 {
                put(&mut w, m[run as usize / 64 - 1]);
            }
            put(&mut w, t[run as usize % 64]);
            x += run;
            black = !black;
            if x >= b.width() {
                break;
            }
        }
    }
    for _ in 0..if eols { 6 } else { 0 } {
        put(&mut w, (12, 1));
        if two_d {
            put(&mut w, (1, 1));
        }
    }
    w.finish()
}

#[test]
fn g3_one_and_two_dimensional_with_and_without_fill() {
    let b = noisy_page(300, 40, 7);
    // Keep runs within one make-up code for the hand encoder.
    for two_d in [false, true] {
        for fill in [false, true] {
            let data = hand_1d(&b, Framing::G3 { two_d, fill });
            for rows in [Some(b.height()), None] {
                let params = DecodeParams::new(Coding::G3 { two_d }, b.width(), rows);
                let got = decode(&data, &params, &Limits::default()).unwrap();
                assert_eq!(got, b, "two_d {two_d} fill {fill} rows {rows:?}");
            }
        }
    }
}

#[test]
fn byte_aligned_g4_round_trips() {
    let b = noisy_page(333, 50, 17);
    let data = encode_g4_aligned(&b, true);
    assert!(data.len() > encode_g4(&b).len());
    let mut params = DecodeParams::new(Coding::G4, b.width(), Some(b.height()));
    params.byte_align = true;
    assert_eq!(decode(&data, &params, &Limits::default()).unwrap(), b);
    params.byte_align = false;
    assert_ne!(decode(&data, &params, &Limits::default()).ok(), Some(b));
}

#[test]
fn modified_huffman_lines_start_on_bytes() {
    let b = noisy_page(300, 40, 11);
    let data = hand_1d(&b, Framing::ModifiedHuffman);
    let params = DecodeParams::new(Coding::ModifiedHuffman, b.width(), Some(b.height()));
    assert_eq!(decode(&data, &params, &Limits::default()).unwrap(), b);
}

#[test]
fn damaged_g3_lines_are_repaired_as_libtiff_does() {
    let b = noisy_page(300, 40, 13);
    let data = hand_1d(
        &b,
        Framing::G3 {
            two_d: false,
            fill: true,
        },
    );
    // Garble a few bytes in the middle of one line.
    let mut bad = data.clone();
    let at = data.len() / 2;
    bad[at] = 0xFF;
    bad[at + 1] = 0xFF;
    let strict = DecodeParams::new(Coding::G3 { two_d: false }, 300, Some(40));
    assert!(decode(&bad, &strict, &Limits::default()).is_err());
    let mut lenient = strict.clone();
    lenient.conceal_damage = true;
    let (got, damaged) = decode_concealing(&bad, &lenient, &Limits::default()).unwrap();
    assert!((1..=2).contains(&damaged), "{damaged} damaged");
    let differing = (0..40).filter(|&y| got.row(y) != b.row(y)).count();
    assert!(differing <= 2, "{differing} lines differ");
}

#[test]
fn bad_data_gives_errors_not_panics() {
    let limits = Limits::default();
    let b = noisy_page(500, 50, 3);
    let data = encode_g4(&b);
    let params = DecodeParams::new(Coding::G4, 500, Some(50));
    for cut in [0, 1, data.len() / 2, data.len() - 4] {
        assert!(decode(&data[..cut], &params, &limits).is_err(), "cut {cut}");
    }
    for seed in 0..200u64 {
        let mut bad = data.clone();
        let i = (seed as usize * 7919) % bad.len();
        bad[i] ^= 1 << (seed % 8);
        for coding in [
            Coding::G4,
            Coding::G3 { two_d: true },
            Coding::G3 { two_d: false },
            Coding::ModifiedHuffman,
        ] {
            let _ = decode(&bad, &DecodeParams::new(coding, 500, Some(50)), &limits);
            let _ = decode(&bad, &DecodeParams::new(coding, 500, None), &limits);
        }
    }
    let huge = DecodeParams::new(Coding::G4, 60_000, Some(60_000));
    assert!(matches!(
        decode(&data, &huge, &limits),
        Err(crate::Error::Limits(_))
    ));
    assert!(decode(&data, &DecodeParams::new(Coding::G4, 0, None), &limits).is_err());
}
