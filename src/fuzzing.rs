//! The bodies of the fuzz targets in `fuzz/`, here so that `cargo test` replays every input the
//! fuzzers have found (`fuzz/regressions/`) through exactly the same code.
#![doc(hidden)]

use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::options::Limits;

/// Small limits, so the fuzzers spend their time on parsing rather than on huge allocations.
fn limits() -> Limits {
    Limits::default()
        .with_max_pixels(1 << 22)
        .with_max_dimension(1 << 14)
}

/// Reads every page of any input, and the bytes as raw fax data too (which has no signature);
/// errors are fine, panics are not.
pub fn read_input(data: &[u8]) {
    if let Ok(pages) = crate::input::pages(data, None, &limits()) {
        for page in pages.take(8) {
            let _ = page;
        }
    }
    let _ = crate::input::fax::read(data, &limits());
}

/// Reads every page of the bytes as a PDF: lopdf's parsing, our extraction and, for pages that
/// are not one image, hayro's rendering.
pub fn read_pdf(data: &[u8]) {
    if let Ok(pages) = crate::input::pdf::PdfPages::new(data, &limits()) {
        for page in pages.take(4) {
            let _ = page;
        }
    }
}

/// Decodes CCITT data with parameters taken from the first four bytes.
pub fn ccitt_decode(data: &[u8]) {
    let [a, b, c, d, rest @ ..] = data else {
        return;
    };
    let width = u32::from(u16::from_le_bytes([*a, *b]) & 0x3fff);
    let coding = match c % 4 {
        0 => Coding::G4,
        1 => Coding::G3 { two_d: true },
        2 => Coding::G3 { two_d: false },
        _ => Coding::ModifiedHuffman,
    };
    let rows = (d & 0x80 != 0).then_some(u32::from(d & 0x7f) * 8);
    let mut params = DecodeParams::new(coding, width, rows);
    params.byte_align = c & 0x10 != 0;
    params.conceal_damage = c & 0x20 != 0;
    let _ = ccitt::decode_concealing(rest, &params, &limits());
}

/// A bitmap `w + 1` pixels wide whose packed rows are `rows`, as many as they fill; `None` when
/// they fill none.
fn bitmap_of(w: u8, rows: &[u8]) -> Option<crate::Bitmap> {
    let width = u32::from(w) + 1;
    let row_bytes = crate::bitmap::bytes_for(width);
    let height = (rows.len() / row_bytes) as u32;
    (height > 0).then(|| {
        crate::Bitmap::from_packed_rows(width, height, rows, row_bytes, true, &limits()).unwrap()
    })
}

/// Encodes a bitmap built from the data as G4 and checks that it decodes back exactly.
pub fn g4_round_trip(data: &[u8]) {
    let [w, rest @ ..] = data else {
        return;
    };
    let Some(bitmap) = bitmap_of(*w, rest) else {
        return;
    };
    let (width, height) = (bitmap.width(), bitmap.height());
    let encoded = ccitt::encode_g4(&bitmap);
    let params = DecodeParams::new(Coding::G4, width, Some(height));
    let decoded = ccitt::decode(&encoded, &params, &limits()).expect("our G4 decodes");
    assert_eq!(decoded, bitmap, "G4 round trip changed the bitmap");
}

/// Decodes the bytes as a standalone JBIG2 file, and as an embedded page whose global segments
/// are the bytes after the first two, as many as those two say (big-endian).
pub fn jbig2_decode(data: &[u8]) {
    use crate::codec::jbig2::decode;
    let _ = decode::decode_file(data, &limits());
    let [a, b, rest @ ..] = data else {
        return;
    };
    let split = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
    let (globals, page) = rest.split_at(split);
    let globals = (!globals.is_empty()).then_some(globals);
    let _ = decode::decode_embedded(page, globals, &limits());
    let _ = decode::decode_embedded(rest, None, &limits());
}

/// Encodes a bitmap built from the data as a JBIG2 generic region, with the template, AT pixels
/// and TPGDON taken from the first bytes, and checks that our decoder gives it back exactly.
pub fn jbig2_round_trip(data: &[u8]) {
    use crate::codec::jbig2::generic::{self, GenericParams, Template};
    let [w, t, ax, ay, rest @ ..] = data else {
        return;
    };
    let Some(bitmap) = bitmap_of(*w, rest) else {
        return;
    };
    let (width, height) = (bitmap.width(), bitmap.height());
    let mut params = GenericParams::nominal(Template::from_bits(*t));
    params.tpgdon = t & 4 != 0;
    if t & 8 != 0 {
        // A moved first AT pixel: a row above, or to the left on this row.
        let y = -((*ay % 8) as i8);
        let x = if y == 0 {
            -1 - (*ax % 127) as i8
        } else {
            *ax as i8
        };
        params.at[0] = (x, y);
    }
    let coded = generic::encode(&bitmap, &params);
    let decoded =
        generic::decode(&coded, width, height, &params, &limits()).expect("our JBIG2 decodes");
    assert_eq!(decoded, bitmap, "JBIG2 round trip changed the bitmap");
}

/// Decodes the bytes as a JBIG1 BIE, whole and as the viewer receives it: pushed to the
/// incremental decoder a few bytes at a time (how many from the length), its preview asked for
/// whenever a stripe comes in. Errors are fine, panics are not; a BIE that decodes whole must come
/// in whole through the incremental decoder too, to the same page.
pub fn jbig1_decode(data: &[u8]) {
    use crate::codec::jbig1::{decode, incremental::IncrementalDecoder};
    let whole = decode::decode(data, &limits());
    let mut viewer = IncrementalDecoder::new(limits());
    let mut stripes = 0;
    for chunk in data.chunks(1 + data.len() % 97) {
        if viewer.push(chunk).is_err() {
            assert!(whole.is_err(), "only the incremental decoder failed");
            return;
        }
        if viewer.stripes_done() != stripes {
            stripes = viewer.stripes_done();
            let _ = viewer.preview();
        }
    }
    if let Ok(page) = whole {
        assert!(
            viewer.is_complete(),
            "the incremental decoder did not finish"
        );
        assert_eq!(viewer.preview(), Some(page), "the decoders differ");
    }
}

/// Encodes a bitmap built from the data as a JBIG1 BIE, with the template, typical prediction,
/// stripe height, AT reach and resolution layers taken from the first bytes, and checks that our
/// decoder gives it back exactly.
pub fn jbig1_round_trip(data: &[u8]) {
    use crate::codec::jbig1::{decode, encode};
    let [w, flags, rows, mx, rest @ ..] = data else {
        return;
    };
    let Some(bitmap) = bitmap_of(*w, rest) else {
        return;
    };
    let params = encode::Params {
        two_line: flags & 1 != 0,
        tpbon: flags & 2 != 0,
        stripe_rows: (flags & 4 != 0).then_some(u32::from(*rows) + 1),
        max_at: *mx % 128,
        layers: (flags >> 3) % 4,
    };
    let coded = encode::encode(&bitmap, &params, &limits()).expect("our JBIG1 encodes");
    let decoded = decode::decode(&coded, &limits()).expect("our JBIG1 decodes");
    assert_eq!(decoded, bitmap, "JBIG1 round trip changed the bitmap");
}

/// Compresses a small grey or colour page made of the data to PDF under auto, mrc or jpeg (from
/// the second byte; the first gives the width): errors are fine, but not a panic, and not a page
/// of ours that fails its own verification.
pub fn colour_page(data: &[u8]) {
    use crate::options::{Codec, Options};
    let [w, flags, rest @ ..] = data else {
        return;
    };
    let width = usize::from(*w % 96) + 1;
    let channels = if flags & 1 == 0 { 1 } else { 3 };
    let height = (rest.len() / (width * channels)).min(96);
    if height == 0 {
        return;
    }
    let kind = if channels == 1 { "P5" } else { "P6" };
    let mut pnm = format!("{kind}\n{width} {height}\n255\n").into_bytes();
    pnm.extend_from_slice(&rest[..width * height * channels]);
    let codec = [Codec::Auto, Codec::Mrc, Codec::Jpeg][usize::from(flags >> 1) % 3];
    let options = Options::default().with_codec(codec).with_limits(limits());
    if let Err(crate::Error::Verification(m)) =
        crate::pipeline::compress_bytes(&pnm, Some("page.pnm"), &options)
    {
        panic!("our own page fails verification: {m}");
    }
}
