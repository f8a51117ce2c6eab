//! Reading a BIE (T.82 6.2): the header, then stripe data entities and the floating marker
//! segments between them (ATMOVE, NEWLEN, COMMENT). This version decodes BIEs of one resolution
//! layer and one plane, as T.85 fax and `pbmtojbg -q` write them; progressive BIEs are a clear
//! [`Error::Unsupported`].

use super::arith::{Decoder, ESC, STUFF};
use super::bie::{HEADER_LEN, Header, bad_jbig, marker, options, unsupported};
use super::lowest::LowestLayer;
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

/// Size of a private deterministic prediction table (T.82 6.2.3).
const DPTABLE_LEN: usize = 1728;

/// A big-endian u32 at `at`.
fn u32_at(data: &[u8], at: usize, what: &str) -> Result<u32> {
    let b = data
        .get(at..at + 4)
        .ok_or_else(|| bad_jbig(format!("truncated in a {what} marker segment")))?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// What the floating marker segments before a stripe said.
#[derive(Default)]
struct Floating {
    /// AT moves: row in the stripe, tx.
    at_moves: Vec<(u32, u32)>,
    /// NEWLEN's height.
    new_height: Option<u32>,
}

/// Reads the floating marker segments at `pos`, up to the next stripe's data.
fn floating(data: &[u8], pos: &mut usize, header: &Header) -> Result<Floating> {
    let mut found = Floating::default();
    while data.get(*pos) == Some(&ESC) {
        let Some(&code) = data.get(*pos + 1) else {
            return Err(bad_jbig("truncated after an escape byte"));
        };
        match code {
            marker::ATMOVE => {
                let row = u32_at(data, *pos + 2, "ATMOVE")?;
                let (tx, ty) = match data.get(*pos + 6..*pos + 8) {
                    Some(b) => (b[0], b[1]),
                    None => return Err(bad_jbig("truncated in an ATMOVE marker segment")),
                };
                if ty != 0 {
                    return Err(unsupported(format!(
                        "an AT pixel {ty} rows up (only moves along the row are decoded)"
                    )));
                }
                if tx > header.mx {
                    return Err(bad_jbig(format!("ATMOVE to tx {tx}, MX is {}", header.mx)));
                }
                found.at_moves.push((row, u32::from(tx)));
                *pos += 8;
            }
            marker::NEWLEN => {
                found.new_height = Some(u32_at(data, *pos + 2, "NEWLEN")?);
                *pos += 6;
            }
            marker::COMMENT => {
                let len = u32_at(data, *pos + 2, "COMMENT")? as usize;
                let end = (*pos + 6)
                    .checked_add(len)
                    .filter(|&e| e <= data.len())
                    .ok_or_else(|| bad_jbig("a COMMENT runs past the end"))?;
                *pos = end;
            }
            marker::ABORT => return Err(bad_jbig("the encoder aborted the image (ABORT)")),
            // The stripe's data, which may start with a stuffed 0xFF or be empty.
            STUFF | marker::SDNORM | marker::SDRST => break,
            other => {
                return Err(bad_jbig(format!("unknown marker 0x{other:02x}")));
            }
        }
    }
    Ok(found)
}

/// Where the stripe data entity at `pos` ends: the position of its SDNORM or SDRST marker.
fn sde_end(data: &[u8], pos: usize) -> Result<usize> {
    let mut i = pos;
    loop {
        match data[i..].iter().position(|&b| b == ESC) {
            None => return Err(bad_jbig("truncated in a stripe's coded data")),
            Some(k) => i += k,
        }
        match data.get(i + 1) {
            Some(&STUFF) => i += 2,
            Some(&(marker::SDNORM | marker::SDRST)) => return Ok(i),
            Some(&marker::ABORT) => return Err(bad_jbig("the encoder aborted the image (ABORT)")),
            Some(other) => {
                return Err(bad_jbig(format!(
                    "marker 0x{other:02x} inside a stripe's coded data"
                )));
            }
            None => return Err(bad_jbig("truncated in a stripe's coded data")),
        }
    }
}

/// Decodes a BIE of one layer and one plane.
pub fn decode(data: &[u8], limits: &Limits) -> Result<Bitmap> {
    let header = Header::read(data)?;
    if header.d > 0 {
        return Err(unsupported(format!(
            "progressive BIEs ({} resolution layers) are not decoded yet",
            u32::from(header.d) + 1
        )));
    }
    if header.planes != 1 {
        return Err(unsupported(format!("{} bit planes", header.planes)));
    }
    limits
        .check_pixels(header.width, header.height)
        .map_err(|e| match e {
            Error::Limits(m) if header.options & options::VLENGTH != 0 => Error::Limits(format!(
                "{m} (a height to be given by NEWLEN is not decoded yet)"
            )),
            e => e,
        })?;
    let mut pos = HEADER_LEN;
    let private_table = options::DPON | options::DPPRIV;
    if header.options & (private_table | options::DPLAST) == private_table {
        pos += DPTABLE_LEN;
        if pos > data.len() {
            return Err(bad_jbig("truncated in the private DP table"));
        }
    }
    let mut bitmap = Bitmap::new(header.width, header.height, limits)?;
    let mut height = header.height;
    let mut layer = LowestLayer::new(
        header.options & options::LRLTWO != 0,
        header.options & options::TPBON != 0,
    );
    let (mut first, mut top) = (0u32, 0u32);
    while first < height {
        let found = floating(data, &mut pos, &header)?;
        if let Some(h) = found.new_height {
            if h == 0 || h > height {
                return Err(bad_jbig(format!(
                    "NEWLEN {h} is not below the height {height}"
                )));
            }
            height = h;
            if first >= height {
                break;
            }
        }
        let end = sde_end(data, pos)?;
        let rows = first..first.saturating_add(header.l0).min(height);
        let mut coder = Decoder::new(&data[pos..end]);
        layer.decode_rows(&mut bitmap, rows.clone(), top, &mut coder, &found.at_moves);
        first = rows.end;
        if data[end + 1] == marker::SDRST {
            layer.reset();
            top = first;
        }
        pos = end + 2;
    }
    // A NEWLEN may follow the last stripe.
    if let Some(h) = floating(data, &mut pos, &header)?.new_height {
        if h == 0 || h > height {
            return Err(bad_jbig(format!(
                "NEWLEN {h} is not below the height {height}"
            )));
        }
        height = h;
    }
    if height < bitmap.height() {
        bitmap = bitmap.crop(0, 0, header.width, height);
    }
    Ok(bitmap)
}
