//! JBIG1 bi-level image entities (`.jbg`, T.82), read by our decoder. A BIE carries no
//! resolution; it is estimated from the page size, and the report says so.

use crate::codec::jbig1::decode;
use crate::error::Result;
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution};

/// The one page of a BIE.
pub fn read(data: &[u8], limits: &Limits) -> Result<Page> {
    let bitmap = decode::decode(data, limits)?;
    let (w, h) = (bitmap.width(), bitmap.height());
    Ok(Page {
        image: PageImage::Bilevel(bitmap),
        resolution: Resolution::checked(None, w, h),
        source_bytes: Some(data.len() as u64),
        notes: Vec::new(),
        rotate: 0,
    })
}
