//! Readers: every input becomes a sequence of [`Page`]s, decoded one at a time.

pub mod fax;
pub mod jbig1;
pub mod jbig2;
pub mod pdf;
pub mod raster;
pub mod tiff;

use crate::error::{Error, Result};
use crate::options::Limits;
use crate::output::pdf::DocumentInfo;
use crate::page::Page;

/// The kinds of input scanpress reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputKind {
    /// TIFF, classic or BigTIFF.
    Tiff,
    /// PNG, JPEG, PNM or BMP.
    Raster,
    /// Raw headerless Group 3 fax data.
    RawFax,
    /// PDF.
    Pdf,
    /// Standalone JBIG2 file.
    Jbig2,
    /// JBIG1 bi-level image entity (`.jbg`), recognised by its name: it has no signature.
    Jbig1,
}

/// Whether a file name says JBIG1 (`.jbg`, `.bie`, `.jbig`, any case): a BIE has no signature.
pub fn is_jbig1_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jbg", ".bie", ".jbig"].iter().any(|e| lower.ends_with(e))
}

/// Recognises an input from its first bytes, and from the file name for raw fax data, which has no
/// signature.
pub fn detect(data: &[u8], name: Option<&str>) -> Result<InputKind> {
    let lower = name.map(str::to_ascii_lowercase).unwrap_or_default();
    if data.is_empty() {
        return Err(Error::format("input", "empty file"));
    }
    if data.starts_with(b"II*\0")
        || data.starts_with(b"MM\0*")
        || data.starts_with(b"II+\0")
        || data.starts_with(b"MM\0+")
    {
        return Ok(InputKind::Tiff);
    }
    let raster_magic: [&[u8]; 9] = [
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"BM",
        b"P1",
        b"P2",
        b"P3",
        b"P4",
        b"P5",
        b"P6",
    ];
    if raster_magic.iter().any(|m| data.starts_with(m)) {
        return Ok(InputKind::Raster);
    }
    if data.starts_with(&crate::codec::jbig2::segments::FILE_ID) {
        return Ok(InputKind::Jbig2);
    }
    if lower.ends_with(".g3") || lower.ends_with(".fax") {
        return Ok(InputKind::RawFax);
    }
    if is_jbig1_name(&lower) {
        return Ok(InputKind::Jbig1);
    }
    // Some writers put junk before the header; readers look in the first 1024 bytes (7.5.2).
    if data[..data.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Ok(InputKind::Pdf);
    }
    Err(Error::unsupported(
        "input",
        "not a TIFF, PDF, JBIG2, JBIG1, PNG, JPEG, PNM, BMP or raw G3 file",
    ))
}

/// An opened input: its pages, decoded one at a time, and what it says about itself.
pub struct Document<'a> {
    /// The pages, in order.
    pub pages: Box<dyn Iterator<Item = Result<Page>> + 'a>,
    /// Document information to carry over to the output (from PDF inputs).
    pub info: DocumentInfo,
}

/// Opens an input held in memory; `name` helps recognise raw fax data.
pub fn open<'a>(data: &'a [u8], name: Option<&str>, limits: &Limits) -> Result<Document<'a>> {
    let pages: Box<dyn Iterator<Item = Result<Page>> + 'a> = match detect(data, name)? {
        InputKind::Tiff => Box::new(tiff::TiffPages::new(data, limits)?),
        InputKind::Raster => Box::new(std::iter::once(raster::read(data, limits))),
        InputKind::RawFax => Box::new(std::iter::once(fax::read(data, limits))),
        InputKind::Jbig2 => Box::new(jbig2::read(data, limits)?.into_iter().map(Ok)),
        InputKind::Jbig1 => Box::new(std::iter::once(jbig1::read(data, limits))),
        InputKind::Pdf => {
            let pdf = pdf::PdfPages::new(data, limits)?;
            let info = pdf.info();
            return Ok(Document {
                pages: Box::new(pdf),
                info,
            });
        }
    };
    Ok(Document {
        pages,
        info: Vec::new(),
    })
}

/// The pages of an input held in memory.
pub fn pages<'a>(
    data: &'a [u8],
    name: Option<&str>,
    limits: &Limits,
) -> Result<Box<dyn Iterator<Item = Result<Page>> + 'a>> {
    Ok(open(data, name, limits)?.pages)
}

/// The report's note for damaged fax lines.
pub(crate) fn repaired_lines_note(lines: u32) -> String {
    format!(
        "{lines} damaged fax lines repaired as libtiff does (short lines padded with white, \
         unreadable ones repeated from the line above)"
    )
}
