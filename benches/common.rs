//! Corpus pages for the benches.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use scanpress::page::GrayImage;
use scanpress::{Bitmap, Options, PageImage};

pub fn corpus_file(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SCANPRESS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = dir.join("files").join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("SKIPPED: corpus file {} is missing", path.display());
        None
    }
}

/// The first page of a corpus file as a bitmap (binarised if grey or colour).
pub fn bitmap(name: &str) -> Option<Bitmap> {
    let data = std::fs::read(corpus_file(name)?).ok()?;
    let options = Options::default();
    let page = scanpress::input::pages(&data, Some(name), &options.limits)
        .ok()?
        .next()?
        .ok()?;
    Some(scanpress::pipeline::prepare(page, &options).ok()?.0)
}

/// The first page of a corpus file as grey.
pub fn gray(name: &str) -> Option<GrayImage> {
    let data = std::fs::read(corpus_file(name)?).ok()?;
    let page = scanpress::input::pages(&data, Some(name), &Default::default())
        .ok()?
        .next()?
        .ok()?;
    match page.image {
        PageImage::Gray(g) => Some(g),
        PageImage::Rgb(c) => Some(c.to_gray()),
        PageImage::Bilevel(_) => None,
    }
}

/// Bilevel 300 dpi text pages and one 200 dpi CCITT letter.
pub const TEXT_PAGES: [&str; 4] = [
    "dev_lept_feyn_article_g4.tif",
    "dev_ocrmypdf_linn_brochure_300dpi.png",
    "dev_tess_unlv_8087_054_magazine.tif",
    "dev_ccitt1_slerexe_letter_g4.tif",
];

/// `b` as jbig2enc-rust's packed image (contiguous bits, MSB first).
pub fn jbig2enc_image(b: &Bitmap) -> jbig2enc_rust::jbig2sym::BitImage {
    let (w, h) = (b.width() as usize, b.height() as usize);
    let mut bytes = vec![0u8; (w * h).div_ceil(8)];
    for y in 0..h {
        for x in 0..w {
            if b.get(x as u32, y as u32) {
                let i = y * w + x;
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
    jbig2enc_rust::jbig2sym::BitImage::from_bytes(w, h, &bytes).unwrap()
}
