//! Writing a BIE: one resolution layer (sequential, as T.85 fax and `pbmtojbg -q` do) or several
//! (progressive, lowest first, as `pbmtojbg` does by default), in stripes, each stripe's coded data
//! ended by SDNORM.

use super::arith::{ESC, Encoder};
use super::bie::{HEADER_LEN, Header, marker, options, order, stripe_rows};
use super::differential::{DifferentialLayer, reduce, reduce_rows};
use super::layer::LayerCoder;
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
    // Each layer has its own coder and contexts, and reads only itself and the layer below: the
    // layers are coded side by side where there are several and threads for them, and sent
    // lowest first.
    let stripes = u64::from(height).div_ceil(u64::from(l0) << d);
    let coded: Vec<Vec<u8>> = if d > 0 && super::threads() > 1 {
        code_while_reducing(bitmap, d, l0, stripes, params, limits)?
    } else {
        // One layer, or one thread: the layers below the page, lowest first, each the
        // resolution reduction of the one above, then each layer in turn, on this thread (a
        // parallel iterator here would start rayon's global pool, 0.3 ms of a small page's run,
        // for nothing).
        let mut below: Vec<Bitmap> = Vec::with_capacity(usize::from(d));
        for _ in 0..d {
            let reduced = reduce(below.first().unwrap_or(bitmap), limits)?;
            below.insert(0, reduced);
        }
        (0..=d)
            .map(|k| code_layer(bitmap, &below, k, l0, stripes, params))
            .collect()
    };
    let mut out = Vec::with_capacity(HEADER_LEN + coded.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&header.to_bytes());
    let mut ends = Vec::with_capacity(usize::from(d) + 1);
    for layer in coded {
        out.extend(layer);
        ends.push(out.len() as u64);
    }
    Ok((out, ends))
}

/// The stripes of layer `k` (0: the lowest) of `page` and the layers `below` it (lowest first;
/// layer `k` is coded against layer `k - 1`), `l0` rows a stripe at the lowest resolution.
fn code_layer(
    page: &Bitmap,
    below: &[Bitmap],
    k: u8,
    l0: u32,
    stripes: u64,
    params: &Params,
) -> Vec<u8> {
    let k = usize::from(k);
    let layer = below.get(k).unwrap_or(page);
    let low = k.checked_sub(1).map(|j| &below[j]);
    let mut coder = LayerEncoder::new(k, params);
    let mut out = Vec::new();
    for stripe in 0..stripes {
        coder.stripe(layer, low, stripe, l0, &mut out);
    }
    out
}

/// Codes the layers of `page` while they are being reduced: stripe by stripe, from the top, the
/// layers below the page are reduced and each stripe of them coded as soon as it is reduced,
/// ahead on a helper thread ([`crate::processors::make_beside`]), while this thread codes the
/// page, sent each stripe's rows of the layer below it, into a copy it keeps. The same bytes as
/// reducing the whole page first.
///
/// The page's layer is most of the work (each layer below has a quarter of the pixels of the
/// one above), so two threads are enough: with a thread for every layer and another reducing,
/// three threads on two processors started the page's coder up to a millisecond late.
fn code_while_reducing(
    page: &Bitmap,
    d: u8,
    l0: u32,
    stripes: u64,
    params: &Params,
    limits: &Limits,
) -> Result<Vec<Vec<u8>>> {
    let top = usize::from(d);
    // The layers below the page, lowest first, white until reduced.
    let mut sizes = vec![(page.width(), page.height())];
    for _ in 0..d {
        let (w, h) = sizes[0];
        sizes.insert(0, (w.div_ceil(2), h.div_ceil(2)));
    }
    let white = |k: usize| Bitmap::new(sizes[k].0, sizes[k].1, limits);
    let below: Vec<Bitmap> = (0..top).map(white).collect::<Result<_>>()?;
    // The page coder's copy of the layer below the page.
    let mut low = below[top - 1].white_like();
    let coders: Vec<_> = (0..top).map(|k| LayerEncoder::new(k, params)).collect();
    let coded = vec![Vec::new(); top];
    // Reduces and codes stripe `i` of the layers below, the stripes above it done.
    let reduce_below = |reducing: &mut Reducing, i: usize| {
        let Reducing {
            below,
            coders,
            coded,
        } = reducing;
        let stripe = i as u64;
        for k in (0..top).rev() {
            let (lower, upper) = below.split_at_mut(k + 1);
            let high = upper.first().unwrap_or(page);
            let rows = stripe_rows(l0, k, stripe, lower[k].height());
            reduce_rows(high, &mut lower[k], rows);
        }
        for (k, (coder, out)) in coders.iter_mut().zip(coded.iter_mut()).enumerate() {
            let layer_below = k.checked_sub(1).map(|j| &below[j]);
            coder.stripe(&below[k], layer_below, stripe, l0, out);
        }
        let rows = stripe_rows(l0, top - 1, stripe, below[top - 1].height());
        (rows.start, below[top - 1].rows_words(rows).to_vec())
    };
    let reducing = Reducing {
        below,
        coders,
        coded,
    };
    let mut page_coder = LayerEncoder::new(top, params);
    let mut out = Vec::new();
    let reduced = crate::processors::make_beside(
        reducing,
        stripes as usize,
        reduce_below,
        |i, (first, words): (u32, Vec<u64>)| {
            low.copy_rows_in(first, &words);
            page_coder.stripe(page, Some(&low), i as u64, l0, &mut out);
        },
    );
    let mut coded = reduced.coded;
    coded.push(out);
    Ok(coded)
}

/// The layers below the page in [`code_while_reducing`], as far as they are reduced and coded:
/// each layer, its coder, and what it has coded.
struct Reducing {
    below: Vec<Bitmap>,
    coders: Vec<LayerEncoder>,
    coded: Vec<Vec<u8>>,
}

/// What codes one layer, stripe after stripe: layer `k` (0: the lowest), the AT pixel moving
/// up to `mx` in the lowest.
struct LayerEncoder {
    k: usize,
    mx: u32,
    coder: LayerCoder,
}

impl LayerEncoder {
    /// The coder of layer `k`.
    fn new(k: usize, params: &Params) -> Self {
        let coder = if k == 0 {
            LayerCoder::Lowest(LowestLayer::new(params.two_line, params.tpbon))
        } else {
            LayerCoder::Differential(DifferentialLayer::new(true, true))
        };
        let mx = u32::from(params.max_at.min(127));
        LayerEncoder { k, mx, coder }
    }

    /// Codes `stripe` of `layer` (a differential one against `low`, the layer below), `l0` rows
    /// a stripe at the lowest resolution, onto `out`: its data ended with SDNORM, and before a
    /// stripe of the lowest layer an ATMOVE where the AT pixel moves.
    fn stripe(
        &mut self,
        layer: &Bitmap,
        low: Option<&Bitmap>,
        stripe: u64,
        l0: u32,
        out: &mut Vec<u8>,
    ) {
        let rows = stripe_rows(l0, self.k, stripe, layer.height());
        let mut coder = Encoder::new();
        match (&mut self.coder, low) {
            (LayerCoder::Lowest(lowest), _) => {
                if let Some(tx) = lowest.choose_at(layer, rows.clone(), 0, self.mx) {
                    // ATMOVE (T.82 6.2.6.3): from the stripe's first row, tx to the left, ty 0.
                    out.extend_from_slice(&[ESC, marker::ATMOVE, 0, 0, 0, 0, tx as u8, 0]);
                    lowest.tx = tx;
                }
                lowest.encode_rows(layer, rows, 0, &mut coder);
            }
            (LayerCoder::Differential(differential), Some(low)) => {
                let low_end = stripe_rows(l0, self.k - 1, stripe, low.height()).end;
                differential.code_rows(layer, low, rows, low_end, 0, &mut coder, &[]);
            }
            (LayerCoder::Differential(_), None) => {
                unreachable!("a differential layer has one below")
            }
        }
        out.extend(coder.finish());
        out.extend_from_slice(&[ESC, marker::SDNORM]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layers are coded side by side: the same bytes and layer ends on one thread as on
    /// three.
    #[test]
    fn layers_are_coded_alike_on_any_number_of_threads() {
        let limits = Limits::default();
        let page = crate::codec::jbig1::banded_page(700, 500, 50);
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
