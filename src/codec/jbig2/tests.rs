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

/// `b` with some pixels flipped: a target to refine `b` into.
fn noisy(b: &Bitmap, seed: u32) -> Bitmap {
    let mut out = b.clone();
    let mut state = seed;
    for _ in 0..(b.width() * b.height() / 40).max(1) {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let (x, y) = ((state >> 8) % b.width(), (state >> 20) % b.height());
        out.set(x, y, !b.get(x, y));
    }
    out
}

fn all_refine_params() -> Vec<super::refine::RefineParams> {
    use super::refine::{RefineParams, RefineTemplate};
    let mut all = Vec::new();
    for template in [RefineTemplate::T0, RefineTemplate::T1] {
        for tpgron in [false, true] {
            let mut p = RefineParams::nominal(template);
            p.tpgron = tpgron;
            all.push(p);
            if template == RefineTemplate::T0 {
                p.at = [(-2, 0), (1, 2)];
                all.push(p);
            }
        }
    }
    all
}

#[test]
fn refinements_round_trip_with_offsets() {
    use super::refine;
    let limits = Limits::default();
    for (w, h) in [(1, 1), (9, 13), (64, 30), (131, 45)] {
        let reference = page(w, h);
        let target = noisy(&reference, w * 7 + h);
        for params in all_refine_params() {
            for offset in [(0, 0), (1, -1), (-2, 3)] {
                let data = refine::encode(&target, &reference, offset, &params);
                let back =
                    refine::decode(&data, (w, h), &reference, offset, &params, &limits).unwrap();
                assert_eq!(
                    back.first_difference(&target),
                    None,
                    "{w}x{h} {params:?} {offset:?}"
                );
            }
        }
    }
}

/// A page whose generic region is then refined in place by an immediate refinement region
/// (T.88 7.4.7, no referred-to segment: the reference is the page), with REPLACE.
fn refined_page(
    reference: &Bitmap,
    target: &Bitmap,
    params: &super::refine::RefineParams,
) -> Vec<u8> {
    use super::refine::{self, RefineTemplate};
    let (w, h) = (reference.width(), reference.height());
    let generic_params = GenericParams::nominal(Template::T0);
    let mut data = segments::embedded_page(
        w,
        h,
        (300.0, 300.0),
        &generic_params,
        &generic::encode(reference, &generic_params),
    );
    let mut region = Vec::new();
    for v in [w, h, 0, 0] {
        region.extend_from_slice(&v.to_be_bytes());
    }
    region.push(4); // REPLACE
    region.push(u8::from(params.template == RefineTemplate::T1) | u8::from(params.tpgron) << 1);
    if params.template == RefineTemplate::T0 {
        for (x, y) in params.at {
            region.extend_from_slice(&[x as u8, y as u8]);
        }
    }
    region.extend(refine::encode(target, reference, (0, 0), params));
    segments::write_segment(
        &mut data,
        2,
        segments::kind::IMMEDIATE_REFINEMENT_REGION,
        &[],
        1,
        &region,
    );
    data
}

#[test]
fn hayro_jbig2_decodes_our_refinement_regions() {
    let limits = Limits::default();
    for (w, h) in [(5, 4), (70, 33), (200, 90)] {
        let reference = page(w, h);
        let target = noisy(&reference, w + h);
        for params in all_refine_params() {
            let data = refined_page(&reference, &target, &params);
            assert_eq!(
                hayro_decode(&data).first_difference(&target),
                None,
                "hayro {w}x{h} {params:?}"
            );
            let ours = decode::decode_embedded(&data, None, &limits).unwrap();
            assert_eq!(
                ours.first_difference(&target),
                None,
                "ours {w}x{h} {params:?}"
            );
        }
    }
}

/// A glyph-like blob `i`.
fn glyph(i: u32) -> Bitmap {
    let (w, h) = (4 + i * 7 % 19, 6 + i * 5 % 17);
    let mut b = Bitmap::new(w, h, &Limits::default()).unwrap();
    for y in 0..h {
        for x in 0..w {
            let ring = (x * 2 + 1).abs_diff(w) + (y * 2 + 1).abs_diff(h) < w.max(h) / 2 + 3;
            b.set(x, y, ring && !(x * 13 + y * 7 + i).is_multiple_of(5));
        }
    }
    b
}

/// `b` `n` pixels wider and taller, its new columns and rows partly black.
fn grown(b: &Bitmap, n: u32) -> Bitmap {
    let mut g = Bitmap::new(b.width() + n, b.height() + n, &Limits::default()).unwrap();
    for y in 0..g.height() {
        for x in 0..g.width() {
            let inside = x < b.width() && y < b.height() && b.get(x, y);
            g.set(
                x,
                y,
                inside || (x + y) % 3 == 0 && (x >= b.width() || y >= b.height()),
            );
        }
    }
    g
}

#[test]
fn symbol_dictionaries_and_text_regions_decode_in_hayro_and_ours() {
    use super::refine::RefineParams;
    use super::symbols::{SymbolCoding, encode_dictionary};
    use super::text::{Instance, encode_region};
    use segments::{kind, write_segment};
    let limits = Limits::default();
    let base: Vec<Bitmap> = (0..9).map(glyph).collect();
    // Dictionary A, global: the glyphs as generic regions, sorted into height classes.
    let mut order: Vec<usize> = (0..base.len()).collect();
    order.sort_by_key(|&i| base[i].height());
    let a_new: Vec<&Bitmap> = order.iter().map(|&i| &base[i]).collect();
    let a = encode_dictionary(
        &[],
        &a_new,
        &SymbolCoding::Generic(GenericParams::nominal(Template::T0)),
        &vec![true; a_new.len()],
    )
    .unwrap();
    // Dictionary B refers to A: noisy variants of A's symbols, each refined from its original.
    let variants: Vec<Bitmap> = a_new
        .iter()
        .enumerate()
        .map(|(i, b)| noisy(b, i as u32 + 3))
        .collect();
    let variant_refs: Vec<&Bitmap> = variants.iter().collect();
    let refs: Vec<(usize, (i64, i64))> = (0..variants.len())
        .map(|i| (i, (i as i64 % 3 - 1, 0)))
        .collect();
    let mut export = vec![false; a_new.len()];
    export.extend(vec![true; variants.len()]);
    for rp in all_refine_params().into_iter().filter(|p| !p.tpgron) {
        let b = encode_dictionary(
            &a_new,
            &variant_refs,
            &SymbolCoding::Refined(rp, &refs),
            &export,
        )
        .unwrap();
        // The text region sees A's symbols then B's.
        let symbols: Vec<&Bitmap> = a_new.iter().chain(variant_refs.iter()).copied().collect();
        // Grown by 1 to 3 pixels, so that the refinement offsets (half the growth) are not all 0.
        let targets: Vec<Bitmap> = symbols
            .iter()
            .enumerate()
            .map(|(i, s)| grown(s, 1 + i as u32 % 3))
            .collect();
        let instances: Vec<Instance<'_>> = (0..40usize)
            .map(|k| Instance {
                id: k * 7 % symbols.len(),
                x: (k as i64 * 37) % 300,
                y: (k as i64 / 6) * 25 + (k as i64 % 3),
                refined: (k % 4 == 1).then(|| &targets[k * 7 % symbols.len()]),
                reference_offset: (k as i64 % 3 - 1, k as i64 % 2),
            })
            .collect();
        let (w, h) = (340u32, 200u32);
        let mut expected = Bitmap::new(w, h, &limits).unwrap();
        for inst in &instances {
            let b = inst.refined.unwrap_or(symbols[inst.id]);
            super::decode::compose(
                &mut expected,
                b,
                inst.x,
                inst.y,
                super::decode::Combination::Or,
            );
        }
        let text_params = RefineParams {
            tpgron: false,
            ..rp
        };
        // Every strip height, both corners the encoder writes.
        for strips in [1, 2, 4, 8] {
            for bottom_left in [false, true] {
                let layout = super::text::TextLayout {
                    strips,
                    bottom_left,
                };
                let mut region = segments::whole_page_region(w, h);
                region.extend(
                    encode_region(&instances, &symbols, Some(&text_params), layout).unwrap(),
                );
                let mut globals = Vec::new();
                write_segment(&mut globals, 0, kind::SYMBOL_DICTIONARY, &[], 0, &a);
                let mut page = Vec::new();
                let mut info = w.to_be_bytes().to_vec();
                info.extend_from_slice(&h.to_be_bytes());
                info.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
                write_segment(&mut page, 1, kind::PAGE_INFORMATION, &[], 1, &info);
                write_segment(&mut page, 2, kind::SYMBOL_DICTIONARY, &[0], 1, &b);
                let text = kind::IMMEDIATE_LOSSLESS_TEXT_REGION;
                write_segment(&mut page, 3, text, &[0, 2], 1, &region);
                let what = format!("{rp:?} {layout:?}");
                let theirs =
                    crate::input::pdf::decode_embedded_jbig2(&page, Some(&globals), &limits)
                        .unwrap();
                assert_eq!(theirs.first_difference(&expected), None, "hayro {what}");
                let ours = decode::decode_embedded(&page, Some(&globals), &limits).unwrap();
                assert_eq!(ours.first_difference(&expected), None, "ours {what}");
            }
        }
    }
}

#[test]
fn members_whose_pixels_recur_become_derived_symbols_and_decode_exactly() {
    use super::symbol_coding::encode_page;
    let limits = Limits::default();
    // A solid ring, one component; its variants have edge noise of their own (`seed`), pixels
    // just outside its outer edge: close enough to join the ring's cluster.
    let ring = |seed: u32| {
        let (w, h) = (22, 26);
        let mut b = Bitmap::new(w, h, &limits).unwrap();
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = (x as f64 - 10.5, y as f64 - 12.5);
                let r = (dx * dx / 64.0 + dy * dy / 100.0).sqrt();
                let noise = seed > 0 && r <= 1.12 && (x * 7 + y * 13 + seed * 5).is_multiple_of(11);
                b.set(x, y, (0.6..=1.0).contains(&r) || noise);
            }
        }
        b
    };
    // The plain ring, one noisy variant many times, others fewer times (their noise repeats
    // with the seed modulo 11).
    let mut page = Bitmap::new(800, 480, &limits).unwrap();
    for k in 0..240u32 {
        let seed = match k % 4 {
            0 => 0,
            1 | 2 => 1,
            _ => 2 + k,
        };
        let (x, y) = (2 + (k % 24) * 32, 4 + (k / 24) * 46);
        super::decode::compose(
            &mut page,
            &ring(seed),
            x.into(),
            y.into(),
            decode::Combination::Or,
        );
    }
    let segments = encode_page(&page, &GenericParams::for_scans(), &limits)
        .unwrap()
        .expect("glyphs");
    let dictionaries = segments
        .iter()
        .filter(|s| s.kind == segments::kind::SYMBOL_DICTIONARY)
        .count();
    assert_eq!(dictionaries, 2, "the prototypes', and the derived symbols'");
    let (w, h) = (page.width(), page.height());
    let stream = segments::embedded_page_segments(w, h, (300.0, 300.0), &segments);
    assert_eq!(
        decode::decode_embedded(&stream, None, &limits).unwrap(),
        page
    );
    assert_eq!(hayro_decode(&stream).first_difference(&page), None);
}
