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
    /// L0: rows a stripe, or `None` for about 35 stripes a page (a 35th of the height, as
    /// `pbmtojbg` chooses). A decoder fed the file as it arrives can show each stripe when its
    /// last byte is in; fewer stripes cost fewer bytes.
    pub stripe_rows: Option<u32>,
    /// MX: how far left the AT pixel may move (0 keeps it in its default place).
    pub max_at: u8,
}

impl Default for Params {
    /// The three-line template with typical prediction, about 35 stripes, the AT pixel moving up
    /// to 8 pixels: `pbmtojbg -q`'s defaults, with which both write the same bytes for a page whose
    /// AT pixel stays in place.
    fn default() -> Self {
        Params {
            two_line: false,
            tpbon: true,
            stripe_rows: None,
            max_at: 8,
        }
    }
}

/// Codes `bitmap` as a sequential BIE: one layer, one plane; before each stripe an ATMOVE when
/// T.82 Annex C's rule, applied to the stripe's own pixels, moves the AT pixel.
pub fn encode(bitmap: &Bitmap, params: &Params) -> Vec<u8> {
    let (width, height) = (bitmap.width(), bitmap.height());
    let l0 = params
        .stripe_rows
        .unwrap_or(height / 35)
        .clamp(1, height.max(1));
    let header = Header {
        dl: 0,
        d: 0,
        planes: 1,
        width,
        height,
        l0,
        mx: params.max_at.min(127),
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
        if let Some(tx) = layer.choose_at(bitmap, first..end, 0, u32::from(header.mx)) {
            // ATMOVE (T.82 6.2.6.3): from the stripe's first row, tx to the left, ty 0.
            out.extend_from_slice(&[ESC, marker::ATMOVE, 0, 0, 0, 0, tx as u8, 0]);
            layer.tx = tx;
        }
        let mut coder = Encoder::new();
        layer.encode_rows(bitmap, first..end, 0, &mut coder);
        out.extend(coder.finish());
        out.extend_from_slice(&[ESC, marker::SDNORM]);
        first = end;
    }
    out
}
