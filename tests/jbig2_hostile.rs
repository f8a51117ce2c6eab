//! Our JBIG2 decoder on hostile and broken streams: clear errors, no panics, no huge allocations.

use scanpress::codec::jbig2::generic::{self, GenericParams, Template};
use scanpress::codec::jbig2::{decode, segments};
use scanpress::{Bitmap, Error, Limits};

/// A valid embedded page of `w` x `h`.
fn embedded(w: u32, h: u32) -> Vec<u8> {
    let mut b = Bitmap::new(w, h, &Limits::default()).unwrap();
    for y in 0..h {
        for x in 0..w {
            b.set(x, y, (x * 3 + y * 5) % 11 < 4);
        }
    }
    let params = GenericParams::nominal(Template::T0);
    segments::embedded_page(w, h, (300.0, 300.0), &params, &generic::encode(&b, &params))
}

/// A segment header (T.88 7.2) with no referred-to segments and a one-byte page association.
fn header(number: u32, kind: u8, length: u32) -> Vec<u8> {
    let mut h = number.to_be_bytes().to_vec();
    h.extend_from_slice(&[kind, 0, 1]);
    h.extend_from_slice(&length.to_be_bytes());
    h
}

/// A page information segment (7.4.8) for `w` x `h`.
fn page_info(w: u32, h: u32, striping: u16) -> Vec<u8> {
    let mut s = header(0, 48, 19);
    s.extend_from_slice(&w.to_be_bytes());
    s.extend_from_slice(&h.to_be_bytes());
    s.extend_from_slice(&[0; 8]);
    s.push(0);
    s.extend_from_slice(&striping.to_be_bytes());
    s
}

fn decode_err(data: &[u8]) -> Error {
    decode::decode_embedded(data, None, &Limits::default()).unwrap_err()
}

#[test]
fn truncations_give_errors_or_pages_never_panics() {
    let page = embedded(70, 30);
    for n in 0..page.len() {
        // Cut inside the MQ data, the decoder reads 0xFF as T.88 E.3.4 allows: a page, garbage
        // at the end; cut anywhere else, an error.
        let _ = decode::decode_embedded(&page[..n], None, &Limits::default());
    }
    assert!(matches!(decode_err(&page[..5]), Error::Format { .. }));
    assert!(matches!(decode_err(&[]), Error::Format { .. }));
}

#[test]
fn flipped_bytes_never_panic() {
    let page = embedded(100, 40);
    let mut state = 1u32;
    for _ in 0..3000 {
        let mut bad = page.clone();
        for _ in 0..3 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let i = (state >> 8) as usize % bad.len();
            bad[i] ^= (state >> 24) as u8 | 1;
        }
        let _ = decode::decode_embedded(&bad, None, &Limits::default());
        let _ = decode::decode_embedded(&page, Some(&bad), &Limits::default());
    }
}

#[test]
fn wrong_lengths_are_format_errors() {
    let mut page = embedded(40, 20);
    // The region segment's data length (after page information: 11 + 19 bytes, then 7 bytes of
    // header) made longer than the data.
    page[37..41].copy_from_slice(&0x00FF_FFFFu32.to_be_bytes());
    let e = decode_err(&page);
    assert!(matches!(e, Error::Format { .. }), "{e}");
    assert!(e.to_string().contains("segment data"), "{e}");
}

#[test]
fn absurd_sizes_are_limit_errors_before_allocating() {
    let e = decode_err(&page_info(0xFFFF_FF00, 0xFFFF_FF00, 0));
    assert!(matches!(e, Error::Limits(_)), "{e}");
    // A growing page, striped, whose end of stripe claims four billion rows.
    let mut data = page_info(100, u32::MAX, 0x8000 | 64);
    data.extend(header(1, 50, 4));
    data.extend_from_slice(&(u32::MAX - 1).to_be_bytes());
    let e = decode_err(&data);
    assert!(matches!(e, Error::Limits(_)), "{e}");
    // A region far larger than any page.
    let mut data = page_info(100, 100, 0);
    let mut region = Vec::new();
    for v in [60_000u32, 60_000, 0, 0] {
        region.extend_from_slice(&v.to_be_bytes());
    }
    // Template 3 with its nominal AT pixel, then a little coded data.
    region.extend_from_slice(&[0, 3 << 1, 2, 0xFF, 0x12, 0x34]);
    data.extend(header(1, 38, region.len() as u32));
    data.extend(region);
    let e = decode_err(&data);
    assert!(matches!(e, Error::Limits(_)), "{e}");
    // A file that declares a billion pages.
    let mut file = segments::FILE_ID.to_vec();
    file.push(1);
    file.extend_from_slice(&1_000_000_000u32.to_be_bytes());
    let e = decode::decode_file(&file, &Limits::default()).unwrap_err();
    assert!(matches!(e, Error::Limits(_)), "{e}");
}

#[test]
fn unknown_and_unsupported_segment_types() {
    let mut data = page_info(10, 10, 0);
    data.extend(header(1, 33, 0));
    let e = decode_err(&data);
    assert!(matches!(e, Error::Format { .. }), "{e}");
    assert!(e.to_string().contains("unknown type 33"), "{e}");

    let mut data = page_info(10, 10, 0);
    data.extend(header(1, 16, 0));
    let e = decode_err(&data);
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("pattern dictionary"), "{e}");

    // A Huffman-coded symbol dictionary (SDHUFF).
    let mut data = page_info(10, 10, 0);
    data.extend(header(1, 0, 10));
    data.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    let e = decode_err(&data);
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("Huffman"), "{e}");

    // A necessary extension we do not know is unsupported; an unnecessary one is skipped.
    for (extension, ok) in [(0x8000_0001u32, false), (0x0000_0001, true)] {
        let mut data = page_info(10, 10, 0);
        data.extend(header(1, 62, 4));
        data.extend_from_slice(&extension.to_be_bytes());
        let result = decode::decode_embedded(&data, None, &Limits::default());
        assert_eq!(result.is_ok(), ok, "{result:?}");
    }
}

#[test]
fn broken_references_and_order_are_format_errors() {
    // A region before any page information.
    let page = embedded(20, 20);
    let e = decode_err(&page[30..]);
    assert!(matches!(e, Error::Format { .. }), "{e}");
    assert!(e.to_string().contains("no page information"), "{e}");
    // A segment that refers to itself, and one that claims half a billion references.
    let mut data = page_info(10, 10, 0);
    data.extend_from_slice(&[0, 0, 0, 5, 38, 0x20, 5, 1, 0, 0, 0, 0]);
    assert!(
        decode_err(&data)
            .to_string()
            .contains("does not come before")
    );
    let mut data = page_info(10, 10, 0);
    data.extend_from_slice(&[0, 0, 0, 5, 38, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(decode_err(&data), Error::Format { .. }));
}

#[test]
fn bad_generic_region_fields_are_format_errors() {
    // An AT pixel on the pixel being decoded (T.88 6.2.5.4 forbids it).
    let mut data = page_info(16, 16, 0);
    let mut region = Vec::new();
    for v in [16u32, 16, 0, 0] {
        region.extend_from_slice(&v.to_be_bytes());
    }
    region.extend_from_slice(&[0, 1 << 1, 0, 0, 0xFF, 0xAC]);
    data.extend(header(1, 38, region.len() as u32));
    data.extend(region);
    let e = decode_err(&data);
    assert!(e.to_string().contains("AT pixel"), "{e}");

    // An immediate generic region of unknown length with no end marker, and one whose marker
    // leaves no room for the row count.
    for tail in [&[0x12u8, 0x34][..], &[0xFF, 0xAC, 0, 0]] {
        let mut data = page_info(16, u32::MAX, 0x8000 | 16);
        let mut region = Vec::new();
        for v in [16u32, 16, 0, 0] {
            region.extend_from_slice(&v.to_be_bytes());
        }
        region.extend_from_slice(&[0, 1 << 1, 2, 0xFF]);
        region.extend_from_slice(tail);
        data.extend(header(1, 38, u32::MAX));
        data.extend(region);
        let e = decode_err(&data);
        assert!(matches!(e, Error::Format { .. }), "{e}");
    }
}

#[test]
fn striped_pages_of_unknown_height_grow_with_their_stripes() {
    // Two stripes of a 40-pixel-wide page of unknown height, each an immediate generic region of
    // unknown length (T.88 7.2.7), then end of stripe; then end of page.
    let mut b = Bitmap::new(40, 24, &Limits::default()).unwrap();
    for y in 0..24 {
        for x in 0..40 {
            b.set(x, y, (x + y) % 7 == 0);
        }
    }
    let params = GenericParams::nominal(Template::T0);
    let mut data = page_info(40, u32::MAX, 0x8000 | 12);
    for (i, y0) in [0u32, 12].into_iter().enumerate() {
        let stripe = b.crop(0, y0, 40, 12);
        let coded = generic::encode(&stripe, &params);
        let mut region = Vec::new();
        // Height 0xFFFFFFFF in the region information: it is given by the row count at the end.
        for v in [40u32, u32::MAX, 0, y0] {
            region.extend_from_slice(&v.to_be_bytes());
        }
        region.extend_from_slice(&[0, 1 << 3]);
        for (x, y) in params.at_pixels() {
            region.extend_from_slice(&[*x as u8, *y as u8]);
        }
        region.extend_from_slice(&coded);
        region.extend_from_slice(&12u32.to_be_bytes());
        data.extend(header(1 + 2 * i as u32, 38, u32::MAX));
        data.extend(region);
        data.extend(header(2 + 2 * i as u32, 50, 4));
        data.extend_from_slice(&(y0 + 11).to_be_bytes());
    }
    data.extend(header(5, 49, 0));
    let page = decode::decode_embedded(&data, None, &Limits::default()).unwrap();
    assert_eq!(page, b);
}

/// jbig2enc's symbol-coded page of OCRmyPDF's test file (the fuzz seed): global segments and the
/// page stream.
fn jbig2enc_page() -> (Vec<u8>, Vec<u8>) {
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/jbig2_decode/seed-jbig2enc-symbols"),
    )
    .unwrap();
    let split = usize::from(u16::from_be_bytes([seed[0], seed[1]]));
    (seed[2..2 + split].to_vec(), seed[2 + split..].to_vec())
}

#[test]
fn symbol_coded_pages_decode_and_survive_damage() {
    let (globals, page) = jbig2enc_page();
    let limits = Limits::default();
    let good = decode::decode_embedded(&page, Some(&globals), &limits).unwrap();
    assert_eq!((good.width(), good.height()), (2550, 3300));
    assert!(good.count_ink() > 100_000);
    // Without its dictionary the page's text region has no symbols.
    let e = decode::decode_embedded(&page, None, &limits).unwrap_err();
    assert!(matches!(e, Error::Format { .. }), "{e}");
    let mut state = 7u32;
    for round in 0..300 {
        let (mut g, mut p) = (globals.clone(), page.clone());
        let target = if round % 2 == 0 { &mut g } else { &mut p };
        for _ in 0..2 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let i = (state >> 8) as usize % target.len();
            target[i] ^= (state >> 24) as u8 | 1;
        }
        let _ = decode::decode_embedded(&p, Some(&g), &limits);
    }
    for cut in [0, 1, 10, 30, 100, 1000, globals.len() / 2] {
        let _ = decode::decode_embedded(&page, Some(&globals[..cut]), &limits);
    }
}

#[test]
fn absurd_symbol_and_instance_counts_are_errors() {
    // A symbol dictionary (global, page 0) declaring two billion new symbols.
    let mut data = vec![0u8, 0]; // flags: arithmetic, template 0
    data.extend_from_slice(&[3, 0xFF, 0xFD, 0xFF, 2, 0xFE, 0xFE, 0xFE]);
    data.extend_from_slice(&1u32.to_be_bytes());
    data.extend_from_slice(&0x8000_0000u32.to_be_bytes());
    // Segment 0, a symbol dictionary, no references, page 0 (global).
    let mut dict = vec![0, 0, 0, 0, 0, 0, 0];
    dict.extend_from_slice(&(data.len() as u32).to_be_bytes());
    dict.extend(data);
    let e = decode::decode_embedded(&page_info(10, 10, 0), Some(&dict), &Limits::default())
        .unwrap_err();
    assert!(matches!(e, Error::Limits(_)), "{e}");

    // A text region of a billion instances in a few bytes, referring to no dictionary.
    let mut data = page_info(10, 10, 0);
    let mut region = Vec::new();
    for v in [10u32, 10, 0, 0] {
        region.extend_from_slice(&v.to_be_bytes());
    }
    region.push(0);
    region.extend_from_slice(&[0, 0x10]); // flags: arithmetic, no refinement, TOPLEFT
    region.extend_from_slice(&1_000_000_000u32.to_be_bytes());
    region.extend_from_slice(&[0x12, 0x34]);
    data.extend(header(1, 6, region.len() as u32));
    data.extend(region);
    let e = decode_err(&data);
    assert!(e.to_string().contains("symbol instances"), "{e}");
}
