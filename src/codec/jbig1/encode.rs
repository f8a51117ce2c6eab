//! Writing a BIE: one resolution layer (sequential, as T.85 fax and `pbmtojbg -q` do) or several
//! (progressive, lowest first, as `pbmtojbg` does by default), in stripes, each stripe's coded data
//! ended by SDNORM.

use rayon::prelude::*;

use super::arith::{ESC, Encoder};
use super::bie::{HEADER_LEN, Header, marker, options, order};
use super::differential::{DifferentialLayer, reduce};
use super::lowest::LowestLayer;
use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::Limits;

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
    /// D: resolution layers above the lowest, each twice the size of the one below (0:
    /// sequential). The layers are sent lowest first, with typical and deterministic prediction.
    pub layers: u8,
}

impl Default for Params {
    /// One layer, the three-line template with typical prediction, about 35 stripes, the AT pixel
    /// moving up to 8 pixels: `pbmtojbg -q`'s defaults, with which both write the same bytes for a
    /// page whose AT pixel stays in place.
    fn default() -> Self {
        Params {
            two_line: false,
            tpbon: true,
            stripe_rows: None,
            max_at: 8,
            layers: 0,
        }
    }
}

/// Resolution layers above the lowest for a page `width` pixels wide: as many halvings as bring
/// it to at most 1,000 pixels, a legible preview (an A4 or letter page at 300 dpi: 2 layers, a
/// 75 dpi preview about 620 pixels wide; a 200 dpi fax: 1 layer, 100 dpi).
pub fn preview_layers(width: u32) -> u8 {
    let mut layers = 0;
    while width.div_ceil(1 << layers) > 1000 && layers < 8 {
        layers += 1;
    }
    layers
}

/// L0 as JBIG-KIT chooses it: about 35 stripes, at most 128 rows a stripe at full resolution.
fn default_stripe_rows(height: u32, layers: u8) -> u32 {
    let lowest = u64::from(height).div_ceil(1 << layers);
    let mut l0 = (lowest / 35).max(1);
    while l0 > 1 && l0 << layers > 128 {
        l0 -= 1;
    }
    l0 as u32
}

/// Codes `bitmap` as a BIE of `params.layers + 1` resolution layers, one plane; before each
/// stripe of the lowest layer an ATMOVE when T.82 Annex C's rule, applied to the stripe's own
/// pixels, moves the AT pixel.
pub fn encode(bitmap: &Bitmap, params: &Params, limits: &Limits) -> Result<Vec<u8>> {
    Ok(encode_with_layer_ends(bitmap, params, limits)?.0)
}

/// Like [`encode`], and where each resolution layer ends in the BIE, lowest first: the bytes a
/// reader needs to show it.
pub fn encode_with_layer_ends(
    bitmap: &Bitmap,
    params: &Params,
    limits: &Limits,
) -> Result<(Vec<u8>, Vec<u64>)> {
    let (width, height) = (bitmap.width(), bitmap.height());
    let d = params.layers.min(24);
    let l0 = params
        .stripe_rows
        .unwrap_or_else(|| default_stripe_rows(height, d))
        .clamp(1, height.max(1));
    let prediction = if d > 0 {
        options::TPDON | options::DPON
    } else {
        0
    };
    let header = Header {
        dl: 0,
        d,
        planes: 1,
        width,
        height,
        l0,
        mx: params.max_at.min(127),
        my: 0,
        order: if d > 0 {
            order::ILEAVE | order::SMID
        } else {
            0
        },
        options: if params.two_line { options::LRLTWO } else { 0 }
            | if params.tpbon { options::TPBON } else { 0 }
            | prediction,
    };
    // The layers, lowest first: each the resolution reduction of the one above.
    let mut layers = vec![bitmap.clone()];
    for _ in 0..d {
        let below = reduce(&layers[0], limits)?;
        layers.insert(0, below);
    }
    // Each layer has its own coder and contexts, and reads only itself and the layer below: the
    // layers are coded side by side, on as many threads as there are, and sent lowest first.
    let stripes = u64::from(height).div_ceil(u64::from(l0) << d);
    let coded: Vec<Vec<u8>> = (0..=d)
        .into_par_iter()
        .map(|k| code_layer(&layers, k, l0, stripes, params))
        .collect();
    let mut out = Vec::with_capacity(HEADER_LEN + coded.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&header.to_bytes());
    let mut ends = Vec::with_capacity(usize::from(d) + 1);
    for layer in coded {
        out.extend(layer);
        ends.push(out.len() as u64);
    }
    Ok((out, ends))
}

/// The stripes of layer `k` of `layers` (lowest first; layer `k` is coded against layer `k - 1`),
/// `l0` rows a stripe at the lowest resolution, each stripe's data ended with SDNORM; before a
/// stripe of the lowest layer, an ATMOVE where the AT pixel moves.
fn code_layer(layers: &[Bitmap], k: u8, l0: u32, stripes: u64, params: &Params) -> Vec<u8> {
    let layer = &layers[usize::from(k)];
    let stripe_rows = |k: u8| u64::from(l0) << k;
    let clamp = |r: u64, height: u32| r.min(u64::from(height)) as u32;
    let mut out = Vec::new();
    let mut lowest = LowestLayer::new(params.two_line, params.tpbon);
    let mut differential = DifferentialLayer::new(true, true);
    // The differential coder writes the rows it codes back (decoding fills them in): its own copy.
    let mut high = (k > 0).then(|| layer.clone());
    for stripe in 0..stripes {
        let rows = clamp(stripe * stripe_rows(k), layer.height())
            ..clamp((stripe + 1) * stripe_rows(k), layer.height());
        let mut coder = Encoder::new();
        match high.as_mut() {
            None => {
                let mx = u32::from(params.max_at.min(127));
                if let Some(tx) = lowest.choose_at(layer, rows.clone(), 0, mx) {
                    // ATMOVE (T.82 6.2.6.3): from the stripe's first row, tx to the left, ty 0.
                    out.extend_from_slice(&[ESC, marker::ATMOVE, 0, 0, 0, 0, tx as u8, 0]);
                    lowest.tx = tx;
                }
                lowest.encode_rows(layer, rows, 0, &mut coder);
            }
            Some(high) => {
                let low = &layers[usize::from(k) - 1];
                let low_end = clamp((stripe + 1) * stripe_rows(k - 1), low.height());
                differential.code_rows(high, low, rows, low_end, 0, &mut coder, &[]);
            }
        }
        out.extend(coder.finish());
        out.extend_from_slice(&[ESC, marker::SDNORM]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layers are coded side by side: the same bytes and layer ends on one thread as on
    /// three.
    #[test]
    fn layers_are_coded_alike_on_any_number_of_threads() {
        let limits = Limits::default();
        let (w, h) = (700, 500);
        let mut page = Bitmap::new(w, h, &limits).unwrap();
        let mut state = 5u32;
        for y in 0..h {
            for x in 0..w {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Blobs of ink in bands, and noise.
                let ink = (x / 9 + y / 13) % 5 == 0 || (state >> 24).is_multiple_of(50);
                page.set(x, y, ink);
            }
        }
        let params = Params {
            layers: 3,
            ..Params::default()
        };
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| encode_with_layer_ends(&page, &params, &limits).unwrap())
        };
        let one = on(1);
        assert_eq!(one.1.len(), 4);
        assert_eq!(on(3), one);
        let decoded = super::super::decode::decode(&one.0, &limits).unwrap();
        assert_eq!(decoded, page);
    }
}
