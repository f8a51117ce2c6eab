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
use super::lowest::next_black;
use super::tables::{deterministic, reduced};
use crate::bitmap::Bitmap;
use crate::bitmap::bits_at;

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
    let empty: &[u64] = &[];
    let mut row = vec![0u64; low.row(0).len()];
    for i in 0..low.height() {
        // The pair's second row, or its first again at the bottom.
        let second = high.row((2 * i + 1).min(hh - 1));
        let (first, above) = (
            high.row(2 * i),
            if i > 0 { high.row(2 * i - 1) } else { empty },
        );
        let low_above = if i > 0 { low.row(i - 1) } else { empty };
        row.fill(0);
        let mut left = 0;
        for j in 0..i64::from(low.width()) {
            // Three high pixels of a row from column 2j-1, the first the most significant.
            let three = |r: &[u64]| (bits_at(r, 2 * j - 1) >> 61) as usize;
            let index = three(second)
                | three(first) << 3
                | three(above) << 6
                | left << 9
                | ((bits_at(low_above, j - 1) >> 62) as usize) << 10;
            left = usize::from(reduced(index));
            row[(j / 64) as usize] |= (left as u64) << (63 - j % 64);
        }
        low.row_mut(i).copy_from_slice(&row);
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
    fn typical_pair(high: &Bitmap, low: &Bitmap, y: u32, below: u32) -> bool {
        let ly = y / 2;
        let empty: &[u64] = &[];
        let lows = [
            if ly > 0 { low.row(ly - 1) } else { empty },
            low.row(ly),
            low.row(below),
        ];
        let highs: Vec<&[u64]> = [y, y + 1]
            .into_iter()
            .filter(|&r| r < high.height())
            .map(|r| high.row(r))
            .collect();
        let (lw, hw) = (low.width(), high.width());
        let mut lx = 0;
        while lx < lw {
            let c9 = lows
                .iter()
                .fold(0, |c, r| c << 3 | bits_at(r, i64::from(lx) - 1) >> 61);
            if c9 == 0 {
                // Up to the next black low pixel every parent's neighbourhood is white: the high
                // pixels under them must be white.
                let from = lx.saturating_sub(1);
                let end = lows
                    .iter()
                    .map(|r| next_black(r, from, lw + 1))
                    .min()
                    .unwrap_or(lw + 1);
                let stop = (end - 1).max(lx + 1).min(lw);
                let high_end = (2 * stop).min(hw);
                if highs
                    .iter()
                    .any(|r| next_black(r, 2 * lx, high_end) < high_end)
                {
                    return false;
                }
                lx = stop;
                continue;
            }
            if c9 == 0x1ff {
                for r in &highs {
                    for x in [2 * lx, 2 * lx + 1].into_iter().filter(|&x| x < hw) {
                        if (r[(x / 64) as usize] >> (63 - x % 64)) & 1 == 0 {
                            return false;
                        }
                    }
                }
            }
            lx += 1;
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
        let first = rows.start;
        let empty: &[u64] = &[];
        for y in rows {
            for &(_, tx) in at_moves.iter().filter(|m| m.0 == y - first) {
                self.tx = tx;
            }
            let ly = y / 2;
            // The low row below, or this one again at the end of the stripe.
            let below = if ly + 1 >= low_end { ly } else { ly + 1 };
            if self.tpdon && y % 2 == 0 {
                let lntp = coder.encodes() && !Self::typical_pair(high, low, y, below);
                self.lntp = coder.pixel(&mut self.contexts[TPDCX], lntp);
            }
            // The rows the templates see, white above `top` and outside the image.
            let high_row = |r: Option<u32>| match r.filter(|&r| r >= top) {
                Some(r) => high.row(r).to_vec(),
                None => Vec::new(),
            };
            let (h1, h2) = (high_row(y.checked_sub(1)), high_row(y.checked_sub(2)));
            let mut h0 = if coder.encodes() {
                high.row(y).to_vec()
            } else {
                vec![0; high.row(y).len()]
            };
            let low_row = |r: Option<u32>| match r.filter(|&r| r >= top / 2) {
                Some(r) => low.row(r),
                None => empty,
            };
            let (l_up, l_here, l_down) = (
                low_row(ly.checked_sub(1)),
                low.row(ly),
                low_row(Some(below)),
            );
            let odd_row = usize::from(y % 2 == 1);
            let tx = i64::from(self.tx);
            let mut x = 0i64;
            while x < width {
                let lx = x / 2;
                let l = |dx: i64, row: &[u64]| bit(row, lx + dx);
                if self.tpdon && !self.lntp {
                    let c9 = [l_up, l_here, l_down]
                        .iter()
                        .fold(0, |c, row| c << 3 | (bits_at(row, lx - 1) >> 61) as usize);
                    if c9 == 0 {
                        // White on and around the parents up to the next black low pixel: all
                        // predicted white.
                        let from = (lx - 1).max(0) as u32;
                        let end = [l_up, l_here, l_down]
                            .iter()
                            .map(|row| next_black(row, from, u32::MAX))
                            .min()
                            .unwrap_or(u32::MAX);
                        x = (2 * (i64::from(end) - 1)).max(x + 1);
                        continue;
                    }
                    if c9 == 0x1ff {
                        h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                        x += 1;
                        continue;
                    }
                }
                let h = |dx: i64, row: &[u64]| bit(row, x + dx);
                let odd_col = x % 2 == 1;
                if self.dpon {
                    let mut index =
                        l(0, l_up) | l(-1, l_up) << 1 | l(0, l_here) << 2 | l(-1, l_here) << 3;
                    let phase = odd_row * 2 + usize::from(odd_col);
                    index |= match phase {
                        0 => h(-1, &h0) << 4 | h(1, &h1) << 5 | h(0, &h1) << 6 | h(-1, &h1) << 7,
                        1 => {
                            h(-1, &h0) << 4
                                | h(-2, &h0) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(-2, &h1) << 8
                        }
                        2 => {
                            h(-1, &h0) << 4
                                | h(1, &h1) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(1, &h2) << 8
                                | h(0, &h2) << 9
                                | h(-1, &h2) << 10
                        }
                        _ => {
                            h(-1, &h0) << 4
                                | h(-2, &h0) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(-2, &h1) << 8
                                | h(0, &h2) << 9
                                | h(-1, &h2) << 10
                                | h(-2, &h2) << 11
                        }
                    };
                    if let Some(pixel) = deterministic(PHASE[phase] + index) {
                        if pixel {
                            h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                        }
                        x += 1;
                        continue;
                    }
                }
                let mut cx =
                    h(-1, &h0) | h(-2, &h0) << 1 | h(1, &h1) << 2 | h(0, &h1) << 3 | h(0, &h2) << 5;
                cx |= if tx == 0 {
                    h(-1, &h1) << 4
                } else {
                    h(-tx, &h0) << 4
                };
                cx |= if odd_col {
                    l(1, l_here) << 6
                        | l(0, l_here) << 7
                        | l(1, l_down) << 8
                        | l(0, l_down) << 9
                        | 1 << 10
                } else {
                    l(0, l_here) << 6 | l(-1, l_here) << 7 | l(0, l_down) << 8 | l(-1, l_down) << 9
                };
                cx |= odd_row << 11;
                let known = h(0, &h0) == 1;
                if coder.pixel(&mut self.contexts[cx], known) {
                    h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                }
                x += 1;
            }
            high.row_mut(y).copy_from_slice(&h0);
        }
    }
}

/// The pixel at column `x` of a row's words: white outside it.
#[inline]
fn bit(words: &[u64], x: i64) -> usize {
    if x < 0 {
        return 0;
    }
    words
        .get((x / 64) as usize)
        .map_or(0, |w| ((w >> (63 - x % 64)) & 1) as usize)
}
