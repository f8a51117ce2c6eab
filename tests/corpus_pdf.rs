//! The corpus through the PDF output, checked by qpdf, poppler and mupdf.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use scanpress::{Bitmap, Limits, Options};

/// The bilevel images and masks poppler's `pdfimages` extracts, as bitmaps, in page order.
/// It writes a mask's samples as stored, 0 where the ink goes, so masks are inverted back.
fn poppler_images(pdf: &Path, scratch: &TempDir) -> Vec<Bitmap> {
    let dir = scratch.path("poppler");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(Command::new("pdfimages").arg(pdf).arg(dir.join("img")));
    let list = run(Command::new("pdfimages").arg("-list").arg(pdf));
    // After two header lines, one line an image: page, number, type, ...
    let kinds: Vec<String> = String::from_utf8_lossy(&list)
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().nth(2).unwrap_or("").to_string())
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), kinds.len(), "pdfimages -list and its files");
    files
        .iter()
        .zip(&kinds)
        .filter(|(f, _)| f.extension().is_some_and(|e| e == "pbm"))
        .map(|(f, kind)| {
            let mut b = Bitmap::from_pbm(&std::fs::read(f).unwrap(), &Limits::default()).unwrap();
            if kind != "image" {
                b.invert();
            }
            b
        })
        .collect()
}

/// The images mupdf's `mutool extract` writes (PNG), as bitmaps, in object order.
fn mupdf_images(pdf: &Path, scratch: &TempDir) -> Vec<Bitmap> {
    let dir = scratch.path("mupdf");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(Command::new("mutool")
        .arg("extract")
        .arg(pdf)
        .current_dir(&dir));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let gray = image::open(f).unwrap().into_luma8();
            let (w, h) = gray.dimensions();
            let mut b = Bitmap::new(w, h, &Limits::default()).unwrap();
            for (x, y, p) in gray.enumerate_pixels() {
                b.set(x, y, p.0[0] < 128);
            }
            b
        })
        .collect()
}

/// Every corpus scan, PDFs included, converts to a PDF (JBIG2 pages, the default) that qpdf finds
/// sound, that poppler and mupdf extract to exactly the bitmaps we encoded, and that pdftoppm
/// renders. Grey and colour pages coded as mixed raster content have their mask checked by
/// poppler (mupdf extracts such a page's images joined; `tests/mrc.rs` renders them), and those
/// coded as JPEG have no bitmap.
#[test]
fn corpus_scans_make_pdfs_every_reader_agrees_on() {
    if !have_tool("qpdf")
        || !have_tool("pdfimages")
        || !have_tool("mutool")
        || !have_tool("pdftoppm")
    {
        return;
    }
    let files = corpus_files(&[
        ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".pbm", ".g3", ".pdf",
    ]);
    let scratch = TempDir::new("corpus-pdf");
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(file).unwrap();
        let (pdf, reports) =
            scanpress::pipeline::compress_bytes(&data, Some(&name), &Options::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let ours: Vec<Bitmap> = our_bitmaps(&data, &name)
            .into_iter()
            .zip(&reports)
            .filter(|(_, r)| !r.codec.starts_with("JPEG"))
            .map(|(b, _)| b)
            .collect();
        let layered = reports
            .iter()
            .any(|r| r.codec.starts_with("MRC") || r.codec.starts_with("JPEG"));
        let out = scratch.path("out.pdf");
        std::fs::write(&out, &pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&out));
        let poppler = poppler_images(&out, &scratch);
        let mupdf = match layered {
            true => Vec::new(),
            false => mupdf_images(&out, &scratch),
        };
        assert_eq!(poppler.len(), ours.len(), "{name}: poppler image count");
        assert!(
            layered || mupdf.len() == ours.len(),
            "{name}: mupdf image count"
        );
        for (i, b) in ours.iter().enumerate() {
            assert_eq!(
                poppler[i].first_difference(b),
                None,
                "{name} bitmap {}: poppler",
                i + 1
            );
            if let Some(m) = mupdf.get(i) {
                assert_eq!(m.first_difference(b), None, "{name} page {}: mupdf", i + 1);
            }
        }
        let render = scratch.path("render");
        run(Command::new("pdftoppm")
            .args(["-r", "20", "-png"])
            .arg(&out)
            .arg(&render));
        let image_bytes: u64 = reports.iter().map(|r| r.bytes_out).sum();
        let overhead = pdf.len() as u64 - image_bytes;
        eprintln!(
            "{name}: {} pages, {} bytes, {} bytes of PDF around {image_bytes} of images",
            reports.len(),
            pdf.len(),
            overhead
        );
        // Besides the pages, the document information carried over from a source PDF.
        assert!(
            overhead < 1000 + 600 * reports.len() as u64,
            "{name}: {overhead} bytes overhead"
        );
    }
}

/// The same input gives the same bytes.
#[test]
fn pdf_output_is_deterministic() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif");
    let data = std::fs::read(fixture).unwrap();
    let a = scanpress::pipeline::compress_bytes(&data, None, &Options::default()).unwrap();
    let b = scanpress::pipeline::compress_bytes(&data, None, &Options::default()).unwrap();
    assert_eq!(a.0, b.0);
}

/// The /Rotate of each page, inherited down the page tree, as lopdf reads it (rebuilding a broken
/// cross-reference table as viewers do).
fn rotations(pdf: &[u8]) -> Vec<i64> {
    let options = lopdf::LoadOptions {
        force_reconstruct: true,
        ..Default::default()
    };
    let doc = lopdf::Document::load_mem_with_options(pdf, options).unwrap();
    doc.get_pages()
        .values()
        .map(|&id| {
            let mut dict = doc.get_dictionary(id).unwrap();
            loop {
                if let Ok(r) = dict.get(b"Rotate").and_then(|r| r.as_i64()) {
                    break r.rem_euclid(360);
                }
                match dict.get(b"Parent").and_then(|p| p.as_reference()) {
                    Ok(parent) => dict = doc.get_dictionary(parent).unwrap(),
                    Err(_) => break 0,
                }
            }
        })
        .collect()
}

/// Every corpus PDF is read: bilevel pages exactly as poppler extracts them, pages that need it
/// rendered, and the output keeps the page count and orientation.
#[test]
fn corpus_pdfs_read_like_poppler_and_keep_pages_and_rotation() {
    if !have_tool("pdfimages") || !have_tool("qpdf") {
        return;
    }
    let scratch = TempDir::new("corpus-pdf-in");
    for file in corpus_files(&[".pdf"]) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&file).unwrap();
        let (pdf, reports) =
            scanpress::pipeline::compress_bytes(&data, Some(&name), &Options::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let source_rotations = rotations(&data);
        assert_eq!(reports.len(), source_rotations.len(), "{name}: page count");
        assert_eq!(rotations(&pdf), source_rotations, "{name}: rotation");
        let out = scratch.path("out.pdf");
        std::fs::write(&out, &pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&out));

        let pages: Vec<_> = scanpress::input::pages(&data, Some(&name), &Limits::default())
            .unwrap()
            .map(|p| p.unwrap())
            .collect();
        if pages
            .iter()
            .all(|p| matches!(p.image, scanpress::PageImage::Bilevel(_)))
        {
            let theirs = poppler_images(&file, &scratch);
            assert_eq!(theirs.len(), pages.len(), "{name}: one image a page");
            for (i, (page, want)) in pages.iter().zip(&theirs).enumerate() {
                let scanpress::PageImage::Bilevel(got) = &page.image else {
                    unreachable!()
                };
                assert_eq!(got.first_difference(want), None, "{name} page {}", i + 1);
            }
        }
        eprintln!(
            "{name}: {} pages ({}), {} -> {} bytes",
            pages.len(),
            pages
                .iter()
                .map(|p| p.image.kind())
                .collect::<Vec<_>>()
                .join(", "),
            data.len(),
            pdf.len()
        );
    }
}
