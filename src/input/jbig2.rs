//! Standalone JBIG2 files (`.jb2`, T.88 Annex D), read by our decoder.

use crate::codec::jbig2::decode;
use crate::error::Result;
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution};

/// The pages of a standalone JBIG2 file, with the resolution of its page information segments.
pub fn read(data: &[u8], limits: &Limits) -> Result<Vec<Page>> {
    let pages = decode::decode_file(data, limits)?;
    // The file's size is the page's when there is one page.
    let source_bytes = (pages.len() == 1).then_some(data.len() as u64);
    Ok(pages
        .into_iter()
        .map(|p| {
            let dpi = p
                .pixels_per_metre
                .map(|(x, y)| (f64::from(x) * 0.0254, f64::from(y) * 0.0254));
            let (w, h) = (p.bitmap.width(), p.bitmap.height());
            Page {
                image: PageImage::Bilevel(p.bitmap),
                resolution: Resolution::checked(dpi, w, h),
                source_bytes,
                notes: Vec::new(),
                rotate: 0,
            }
        })
        .collect())
}
