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

use super::arith::{CONTEXTS, Context, Decoder, Encoder};
use super::tables::{deterministic, reduced};
use crate::bitmap::Bitmap;

/// TPDON's pseudo-pixel context (T.82 6.6.2).
const TPDCX: usize = 0xc3f;

/// Offsets of the four DP phases in the table (T.82 Tables 19-22).
const PHASE: [usize; 4] = [0, 256, 768, 2816];

/// One side of the arithmetic coder, so that one loop codes a layer both ways.
pub trait Coder {
    /// Codes `pixel` (encoding) or returns the decoded one (decoding, `pixel` unused).
    fn pixel(&mut self, cx: &mut Context, pixel: bool) -> bool;
    /// Whether this side knows the pixels (encodes).
    fn encodes(&self) -> bool;
}

impl Coder for Encoder {
    fn pixel(&mut self, cx: &mut Context, pixel: bool) -> bool {
        self.encode(cx, pixel);
        pixel
    }
    fn encodes(&self) -> bool {
        true
    }
}

impl Coder for Decoder<'_> {
    fn pixel(&mut self, cx: &mut Context, _: bool) -> bool {
        self.decode(cx)
    }
    fn encodes(&self) -> bool {
        false
    }
}

/// The layer below `high` by T.82 6.4's resolution reduction: each low pixel from the 3x3 high
/// pixels around its two columns and two rows (the row below them standing in for a missing last
/// one) and the low pixels left of it and above it, through Table 17.
pub fn reduce(high: &Bitmap, limits: &crate::options::Limits) -> crate::error::Result<Bitmap> {
    let (hw, hh) = (high.width(), high.height());
    let mut low = Bitmap::new(hw.div_ceil(2), hh.div_ceil(2), limits)?;
    for i in 0..i64::from(low.height()) {
        // The pair's second row, or its first again at the bottom.
        let second = if 2 * i + 1 >= i64::from(hh) {
            2 * i
        } else {
            2 * i + 1
        };
        let mut left = 0;
        for j in 0..i64::from(low.width()) {
            let h = |x: i64, y: i64| px(high, x, y, 0);
            let mut index = 0;
            for (k, dx) in [1, 0, -1].into_iter().enumerate() {
                index |= h(2 * j + dx, second) << k;
                index |= h(2 * j + dx, 2 * i) << (3 + k);
                index |= h(2 * j + dx, 2 * i - 1) << (6 + k);
            }
            index |= left << 9 | px(&low, j, i - 1, 0) << 10 | px(&low, j - 1, i - 1, 0) << 11;
            left = usize::from(reduced(index));
            if left == 1 {
                low.set(j as u32, i as u32, true);
            }
        }
    }
    Ok(low)
}

/// A layer being coded, and what carries from stripe to stripe.
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

    /// Whether TPDON may predict the pair of rows from `y`: every pixel whose nine low neighbours
    /// are one colour is that colour (T.82 6.6.2).
    fn typical_pair(high: &Bitmap, low: &Bitmap, y: u32, below_row: i64) -> bool {
        let ly = i64::from(y / 2);
        let rows = [y, y + 1].into_iter().filter(|&r| r < high.height());
        for r in rows {
            for x in 0..i64::from(high.width()) {
                let lx = x / 2;
                let mut ones = 0;
                for row in [ly - 1, ly, below_row] {
                    for dx in [1, 0, -1] {
                        ones += px(low, lx + dx, row, 0);
                    }
                }
                if (ones == 0 || ones == 9) && high.get(x as u32, r) != (ones == 9) {
                    return false;
                }
            }
        }
        true
    }

    /// Codes `rows` of `high` with `coder`: encoding reads them, decoding writes them (white
    /// before). `low` is the layer below, whose rows of this stripe end before `low_end`; rows
    /// above `top` (a reset stripe's first) are white; `at_moves` are the stripe's AT moves (row
    /// in the stripe, tx).
    #[allow(clippy::too_many_arguments)]
    pub fn code_rows<C: Coder>(
        &mut self,
        high: &mut Bitmap,
        low: &Bitmap,
        rows: Range<u32>,
        low_end: u32,
        top: u32,
        coder: &mut C,
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
                let lntp = coder.encodes() && !Self::typical_pair(high, low, y, below);
                self.lntp = coder.pixel(&mut self.contexts[TPDCX], lntp);
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
                let known = coder.encodes() && high.get(x as u32, y);
                if coder.pixel(&mut self.contexts[cx], known) {
                    high.set(x as u32, y, true);
                }
            }
        }
    }
}
