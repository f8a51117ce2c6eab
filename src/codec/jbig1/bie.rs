//! The bi-level image entity (T.82 6.2): its 20-byte header (BIH, 6.2.2) and the marker codes of
//! its stripe data entities and floating marker segments (6.2.6, Table 2).

use std::ops::Range;

use crate::error::{Error, Result};

/// Marker codes (T.82 Table 2), each after an [`super::arith::ESC`] byte.
pub mod marker {
    /// Reserved.
    pub const RESERVE: u8 = 0x01;
    /// End of a stripe, the coder's statistics kept.
    pub const SDNORM: u8 = 0x02;
    /// End of a stripe, everything reset for the next.
    pub const SDRST: u8 = 0x03;
    /// The BIE ends here, incomplete.
    pub const ABORT: u8 = 0x04;
    /// A new, smaller image height.
    pub const NEWLEN: u8 = 0x05;
    /// The adaptive template pixel moves.
    pub const ATMOVE: u8 = 0x06;
    /// A comment.
    pub const COMMENT: u8 = 0x07;
}

/// Option flags of the BIH's last byte (T.82 6.2.2.8).
pub mod options {
    /// The lowest layer uses the two-line template.
    pub const LRLTWO: u8 = 0x40;
    /// NEWLEN may change the height.
    pub const VLENGTH: u8 = 0x20;
    /// Typical prediction in differential layers.
    pub const TPDON: u8 = 0x10;
    /// Typical prediction in the lowest layer.
    pub const TPBON: u8 = 0x08;
    /// Deterministic prediction.
    pub const DPON: u8 = 0x04;
    /// A private deterministic prediction table.
    pub const DPPRIV: u8 = 0x02;
    /// The private table of the previous BIE.
    pub const DPLAST: u8 = 0x01;
}

/// Order flags of the BIH (T.82 6.2.2.7).
pub mod order {
    /// Differential layers from high to low resolution.
    pub const HITOLO: u8 = 0x08;
    /// Progressive-compatible sequential order.
    pub const SEQ: u8 = 0x04;
    /// Planes interleaved.
    pub const ILEAVE: u8 = 0x02;
    /// Stripes in the middle loop.
    pub const SMID: u8 = 0x01;
}

/// The BIH (T.82 6.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// DL: the lowest resolution layer in this BIE.
    pub dl: u8,
    /// D: the highest.
    pub d: u8,
    /// P: bit planes.
    pub planes: u8,
    /// XD: width at the highest resolution.
    pub width: u32,
    /// YD: height at the highest resolution.
    pub height: u32,
    /// L0: rows a stripe at the lowest resolution.
    pub l0: u32,
    /// MX: the largest horizontal offset of the AT pixel.
    pub mx: u8,
    /// MY: the largest vertical offset of the AT pixel.
    pub my: u8,
    /// The order flags.
    pub order: u8,
    /// The option flags.
    pub options: u8,
}

/// The BIH's size.
pub const HEADER_LEN: usize = 20;

impl Header {
    /// Reads and checks a BIH.
    pub fn read(data: &[u8]) -> Result<Header> {
        let b = data
            .get(..HEADER_LEN)
            .ok_or_else(|| bad_jbig("shorter than its 20-byte header"))?;
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let header = Header {
            dl: b[0],
            d: b[1],
            planes: b[2],
            width: u32_at(4),
            height: u32_at(8),
            l0: u32_at(12),
            mx: b[16],
            my: b[17],
            order: b[18],
            options: b[19],
        };
        if b[3] != 0 || header.order & 0xf0 != 0 || header.options & 0x80 != 0 {
            return Err(bad_jbig("reserved header bits are set"));
        }
        if header.dl > header.d {
            return Err(bad_jbig("the lowest layer DL is above the highest D"));
        }
        if header.planes == 0 || header.width == 0 || header.height == 0 || header.l0 == 0 {
            return Err(bad_jbig("zero planes, width, height or stripe height"));
        }
        if header.mx > 127 {
            return Err(bad_jbig(format!("MX {} is above 127", header.mx)));
        }
        Ok(header)
    }

    /// The BIH's bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = self.dl;
        b[1] = self.d;
        b[2] = self.planes;
        b[4..8].copy_from_slice(&self.width.to_be_bytes());
        b[8..12].copy_from_slice(&self.height.to_be_bytes());
        b[12..16].copy_from_slice(&self.l0.to_be_bytes());
        b[16] = self.mx;
        b[17] = self.my;
        b[18] = self.order;
        b[19] = self.options;
        b
    }
}

/// A malformed JBIG1 stream.
pub(crate) fn bad_jbig(message: impl Into<String>) -> Error {
    Error::format("JBIG1", message)
}

/// A JBIG1 feature this version does not decode.
pub(crate) fn unsupported(message: impl Into<String>) -> Error {
    Error::unsupported("JBIG1", message)
}

/// The rows of `stripe` in layer `k`, `height` rows high, with `l0` rows a stripe in the lowest
/// layer (T.82 6.2.6.1: twice as many in each layer above).
pub(super) fn stripe_rows(l0: u32, k: usize, stripe: u64, height: u32) -> Range<u32> {
    let stripe_rows = u64::from(l0) << k;
    let clamp = |r: u64| r.min(u64::from(height)) as u32;
    clamp(stripe * stripe_rows)..clamp((stripe + 1) * stripe_rows)
}
