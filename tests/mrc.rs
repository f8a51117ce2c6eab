//! Grey and colour pages: the codec chosen from the content, and the mixed raster and JPEG pages
//! as poppler, mupdf, libjpeg-turbo and the `image` crate see them, on the corpus.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use scanpress::pipeline::compress_bytes;
use scanpress::{Codec, Options};

/// The grey and colour scans of the corpus.
fn grey_and_colour_scans() -> Vec<std::path::PathBuf> {
    let mut files = corpus_files(&[".jpg", ".jpeg"]);
    files.extend(corpus_files(&[
        "_colour.pdf",
        "_colour_600dpi.pdf",
        "_jpx_150dpi.pdf",
    ]));
    files
}

/// Each page of `data` as grey levels, shrunk `factor` times by block means: what a page should
/// look like, to compare renderings with.
fn original_pages(data: &[u8], name: &str, factor: u32) -> Vec<(u32, u32, Vec<u8>)> {
    let limits = scanpress::Limits::default();
    scanpress::input::pages(data, Some(name), &limits)
        .unwrap()
        .map(|page| {
            let luma = page.unwrap().image.luma().into_owned();
            let (w, h) = (luma.width / factor, luma.height / factor);
            let mut out = Vec::with_capacity((w * h) as usize);
            for y in 0..h {
                for x in 0..w {
                    let mut sum = 0u32;
                    for dy in 0..factor {
                        for dx in 0..factor {
                            let i = ((y * factor + dy) * luma.width + x * factor + dx) as usize;
                            sum += u32::from(luma.data[i]);
                        }
                    }
                    out.push((sum / (factor * factor)) as u8);
                }
            }
            (w, h, out)
        })
        .collect()
}

/// Grey samples of a binary PGM (P5, 8-bit), as pdftoppm and mutool write them.
fn read_pgm(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 2;
    while fields.len() < 3 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i] == b'#' {
            while bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    assert_eq!(&bytes[..2], b"P5");
    let (w, h) = (fields[0], fields[1]);
    let data = bytes[i + 1..].to_vec();
    assert_eq!(data.len(), (w * h) as usize);
    (w, h, data)
}

/// The mean absolute difference of two grey images of nearly the same size, over their common
/// area.
fn mean_difference(a: &(u32, u32, Vec<u8>), b: &(u32, u32, Vec<u8>)) -> f64 {
    let (w, h) = (a.0.min(b.0), a.1.min(b.1));
    assert!(
        a.0.abs_diff(b.0) <= 2 && a.1.abs_diff(b.1) <= 2,
        "sizes {a:?} {b:?}",
        a = (a.0, a.1),
        b = (b.0, b.1)
    );
    let mut sum = 0u64;
    for y in 0..h {
        for x in 0..w {
            let (p, q) = (a.2[(y * a.0 + x) as usize], b.2[(y * b.0 + x) as usize]);
            sum += u64::from(p.abs_diff(q));
        }
    }
    sum as f64 / f64::from(w * h)
}

/// Renders page `page` (from 1) of `pdf` in grey at `size` with pdftoppm and with mutool.
fn renders(pdf: &Path, page: u32, size: (u32, u32), scratch: &TempDir) -> [(u32, u32, Vec<u8>); 2] {
    let poppler = scratch.path("poppler");
    run(Command::new("pdftoppm")
        .args([
            "-gray",
            "-singlefile",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .args([
            "-scale-to-x",
            &size.0.to_string(),
            "-scale-to-y",
            &size.1.to_string(),
        ])
        .arg(pdf)
        .arg(&poppler));
    let mupdf = scratch.path("mupdf.pgm");
    run(Command::new("mutool")
        .args([
            "draw",
            "-q",
            "-c",
            "gray",
            "-w",
            &size.0.to_string(),
            "-h",
            &size.1.to_string(),
        ])
        .arg("-o")
        .arg(&mupdf)
        .arg(pdf)
        .arg(page.to_string()));
    let pgm = |p: &Path| read_pgm(&std::fs::read(p).unwrap());
    [pgm(&poppler.with_extension("pgm")), pgm(&mupdf)]
}

/// Every grey and colour page of the corpus converts under auto to a PDF qpdf finds sound, that
/// poppler and mupdf both render close to the original: within a few grey levels on average for
/// mixed raster and JPEG pages, which keep paper and colour; binarised pages lose the paper's tint.
#[test]
fn grey_and_colour_pages_render_like_the_original_in_poppler_and_mupdf() {
    if !have_tool("pdftoppm") || !have_tool("mutool") || !have_tool("qpdf") {
        return;
    }
    let scratch = TempDir::new("mrc-render");
    for file in grey_and_colour_scans() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&file).unwrap();
        let (pdf, reports) = compress_bytes(&data, Some(&name), &Options::default()).unwrap();
        let out = scratch.path("out.pdf");
        std::fs::write(&out, &pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&out));
        let originals = original_pages(&data, &name, 4);
        assert_eq!(originals.len(), reports.len());
        for (report, original) in reports.iter().zip(&originals) {
            // Shrunk this far, readers draw a stencil bolder than the scan looks (pdftoppm more
            // than mupdf), the more so the denser the text; the JPEG layers keep grey levels.
            let bound = if report.codec.contains("JPEG") {
                20.0
            } else {
                40.0
            };
            for (reader, render) in ["poppler", "mupdf"].iter().zip(renders(
                &out,
                report.number,
                (original.0, original.1),
                &scratch,
            )) {
                let d = mean_difference(original, &render);
                eprintln!(
                    "{name} page {} ({}), {reader}: {d:.1} levels",
                    report.number, report.codec
                );
                assert!(
                    d < bound,
                    "{name} page {} {reader}: {d:.1} levels off",
                    report.number
                );
            }
        }
        assert!(
            pdf.len() * 2 < data.len(),
            "{name}: {} bytes from {}",
            pdf.len(),
            data.len()
        );
    }
}

/// The JPEGs in our PDFs are progressive, and libjpeg-turbo's djpeg and the `image` crate decode
/// them.
#[test]
fn jpeg_layers_are_progressive_and_decode_in_djpeg_and_image() {
    if !have_tool("pdfimages") || !have_tool("djpeg") {
        return;
    }
    let scratch = TempDir::new("mrc-jpeg");
    let mut seen = 0;
    for file in grey_and_colour_scans() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&file).unwrap();
        for codec in [Codec::Auto, Codec::Jpeg] {
            let options = Options::default().with_codec(codec);
            let (pdf, _) = compress_bytes(&data, Some(&name), &options).unwrap();
            let out = scratch.path("out.pdf");
            std::fs::write(&out, &pdf).unwrap();
            let dir = scratch.path("images");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            run(Command::new("pdfimages")
                .arg("-j")
                .arg(&out)
                .arg(dir.join("i")));
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "jpg") {
                    continue;
                }
                let jpeg = std::fs::read(&path).unwrap();
                assert!(
                    jpeg.windows(2).any(|w| w == [0xFF, 0xC2]),
                    "{name}: not progressive"
                );
                run(Command::new("djpeg")
                    .arg("-outfile")
                    .arg(scratch.path("d.pnm"))
                    .arg(&path));
                image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                seen += 1;
            }
        }
    }
    assert!(seen > 20, "{seen} JPEGs");
}

/// The codec follows the content: handwriting in several inks, a form with a blue stamp and
/// faint newsprint the threshold loses are mixed raster content with JPEG layers, a printed page
/// a mask painted in one ink on plain paper, and every choice is explained in the report.
#[test]
fn the_codec_follows_the_content() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let cases: [(&str, &[&str]); 5] = [
        (
            "dev_lept_lighttext_faint_grey.jpg",
            &["MRC: JBIG2 generic mask, JPEG background, plain ink"],
        ),
        (
            "dev_noteshrink_handwritten_notes_A1.jpg",
            &["MRC: JBIG2 generic mask, JPEG background, JPEG ink"],
        ),
        (
            "dev_tess_hebtypo_grey_600dpi.jpg",
            &["MRC: JBIG2 symbol mask, plain background, plain ink"],
        ),
        (
            "dev_pdfjs_issue7229_certificate_stamp_colour.pdf",
            &[
                "MRC: JBIG2 symbol mask, plain background, plain ink",
                "MRC: JBIG2 symbol mask, JPEG background, JPEG ink",
            ],
        ),
        (
            "dev_lept_lucasta_grey.jpg",
            &["MRC: JBIG2 symbol mask, JPEG background, plain ink"],
        ),
    ];
    for (name, codecs) in cases {
        let data = std::fs::read(dir.join("files").join(name)).unwrap();
        let (_, reports) = compress_bytes(&data, Some(name), &Options::default()).unwrap();
        let got: Vec<&str> = reports.iter().map(|r| r.codec.as_str()).collect();
        assert_eq!(got, codecs, "{name}");
        for r in &reports {
            assert!(
                r.notes.iter().any(|n| n.starts_with("analysis: ")),
                "{name}: {:?}",
                r.notes
            );
        }
    }
}

/// A grey page of plain paper is reported blank and kept; a photograph is a JPEG; forcing a codec
/// works on any page, and JPEG and mixed raster pages are refused outside PDF.
#[test]
fn blank_pages_are_kept_photos_are_jpegs_and_codecs_can_be_forced() {
    let scratch = TempDir::new("mrc-synthetic");
    let (w, h) = (1200u32, 1600u32);
    let paper = image::GrayImage::from_fn(w, h, |x, y| {
        image::Luma([236 + ((x * 7 + y * 13) % 5) as u8])
    });
    let blank = scratch.path("blank.png");
    paper.save(&blank).unwrap();
    // Smooth shapes, dark and light, as in a photograph.
    let photo = image::RgbImage::from_fn(w, h, |x, y| {
        let v = (f64::from(x) / 53.0).sin() * (f64::from(y) / 71.0).cos();
        let l = (128.0 + 120.0 * v) as u8;
        image::Rgb([l, l / 4 * 3 + 20, 200 - l / 2])
    });
    let photo_path = scratch.path("photo.png");
    photo.save(&photo_path).unwrap();
    let compress = |path: &Path, options: &Options| {
        let data = std::fs::read(path).unwrap();
        compress_bytes(&data, Some("page.png"), options)
    };
    let (_, reports) = compress(&blank, &Options::default()).unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0].codec,
        "MRC: JBIG2 generic mask, plain background, plain ink"
    );
    assert!(
        reports[0]
            .notes
            .iter()
            .any(|n| n.contains("blank page (kept)")),
        "{:?}",
        reports[0].notes
    );
    let (_, reports) = compress(&photo_path, &Options::default()).unwrap();
    assert_eq!(
        reports[0].codec, "JPEG progressive",
        "{:?}",
        reports[0].notes
    );

    let letter = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif");
    let (_, reports) = compress(&letter, &Options::default().with_codec(Codec::Jpeg)).unwrap();
    assert_eq!(reports[0].codec, "JPEG progressive");
    let (_, reports) = compress(&photo_path, &Options::default().with_codec(Codec::Mrc)).unwrap();
    assert!(reports[0].codec.starts_with("MRC"), "{}", reports[0].codec);
    let tiff = Options::default()
        .with_codec(Codec::Mrc)
        .with_format(scanpress::Format::Tiff);
    let err = compress(&photo_path, &tiff).unwrap_err();
    assert!(err.to_string().contains("PDF"), "{err}");
}

/// Our mixed raster PDFs read back at the resolution of their mask (the text), even where the
/// mask is the /Mask of the ink image rather than painted itself.
#[test]
fn our_mixed_raster_pages_read_back_at_the_masks_resolution() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let name = "dev_noteshrink_handwritten_notes_A1.jpg";
    let data = std::fs::read(dir.join("files").join(name)).unwrap();
    let (pdf, reports) = compress_bytes(&data, Some(name), &Options::default()).unwrap();
    assert!(
        reports[0].codec.ends_with("JPEG ink"),
        "{}",
        reports[0].codec
    );
    let limits = scanpress::Limits::default();
    let page = scanpress::input::pages(&pdf, None, &limits)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let (w, h) = page.image.dimensions();
    // The page size, in points to two places, rounds up by a pixel or two.
    assert!(
        w.abs_diff(reports[0].width) <= 2 && h.abs_diff(reports[0].height) <= 2,
        "{w}x{h}"
    );
}

/// Tiny and odd-sized grey and colour pages go through every codec without a panic.
#[test]
fn tiny_pages_code_under_every_codec() {
    let scratch = TempDir::new("mrc-tiny");
    for (w, h) in [(1, 1), (1, 7), (7, 1), (3, 2), (65, 3), (130, 129)] {
        let grey =
            image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 37 + y * 91) % 256) as u8]));
        let colour = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 13 % 256) as u8, (y * 29 % 256) as u8, 128])
        });
        let (g, c) = (scratch.path("g.png"), scratch.path("c.png"));
        grey.save(&g).unwrap();
        colour.save(&c).unwrap();
        for path in [&g, &c] {
            let data = std::fs::read(path).unwrap();
            for codec in [Codec::Auto, Codec::Mrc, Codec::Jpeg] {
                let options = Options::default().with_codec(codec);
                let (pdf, reports) = compress_bytes(&data, Some("page.png"), &options)
                    .unwrap_or_else(|e| panic!("{w}x{h} {codec:?}: {e}"));
                assert_eq!(reports.len(), 1);
                assert!(pdf.starts_with(b"%PDF"));
            }
        }
    }
}
