//! The PDF writer's JBIG2 (with shared globals), JPEG and mixed raster pages, checked by qpdf and
//! poppler. The encoders for these come in later versions; here the coded data comes from corpus
//! files and the `image` crate.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use scanpress::output::pdf::{ImageCoding, Ink, Paper, PdfImage, PdfWriter};
use scanpress::page::Resolution;

fn dpi(d: f64) -> Resolution {
    Resolution {
        x: d,
        y: d,
        estimated: None,
    }
}

/// Files `pdfimages` writes for a PDF with `args`, sorted.
fn pdfimages(pdf: &Path, args: &[&str], scratch: &TempDir) -> Vec<Vec<u8>> {
    let dir = scratch.path("imgs");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    run(Command::new("pdfimages")
        .args(args)
        .arg(pdf)
        .arg(dir.join("i")));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn jbig2_pages_with_shared_globals_read_as_their_source() {
    if !have_tool("pdfimages") || !have_tool("qpdf") {
        return;
    }
    let Some(source) = corpus_files(&[".pdf"])
        .into_iter()
        .find(|f| f.to_string_lossy().contains("jbig2globals"))
    else {
        return;
    };
    // The JBIG2 image stream of the source and its globals, as they are.
    let doc = lopdf::Document::load(&source).unwrap();
    let (image, globals) = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find_map(|s| {
            let filter = s.dict.get(b"Filter").ok()?;
            let is_jbig2 = match filter {
                lopdf::Object::Name(n) => n == b"JBIG2Decode",
                lopdf::Object::Array(a) => {
                    a.iter().any(|n| n.as_name().ok() == Some(b"JBIG2Decode"))
                }
                _ => false,
            };
            if !is_jbig2 {
                return None;
            }
            let parms = s.dict.get(b"DecodeParms").ok()?.as_dict().ok()?;
            let g = doc
                .get_object(parms.get(b"JBIG2Globals").ok()?.as_reference().ok()?)
                .ok()?;
            let g = g.as_stream().ok()?;
            Some((
                s.clone(),
                g.decompressed_content()
                    .unwrap_or_else(|_| g.content.clone()),
            ))
        })
        .expect("a JBIG2 image with globals");
    let width = image.dict.get(b"Width").unwrap().as_i64().unwrap() as u32;
    let height = image.dict.get(b"Height").unwrap().as_i64().unwrap() as u32;
    let mut pdf = PdfWriter::new();
    let shared = pdf.add_jbig2_globals(&globals);
    let page = PdfImage {
        width,
        height,
        coding: ImageCoding::Jbig2 {
            globals: Some(shared),
        },
        data: &image.content,
    };
    // Two pages sharing one globals stream.
    pdf.add_page(&page, &dpi(400.0), 0);
    pdf.add_page(&page, &dpi(400.0), 90);
    let scratch = TempDir::new("pdf-writer-jbig2");
    let out = scratch.path("jbig2.pdf");
    std::fs::write(&out, pdf.finish()).unwrap();
    run(Command::new("qpdf").arg("--check").arg(&out));
    let ours = pdfimages(&out, &[], &scratch);
    let theirs = pdfimages(&source, &[], &scratch);
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[0], theirs[0]);
    assert_eq!(ours[1], theirs[0]);
}

fn jpeg(width: u32, height: u32, colour: bool) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let image = if colour {
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
        }))
    } else {
        image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(width, height, |x, _| {
            image::Luma([(x * 255 / width) as u8])
        }))
    };
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[test]
fn jpeg_pages_pass_through_and_mixed_raster_pages_render() {
    if !have_tool("pdfimages") || !have_tool("qpdf") || !have_tool("pdftoppm") {
        return;
    }
    let scratch = TempDir::new("pdf-writer-dct");
    let (grey, rgb) = (jpeg(120, 90, false), jpeg(60, 45, true));
    let mut pdf = PdfWriter::new();
    for (data, components, w, h) in [(&grey, 1, 120, 90), (&rgb, 3, 60, 45)] {
        let image = PdfImage {
            width: w,
            height: h,
            coding: ImageCoding::Dct { components },
            data,
        };
        pdf.add_page(&image, &dpi(72.0), 0);
    }
    // A mixed raster page: the colour JPEG as background, a G4 mask of a black square in red.
    let mut mask = scanpress::Bitmap::new(240, 180, &Default::default()).unwrap();
    for y in 40..100 {
        for x in 60..160 {
            mask.set(x, y, true);
        }
    }
    let g4 = scanpress::codec::ccitt::encode_g4(&mask);
    let background = PdfImage {
        width: 60,
        height: 45,
        coding: ImageCoding::Dct { components: 3 },
        data: &rgb,
    };
    let stencil = PdfImage {
        width: 240,
        height: 180,
        coding: ImageCoding::G4 { byte_align: false },
        data: &g4,
    };
    pdf.add_mrc_page(
        &Paper::Image(background),
        &stencil,
        &Ink::Colour([255, 0, 0]),
        &dpi(72.0),
        0,
    );
    let out = scratch.path("dct.pdf");
    std::fs::write(&out, pdf.finish()).unwrap();
    run(Command::new("qpdf").arg("--check").arg(&out));
    // `pdfimages -j` writes DCT streams as they are stored: our JPEGs, byte for byte.
    let images = pdfimages(&out, &["-j"], &scratch);
    assert_eq!(images.len(), 4);
    assert_eq!(images[0], grey);
    assert_eq!(images[1], rgb);
    assert_eq!(images[2], rgb);
    // The mixed raster page at 72 dpi: red inside the square, the background outside.
    let render = scratch.path("page");
    run(Command::new("pdftoppm")
        .args(["-f", "3", "-l", "3", "-r", "72", "-png"])
        .arg(&out)
        .arg(&render));
    let png = std::fs::read_dir(&scratch.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap();
    let page = image::open(png).unwrap().into_rgb8();
    assert_eq!(page.dimensions(), (240, 180));
    assert_eq!(page.get_pixel(110, 70).0, [255, 0, 0]);
    let outside = page.get_pixel(10, 170).0;
    assert!(outside[0] < 80 && outside[1] > 150, "{outside:?}");
}
