//! The rule that cannot bend: symbol coding never substitutes one glyph for another. A page of
//! near-identical glyphs (6/8, 3/8, 0/O, 1/l/I, rn/m, c/e) at small sizes, every instance with
//! its own scanner-like edge noise, goes through symbol coding and comes back pixel for pixel.

mod common;

use std::process::Command;

use common::*;
use scanpress::codec::jbig2::{components, decode, generic, symbol_coding};
use scanpress::{Bitmap, Limits};

/// 5 x 7 glyphs, `#` black.
const GLYPHS: [(char, [&str; 7]); 13] = [
    (
        '6',
        [
            ".###.", "#....", "#....", "####.", "#...#", "#...#", ".###.",
        ],
    ),
    (
        '8',
        [
            ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
        ],
    ),
    (
        '3',
        [
            "####.", "....#", "....#", ".###.", "....#", "....#", "####.",
        ],
    ),
    (
        '0',
        [
            ".###.", "#..##", "#.#.#", "#.#.#", "#.#.#", "##..#", ".###.",
        ],
    ),
    (
        'O',
        [
            ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
    ),
    (
        '1',
        [
            "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.",
        ],
    ),
    (
        'l',
        [
            ".##..", "..#..", "..#..", "..#..", "..#..", "..#..", "..##.",
        ],
    ),
    (
        'I',
        [
            ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.",
        ],
    ),
    (
        'r',
        [
            ".....", ".....", "#.##.", "##..#", "#....", "#....", "#....",
        ],
    ),
    (
        'n',
        [
            ".....", ".....", "####.", "#...#", "#...#", "#...#", "#...#",
        ],
    ),
    (
        'm',
        [
            ".....", ".....", "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#",
        ],
    ),
    (
        'c',
        [
            ".....", ".....", ".###.", "#....", "#....", "#....", ".###.",
        ],
    ),
    (
        'e',
        [
            ".....", ".....", ".###.", "#...#", "#####", "#....", ".###.",
        ],
    ),
];

/// A small deterministic generator.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0 >> 8
    }
}

/// Draws `c` at (`x`, `y`), each font pixel `scale` x `scale`; edge pixels flip with some
/// chance, as a scanner's threshold wanders along a stroke's edge.
fn draw(page: &mut Bitmap, c: char, (x, y): (u32, u32), scale: u32, noise: &mut Noise) -> u32 {
    let rows = GLYPHS.iter().find(|g| g.0 == c).unwrap().1;
    let black = |gx: i64, gy: i64| {
        gx >= 0
            && gy >= 0
            && (gy as usize) < rows.len()
            && rows[gy as usize].as_bytes().get(gx as usize) == Some(&b'#')
    };
    let (w, h) = (5 * scale, 7 * scale);
    for py in 0..h {
        for px in 0..w {
            let (gx, gy) = (i64::from(px / scale), i64::from(py / scale));
            let mut on = black(gx, gy);
            // A pixel at a stroke's edge (its font cell borders another colour).
            let edge = [(-1, 0), (1, 0), (0, -1), (0, 1)].iter().any(|(dx, dy)| {
                let (nx, ny) = (i64::from(px) + dx, i64::from(py) + dy);
                black(
                    nx.div_euclid(i64::from(scale)),
                    ny.div_euclid(i64::from(scale)),
                ) != on
            });
            if edge && noise.next().is_multiple_of(7) {
                on = !on;
            }
            if on {
                page.set(x + px, y + py, true);
            }
        }
    }
    w
}

/// The test page: lines of the confusable glyphs, at two sizes, "rn" drawn touching.
fn near_identical_page() -> Bitmap {
    let mut page = Bitmap::new(1200, 900, &Limits::default()).unwrap();
    let mut noise = Noise(2013);
    let line = "6838 383 0O0O 1lI1lI rn m rnm c e ce 8668 O0 Il1";
    let mut y = 20;
    for scale in [2u32, 3] {
        for _ in 0..(if scale == 2 { 14 } else { 10 }) {
            let mut x = 20;
            for (i, c) in line.chars().enumerate() {
                if c == ' ' {
                    x += 4 * scale;
                    continue;
                }
                if x + 6 * scale >= page.width() {
                    break;
                }
                let w = draw(&mut page, c, (x, y), scale, &mut noise);
                // "rn" touches: one component, close to an "m".
                let touching = c == 'r' && line[i + 1..].starts_with('n');
                x += w + if touching { 0 } else { scale + 1 };
            }
            y += 10 * scale;
        }
    }
    page
}

#[test]
fn near_identical_glyphs_are_never_substituted() {
    let page = near_identical_page();
    let limits = Limits::default();
    let params = generic::GenericParams::for_scans();
    let segments = symbol_coding::encode_page(&page, &params, &limits)
        .unwrap()
        .unwrap();
    let stream = scanpress::codec::jbig2::segments::embedded_page_segments(
        page.width(),
        page.height(),
        (200.0, 200.0),
        &segments,
    );
    // Symbol coding does work here: a text region holds every glyph; a generic region, if
    // any, only specks, components of at most MAX_SPECK_INK black pixels, left there when they
    // cost less so.
    use scanpress::codec::jbig2::segments::kind;
    assert!(
        segments
            .iter()
            .any(|s| s.kind == kind::IMMEDIATE_LOSSLESS_TEXT_REGION)
    );
    let components = |b: &Bitmap| components::components(b, &limits).unwrap();
    let glyphs = components(&page)
        .iter()
        .filter(|c| c.bitmap.count_ink() > symbol_coding::MAX_SPECK_INK)
        .count();
    assert!(glyphs > 500, "{glyphs} glyphs");
    for generic in segments
        .iter()
        .filter(|s| s.kind == kind::IMMEDIATE_LOSSLESS_GENERIC_REGION)
    {
        let alone = scanpress::codec::jbig2::segments::embedded_page_segments(
            page.width(),
            page.height(),
            (200.0, 200.0),
            std::slice::from_ref(generic),
        );
        let residue = decode::decode_embedded(&alone, None, &limits).unwrap();
        for c in components(&residue) {
            assert!(c.bitmap.count_ink() <= symbol_coding::MAX_SPECK_INK);
        }
    }
    let back = decode::decode_embedded(&stream, None, &limits).unwrap();
    assert_eq!(back.first_difference(&page), None);
    if !have_tool("jbig2dec") || !have_tool("pdfimages") {
        return;
    }
    let scratch = TempDir::new("near-identical");
    let mut file = scanpress::codec::jbig2::segments::StandaloneWriter::new();
    file.add_page_segments(page.width(), page.height(), (200.0, 200.0), &segments);
    let jb2 = scratch.path("page.jb2");
    std::fs::write(&jb2, file.finish()).unwrap();
    let decoded = scratch.path("jbig2dec.pbm");
    run(Command::new("jbig2dec")
        .args(["-t", "pbm", "-o"])
        .arg(&decoded)
        .arg(&jb2));
    let theirs = Bitmap::from_pbm(&std::fs::read(&decoded).unwrap(), &limits).unwrap();
    assert_eq!(theirs.first_difference(&page), None, "jbig2dec");

    // And through the pipeline (the smaller of symbol and generic coding) and poppler.
    let pbm = scratch.path("page.pbm");
    std::fs::write(&pbm, page.to_pbm()).unwrap();
    let options = scanpress::Options::default();
    let (pdf, reports) =
        scanpress::pipeline::compress_bytes(&std::fs::read(&pbm).unwrap(), None, &options).unwrap();
    assert!(reports[0].codec.starts_with("JBIG2") && reports[0].verified);
    let pdf_path = scratch.path("page.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    run(Command::new("pdfimages")
        .arg(&pdf_path)
        .arg(scratch.path("img")));
    let extracted = std::fs::read(scratch.path("img-000.pbm")).unwrap();
    let extracted = Bitmap::from_pbm(&extracted, &limits).unwrap();
    assert_eq!(extracted.first_difference(&page), None);
    eprintln!(
        "near-identical glyph page: {} bytes as JBIG2 symbol coding, {} written ({}), {} as G4",
        stream.len(),
        reports[0].bytes_out,
        reports[0].codec,
        scanpress::codec::ccitt::encode_g4(&page).len()
    );
}
