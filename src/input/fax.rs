//! Raw headerless Group 3 fax data (`.g3`): T.4 lines of 1728 pixels with EOLs, in either bit order,
//! one- or two-dimensional. Nothing in the file says which, so each is tried in turn.

use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution};

/// T.4 2.2: the standard fax line of 215 mm at 8 pixels per mm.
pub const FAX_WIDTH: u32 = 1728;
/// T.4 2.2: 3.85 lines per mm ("normal", 98 lpi) across, 8.04 pixels per mm (204 dpi) along.
const NORMAL_RESOLUTION: (f64, f64) = (204.0, 98.0);

/// Decodes a raw G3 file as one page.
pub fn read(data: &[u8], limits: &Limits) -> Result<Page> {
    let reversed: Vec<u8> = data.iter().map(|b| b.reverse_bits()).collect();
    let mut first_error = None;
    for bytes in [data, &reversed[..]] {
        for two_d in [false, true] {
            let params = DecodeParams::new(Coding::G3 { two_d }, FAX_WIDTH, None);
            match ccitt::decode(bytes, &params, limits) {
                Ok(bitmap) if bitmap.height() > 0 => {
                    let (x, y) = NORMAL_RESOLUTION;
                    let mut resolution = Resolution::checked(Some((x, y)), FAX_WIDTH, bitmap.height());
                    resolution.estimated = Some(
                        "raw fax data carries no resolution; assumed T.4 normal (204x98 dpi)".into(),
                    );
                    return Ok(Page {
                        image: PageImage::Bilevel(bitmap),
                        resolution,
                        source_bytes: Some(data.len() as u64),
                    });
                }
                Ok(_) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    Err(first_error.unwrap_or_else(|| Error::format("G3 fax", "no lines decoded")))
}
