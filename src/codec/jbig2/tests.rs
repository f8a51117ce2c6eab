//! Round trips through our decoder and through hayro-jbig2, an independent decoder.

use super::generic::{self, GenericParams, Template};
use super::{decode, segments};
use crate::bitmap::Bitmap;
use crate::options::Limits;

/// Text-like blocks, a rule, scattered dots and repeated rows, so that every context path, the
/// white runs and TPGDON all get exercised.
fn page(width: u32, height: u32) -> Bitmap {
    let mut b = Bitmap::new(width, height, &Limits::default()).unwrap();
    for y in 0..height {
        for x in 0..width {
            let text = (x / 5 + y / 7) % 4 == 0 && (y / 20) % 3 != 2;
            let line = y == height / 2 || (x * 7 + y * 3) % 97 == 0;
            let dots = (x * 13 + y * 29) % 101 == 0;
            b.set(x, y, (text || line || dots) && (y / 9) % 5 != 1);
        }
    }
    b
}

/// Every template, with nominal AT pixels, with moved ones (some on the current row), and with
/// TPGDON on and off.
fn all_params() -> Vec<GenericParams> {
    let mut all = Vec::new();
    for template in [Template::T0, Template::T1, Template::T2, Template::T3] {
        for tpgdon in [false, true] {
            let mut nominal = GenericParams::nominal(template);
            nominal.tpgdon = tpgdon;
            all.push(nominal);
            let mut moved = nominal;
            moved.at = [(-5, 0), (4, -3), (-17, -1), (70, -2)];
            all.push(moved);
            let mut above = nominal;
            above.at = [(-1, -4), (2, -1), (-128, -128), (127, -1)];
            all.push(above);
        }
    }
    all
}

/// The pixels of each template's context and their bits, straight from T.88 Figures 3 to 6 and
/// the bit order of 6.2.5.3; `None` marks AT pixels A1, A2, ... in turn.
fn spec_template(template: Template) -> Vec<(Option<(i64, i64)>, u32)> {
    let fixed = |x, y| Some((x, y));
    let t: &[Option<(i64, i64)>] = match template {
        Template::T0 => &[
            fixed(-1, 0),
            fixed(-2, 0),
            fixed(-3, 0),
            fixed(-4, 0),
            None,
            fixed(2, -1),
            fixed(1, -1),
            fixed(0, -1),
            fixed(-1, -1),
            fixed(-2, -1),
            None,
            None,
            fixed(1, -2),
            fixed(0, -2),
            fixed(-1, -2),
            None,
        ],
        Template::T1 => &[
            fixed(-1, 0),
            fixed(-2, 0),
            fixed(-3, 0),
            None,
            fixed(2, -1),
            fixed(1, -1),
            fixed(0, -1),
            fixed(-1, -1),
            fixed(-2, -1),
            fixed(2, -2),
            fixed(1, -2),
            fixed(0, -2),
            fixed(-1, -2),
        ],
        Template::T2 => &[
            fixed(-1, 0),
            fixed(-2, 0),
            None,
            fixed(1, -1),
            fixed(0, -1),
            fixed(-1, -1),
            fixed(-2, -1),
            fixed(1, -2),
            fixed(0, -2),
            fixed(-1, -2),
        ],
        Template::T3 => &[
            fixed(-1, 0),
            fixed(-2, 0),
            fixed(-3, 0),
            fixed(-4, 0),
            None,
            fixed(1, -1),
            fixed(0, -1),
            fixed(-1, -1),
            fixed(-2, -1),
            fixed(-3, -1),
        ],
    };
    t.iter()
        .enumerate()
        .map(|(bit, &p)| (p, bit as u32))
        .collect()
}

/// The generic region encoder as T.88 6.2.5.7 reads, every context gathered pixel by pixel: the
/// reference the fast encoder must match byte for byte.
fn reference_encode(b: &Bitmap, params: &GenericParams) -> Vec<u8> {
    use super::mq::{Context, MqEncoder};
    let pixel = |x: i64, y: i64| -> usize {
        let inside = x >= 0 && y >= 0 && x < i64::from(b.width()) && y < i64::from(b.height());
        usize::from(inside && b.get(x as u32, y as u32))
    };
    let mut template = spec_template(params.template);
    let mut at = params.at_pixels().iter();
    for (p, _) in template.iter_mut() {
        if p.is_none() {
            let &(x, y) = at.next().unwrap();
            *p = Some((i64::from(x), i64::from(y)));
        }
    }
    let sltp = [0x9B25, 0x0795, 0x00E5, 0x0195][params.template.bits() as usize];
    let mut contexts = vec![Context::default(); 1 << template.len()];
    let mut mq = MqEncoder::new();
    let mut ltp = false;
    for y in 0..b.height() {
        if params.tpgdon {
            let typical = if y == 0 {
                b.row(0).iter().all(|&w| w == 0)
            } else {
                b.rows_equal(y, y - 1)
            };
            mq.encode(&mut contexts[sltp], u8::from(typical != ltp));
            ltp = typical;
            if ltp {
                continue;
            }
        }
        for x in 0..b.width() {
            let (x, yy) = (i64::from(x), i64::from(y));
            let cx = template
                .iter()
                .map(|&(p, bit)| pixel(x + p.unwrap().0, yy + p.unwrap().1) << bit)
                .sum::<usize>();
            mq.encode(&mut contexts[cx], pixel(x, yy) as u8);
        }
    }
    mq.finish()
}

#[test]
fn fast_encoder_matches_the_reference_byte_for_byte() {
    for (w, h) in [(1, 1), (3, 9), (64, 10), (65, 33), (130, 77), (333, 120)] {
        let b = page(w, h);
        for params in all_params() {
            assert_eq!(
                generic::encode(&b, &params),
                reference_encode(&b, &params),
                "{w}x{h} {params:?}"
            );
        }
    }
}

/// Decodes embedded JBIG2 segments with hayro-jbig2, an independent decoder.
fn hayro_decode(data: &[u8]) -> Bitmap {
    crate::input::pdf::decode_embedded_jbig2(data, None, &Limits::default()).unwrap()
}

#[test]
fn generic_regions_round_trip_through_both_decoders() {
    let limits = Limits::default();
    for (w, h) in [(1, 1), (7, 3), (64, 10), (130, 77), (333, 120)] {
        let b = page(w, h);
        for params in all_params() {
            let coded = generic::encode(&b, &params);
            let ours = generic::decode(&coded, w, h, &params, &limits).unwrap();
            assert_eq!(ours.first_difference(&b), None, "{w}x{h} {params:?}");
            let segments = segments::embedded_page(w, h, (300.0, 300.0), &params, &coded);
            let theirs = hayro_decode(&segments);
            assert_eq!(
                theirs.first_difference(&b),
                None,
                "hayro {w}x{h} {params:?}"
            );
            let ours = decode::decode_embedded(&segments, None, &limits).unwrap();
            assert_eq!(ours, b);
        }
    }
}

#[test]
fn blank_and_black_pages_round_trip() {
    let limits = Limits::default();
    let blank = Bitmap::new(500, 400, &limits).unwrap();
    let mut black = blank.clone();
    black.invert();
    for b in [blank, black] {
        let params = GenericParams::nominal(Template::T0);
        let coded = generic::encode(&b, &params);
        let data = segments::embedded_page(500, 400, (200.0, 200.0), &params, &coded);
        assert_eq!(hayro_decode(&data), b);
        assert_eq!(decode::decode_embedded(&data, None, &limits).unwrap(), b);
    }
}

#[test]
fn standalone_files_decode_page_by_page() {
    let limits = Limits::default();
    let pages = [page(200, 100), page(64, 64), page(1, 300)];
    let mut file = segments::StandaloneWriter::new();
    for (i, p) in pages.iter().enumerate() {
        let params = all_params()[i * 5];
        let coded = generic::encode(p, &params);
        file.add_page(p.width(), p.height(), (300.0, 300.0), &params, &coded);
    }
    let decoded = decode::decode_file(&file.finish(), &limits).unwrap();
    let bitmaps: Vec<_> = decoded.into_iter().map(|p| p.bitmap).collect();
    assert_eq!(bitmaps, pages);
}
