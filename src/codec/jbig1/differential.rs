//! Differential resolution layers (T.82 6.7.2): each pixel of a layer twice the size of the one
//! below, coded in the context of its neighbours in both, after typical prediction (TPDON,
//! 6.6.2) and deterministic prediction (DP, 6.5) have had their say. Decoding only, for now.
//!
//! Pixels are H(x, y) in this layer and L(x, y) in the one below, whose pixel (x/2, y/2) is the
//! current one's parent. Context bits, lowest first (T.82 Figure 11): H(x-1, y), H(x-2, y), then
//! H(x+1, y-1), H(x, y-1), H(x-1, y-1) (the last the AT pixel's default place; a moved AT pixel is
//! H(x-tx, y)), H(x, y-2); for an even column L(x/2, y/2), L(x/2-1, y/2) and the same two of the
//! row below, for an odd one the parent and the pixel to its right in both rows, and bit 10 set;
//! bit 11 is the row's parity. The low row below the last of a stripe is that row again.

use std::ops::Range;

use super::arith::{CONTEXTS, Context, Decoder};
use super::tables::deterministic;
use crate::bitmap::Bitmap;

/// TPDON's pseudo-pixel context (T.82 6.6.2).
const TPDCX: usize = 0xc3f;

/// Offsets of the four DP phases in the table (T.82 Tables 19-22).
const PHASE: [usize; 4] = [0, 256, 768, 2816];

/// A layer being decoded, and what carries from stripe to stripe.
pub struct DifferentialLayer {
    tpdon: bool,
    dpon: bool,
    /// The AT pixel's offset to the left on the current row; 0 keeps its default place.
    pub tx: u32,
    contexts: Vec<Context>,
    /// LNTP of the current pair of rows: whether TPDON may not predict them.
    lntp: bool,
}

/// The pixel at (`x`, `y`) of `b`, white outside it and above row `top`.
#[inline]
fn px(b: &Bitmap, x: i64, y: i64, top: i64) -> usize {
    if x < 0 || y < top || x >= i64::from(b.width()) || y >= i64::from(b.height()) {
        0
    } else {
        usize::from(b.get(x as u32, y as u32))
    }
}

impl DifferentialLayer {
    /// A layer at the start of the image.
    pub fn new(tpdon: bool, dpon: bool) -> Self {
        DifferentialLayer {
            tpdon,
            dpon,
            tx: 0,
            contexts: vec![Context::default(); CONTEXTS],
            lntp: true,
        }
    }

    /// Starts again after an SDRST.
    pub fn reset(&mut self) {
        self.contexts.fill(Context::default());
        self.tx = 0;
        self.lntp = true;
    }

    /// Decodes `rows` of `high` from `low`, the layer below, whose rows of this stripe end before
    /// `low_end`; rows above `top` (a reset stripe's first) are white; `at_moves` are the stripe's
    /// AT moves (row in the stripe, tx).
    #[allow(clippy::too_many_arguments)]
    pub fn decode_rows(
        &mut self,
        high: &mut Bitmap,
        low: &Bitmap,
        rows: Range<u32>,
        low_end: u32,
        top: u32,
        dec: &mut Decoder<'_>,
        at_moves: &[(u32, u32)],
    ) {
        let width = i64::from(high.width());
        let (htop, ltop) = (i64::from(top), i64::from(top / 2));
        let first = rows.start;
        for y in rows {
            for &(_, tx) in at_moves.iter().filter(|m| m.0 == y - first) {
                self.tx = tx;
            }
            let yi = i64::from(y);
            let ly = yi / 2;
            // The low row below, or this one again at the end of the stripe.
            let below = if ly + 1 >= i64::from(low_end) {
                ly
            } else {
                ly + 1
            };
            if self.tpdon && y % 2 == 0 {
                self.lntp = dec.decode(&mut self.contexts[TPDCX]);
            }
            let odd_row = usize::from(y % 2 == 1);
            let tx = i64::from(self.tx);
            for x in 0..width {
                let lx = x / 2;
                let l = |dx: i64, row: i64| px(low, lx + dx, row, ltop);
                let h = |dx: i64, dy: i64| px(high, x + dx, yi - dy, htop);
                if self.tpdon && !self.lntp {
                    let mut c9 = 0;
                    for (k, row) in [ly - 1, ly, below].into_iter().enumerate() {
                        for (j, dx) in [1, 0, -1].into_iter().enumerate() {
                            c9 |= l(dx, row) << (3 * k + j);
                        }
                    }
                    if c9 == 0 || c9 == 0x1ff {
                        if c9 != 0 {
                            high.set(x as u32, y, true);
                        }
                        continue;
                    }
                }
                let odd_col = x % 2 == 1;
                if self.dpon {
                    let mut index =
                        l(0, ly - 1) | l(-1, ly - 1) << 1 | l(0, ly) << 2 | l(-1, ly) << 3;
                    let phase = odd_row * 2 + usize::from(odd_col);
                    index |= match phase {
                        0 => h(-1, 0) << 4 | h(1, 1) << 5 | h(0, 1) << 6 | h(-1, 1) << 7,
                        1 => {
                            h(-1, 0) << 4
                                | h(-2, 0) << 5
                                | h(0, 1) << 6
                                | h(-1, 1) << 7
                                | h(-2, 1) << 8
                        }
                        2 => {
                            h(-1, 0) << 4
                                | h(1, 1) << 5
                                | h(0, 1) << 6
                                | h(-1, 1) << 7
                                | h(1, 2) << 8
                                | h(0, 2) << 9
                                | h(-1, 2) << 10
                        }
                        _ => {
                            h(-1, 0) << 4
                                | h(-2, 0) << 5
                                | h(0, 1) << 6
                                | h(-1, 1) << 7
                                | h(-2, 1) << 8
                                | h(0, 2) << 9
                                | h(-1, 2) << 10
                                | h(-2, 2) << 11
                        }
                    };
                    if let Some(pixel) = deterministic(PHASE[phase] + index) {
                        if pixel {
                            high.set(x as u32, y, true);
                        }
                        continue;
                    }
                }
                let mut cx = h(-1, 0) | h(-2, 0) << 1 | h(1, 1) << 2 | h(0, 1) << 3 | h(0, 2) << 5;
                cx |= if tx == 0 {
                    h(-1, 1) << 4
                } else {
                    h(-tx, 0) << 4
                };
                cx |= if odd_col {
                    l(1, ly) << 6 | l(0, ly) << 7 | l(1, below) << 8 | l(0, below) << 9 | 1 << 10
                } else {
                    l(0, ly) << 6 | l(-1, ly) << 7 | l(0, below) << 8 | l(-1, below) << 9
                };
                cx |= odd_row << 11;
                if dec.decode(&mut self.contexts[cx]) {
                    high.set(x as u32, y, true);
                }
            }
        }
    }
}
