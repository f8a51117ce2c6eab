//! Readers: every input becomes a sequence of [`Page`]s, decoded one at a time.

pub mod fax;
pub mod raster;
pub mod tiff;

use crate::error::{Error, Result};
use crate::options::Limits;
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
    if lower.ends_with(".g3") || lower.ends_with(".fax") {
        return Ok(InputKind::RawFax);
    }
    if data.starts_with(b"%PDF") {
        return Err(Error::unsupported(
            "input",
            "PDF input is not available in this version",
        ));
    }
    Err(Error::unsupported(
        "input",
        "not a TIFF, PNG, JPEG, PNM, BMP or raw G3 file",
    ))
}

/// The pages of an input held in memory.
pub fn pages<'a>(
    data: &'a [u8],
    name: Option<&str>,
    limits: &Limits,
) -> Result<Box<dyn Iterator<Item = Result<Page>> + 'a>> {
    Ok(match detect(data, name)? {
        InputKind::Tiff => Box::new(tiff::TiffPages::new(data, limits)?),
        InputKind::Raster => Box::new(std::iter::once(raster::read(data, limits))),
        InputKind::RawFax => Box::new(std::iter::once(fax::read(data, limits))),
    })
}
