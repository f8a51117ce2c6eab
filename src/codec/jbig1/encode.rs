//! Writing a BIE: one resolution layer (sequential, as T.85 fax and `pbmtojbg -q` do), in
//! stripes, each stripe's coded data ended by SDNORM.

use super::arith::{ESC, Encoder};
use super::bie::{HEADER_LEN, Header, marker, options};
use super::lowest::LowestLayer;
use crate::bitmap::Bitmap;

/// How a page is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// LRLTWO: the two-line template rather than the three-line one.
    pub two_line: bool,
    /// TPBON: rows equal to the one above cost one pseudo-pixel.
    pub tpbon: bool,
    /// L0: rows a stripe; a decoder fed the file as it arrives can show each stripe when its
    /// last byte is in.
    pub stripe_rows: u32,
}

impl Default for Params {
    /// The three-line template with typical prediction, in stripes of 128 rows (T.85's L0).
    fn default() -> Self {
        Params {
            two_line: false,
            tpbon: true,
            stripe_rows: 128,
        }
    }
}

/// Codes `bitmap` as a sequential BIE: one layer, one plane, the AT pixel at its default place.
pub fn encode(bitmap: &Bitmap, params: &Params) -> Vec<u8> {
    let (width, height) = (bitmap.width(), bitmap.height());
    let l0 = params.stripe_rows.clamp(1, height.max(1));
    let header = Header {
        dl: 0,
        d: 0,
        planes: 1,
        width,
        height,
        l0,
        mx: 0,
        my: 0,
        order: 0,
        options: if params.two_line { options::LRLTWO } else { 0 }
            | if params.tpbon { options::TPBON } else { 0 },
    };
    let mut out = Vec::with_capacity(HEADER_LEN + (width as usize * height as usize) / 64);
    out.extend_from_slice(&header.to_bytes());
    let mut layer = LowestLayer::new(params.two_line, params.tpbon);
    let mut first = 0;
    while first < height {
        let end = first.saturating_add(l0).min(height);
        let mut coder = Encoder::new();
        layer.encode_rows(bitmap, first..end, 0, &mut coder);
        out.extend(coder.finish());
        out.extend_from_slice(&[ESC, marker::SDNORM]);
        first = end;
    }
    out
}
