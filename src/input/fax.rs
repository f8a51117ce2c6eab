//! Raw headerless Group 3 fax data (`.g3`): T.4 lines of 1728 pixels with EOLs, in either bit order,
//! one- or two-dimensional. Nothing in the file says which, so each is tried and the reading with
//! the fewest damaged lines wins.

use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::error::{Error, Result};
use crate::input::repaired_lines_note;
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution};

/// T.4 2.2: the standard fax line of 215 mm at 8 pixels per mm.
pub const FAX_WIDTH: u32 = 1728;
/// T.4 2.2: 3.85 lines per mm ("normal", 98 lpi) down, 8.04 pixels per mm (204 dpi) across.
const NORMAL_RESOLUTION: (f64, f64) = (204.0, 98.0);

/// Decodes a raw G3 file as one page.
pub fn read(data: &[u8], limits: &Limits) -> Result<Page> {
    let reversed: Vec<u8> = data.iter().map(|b| b.reverse_bits()).collect();
    let mut best = None;
    let mut first_error = None;
    for bytes in [data, &reversed[..]] {
        for two_d in [false, true] {
            let mut params = DecodeParams::new(Coding::G3 { two_d }, FAX_WIDTH, None);
            params.conceal_damage = true;
            match ccitt::decode_concealing(bytes, &params, limits) {
                // A wrong guess of bit order or coding damages most lines.
                Ok((bitmap, damaged)) if bitmap.height() > 0 && damaged * 2 <= bitmap.height() => {
                    if best.as_ref().is_none_or(|(_, d)| damaged < *d) {
                        best = Some((bitmap, damaged));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    let Some((bitmap, damaged)) = best else {
        return Err(first_error.unwrap_or_else(|| {
            Error::format(
                "G3 fax",
                "no reading of the data decodes without heavy damage",
            )
        }));
    };
    let mut notes = Vec::new();
    if damaged > 0 {
        notes.push(repaired_lines_note(damaged));
    }
    let (x, y) = NORMAL_RESOLUTION;
    let mut resolution = Resolution::checked(Some((x, y)), FAX_WIDTH, bitmap.height());
    resolution.estimated =
        Some("raw fax data carries no resolution; assumed T.4 normal (204x98 dpi)".into());
    Ok(Page {
        image: PageImage::Bilevel(bitmap),
        resolution,
        source_bytes: Some(data.len() as u64),
        notes,
        rotate: 0,
    })
}
