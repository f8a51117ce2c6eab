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
use super::window::Window;
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
/// one) and the low pixels left of it and above it, through Table 17. The rows are seen through
/// [`Window`]s; where all of that is white the low pixels are white, and such stretches are
/// passed over to the next black pixel.
pub fn reduce(high: &Bitmap, limits: &crate::options::Limits) -> crate::error::Result<Bitmap> {
    let (hw, hh) = (high.width(), high.height());
    let mut low = Bitmap::new(hw.div_ceil(2), hh.div_ceil(2), limits)?;
    let lw = low.width();
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
        let highs = [second, first, above];
        let windows_at = |j: u32| {
            (
                highs.map(|r| Window::at(r, 2 * j)),
                Window::at(low_above, j),
            )
        };
        row.fill(0);
        let (mut h, mut l) = windows_at(0);
        let mut left = 0;
        let mut j = 0;
        while j < lw {
            if j % 64 == 0 {
                l.load(low_above, (j / 64) as usize);
            }
            if (2 * j) % 64 == 0 {
                for (window, r) in h.iter_mut().zip(highs) {
                    window.load(r, (2 * j / 64) as usize);
                }
            }
            let index = h[0].take(1, 3)
                | h[1].take(1, 3) << 3
                | h[2].take(1, 3) << 6
                | left << 9
                | l.take(0, 2) << 10;
            if index == 0 {
                // White up to where a high pixel or a low one above comes into view.
                let from = (2 * j).saturating_sub(1);
                let high_black = highs
                    .iter()
                    .map(|r| next_black(r, from, 2 * lw))
                    .min()
                    .unwrap_or(2 * lw);
                let next = (high_black / 2).min(next_black(low_above, j, lw));
                if next > j + 1 {
                    j = next;
                    (h, l) = windows_at(j);
                    continue;
                }
            }
            left = usize::from(reduced(index));
            row[(j / 64) as usize] |= (left as u64) << (63 - j % 64);
            for window in &mut h {
                window.slide(2);
            }
            l.slide(1);
            j += 1;
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
    /// are one colour is that colour (T.82 6.6.2). Sixty-four low pixels at a time: the low
    /// pixels whose neighbourhood is white (or black), their columns doubled, against the two
    /// high rows.
    fn typical_pair(high: &Bitmap, low: &Bitmap, y: u32, below: u32) -> bool {
        let ly = y / 2;
        let empty: &[u64] = &[];
        let lows = [
            if ly > 0 { low.row(ly - 1) } else { empty },
            low.row(ly),
            low.row(below),
        ];
        let highs = [y, y + 1].map(|r| (r < high.height()).then(|| high.row(r)));
        let word = |r: &[u64], k: usize| r.get(k).copied().unwrap_or(0);
        let high_len = high.row(0).len();
        for k in 0..low.row(0).len() {
            let (mut white, mut black) = (!0u64, !0u64);
            for r in lows {
                // Each pixel with its neighbours to the left and right, across the words.
                let (here, left, right) = (word(r, k), word(r, k.wrapping_sub(1)), word(r, k + 1));
                let from_left = here >> 1 | left << 63;
                let from_right = here << 1 | right >> 63;
                white &= !(here | from_left | from_right);
                black &= here & from_left & from_right;
            }
            for (half, shift) in [(0, 32), (1, 0)] {
                let h = 2 * k + half;
                if h >= high_len {
                    break;
                }
                let (white, black) = (doubled(white >> shift), doubled(black >> shift));
                for r in highs.iter().flatten() {
                    if r[h] & white != 0 || !r[h] & black != 0 {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Codes `rows` of `high` with `coder`: encoding reads them, decoding writes them (white
    /// before). `low` is the layer below, whose rows of this stripe end before `low_end`; rows
    /// above `top` (a reset stripe's first) are white; `at_moves` are the stripe's AT moves (row
    /// in the stripe, tx).
    ///
    /// A pair of columns at a time, the two pixels over one low pixel: the rows the templates
    /// see are [`Window`]s, the high ones sliding two columns a pair, the low ones one.
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
        let (width, low_width) = (high.width(), low.width());
        let first = rows.start;
        let empty: &[u64] = &[];
        let mut h0 = vec![0u64; high.row(0).len()];
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
            if coder.encodes() {
                h0.copy_from_slice(high.row(y));
            } else {
                h0.fill(0);
            }
            // The rows the templates see, white above `top` and outside the image.
            let high_row = |r: Option<u32>| match r.filter(|&r| r >= top) {
                Some(r) => high.row(r),
                None => empty,
            };
            let low_row = |r: Option<u32>| match r.filter(|&r| r >= top / 2) {
                Some(r) => low.row(r),
                None => empty,
            };
            let rows = Rows {
                h1: high_row(y.checked_sub(1)),
                h2: high_row(y.checked_sub(2)),
                l_up: low_row(ly.checked_sub(1)),
                l_here: low.row(ly),
                l_down: low_row(Some(below)),
            };
            self.code_row(&mut h0, &rows, width, low_width, y % 2 == 1, coder);
            high.row_mut(y).copy_from_slice(&h0);
        }
    }

    /// Codes one row, `h0` (decoding: white, filled in), whose neighbours are `rows`.
    fn code_row<C: Coder>(
        &mut self,
        h0: &mut [u64],
        rows: &Rows<'_>,
        width: u32,
        low_width: u32,
        odd_row: bool,
        coder: &mut C,
    ) {
        let mut w = Windows::at(h0, rows, 0);
        let mut lx = 0;
        while lx < low_width {
            let x = 2 * lx;
            if lx % 64 == 0 {
                w.load_low(rows, (lx / 64) as usize);
            }
            if x % 64 == 0 {
                w.load_high(h0, rows, (x / 64) as usize);
            }
            if self.tpdon && !self.lntp {
                let c9 = w.l_up.take(1, 3) << 6 | w.l_here.take(1, 3) << 3 | w.l_down.take(1, 3);
                if c9 == 0 {
                    // White on and around the parents up to the next black low pixel: all
                    // predicted white.
                    let from = lx.saturating_sub(1);
                    let end = [rows.l_up, rows.l_here, rows.l_down]
                        .iter()
                        .map(|row| next_black(row, from, low_width + 1))
                        .min()
                        .unwrap_or(low_width + 1);
                    lx = (end - 1).max(lx + 1);
                    w = Windows::at(h0, rows, lx);
                    continue;
                }
                if c9 == 0x1ff {
                    for o in 0..2 {
                        if x + o < width {
                            set(h0, x + o);
                            w.h0.set(o as i32);
                        }
                    }
                    w.slide();
                    lx += 1;
                    continue;
                }
            }
            self.code_pixel::<C, 0>(h0, &mut w, x, odd_row, coder);
            if x + 1 < width {
                self.code_pixel::<C, 1>(h0, &mut w, x + 1, odd_row, coder);
            }
            w.slide();
            lx += 1;
        }
    }

    /// Codes pixel `x`, column `O` of the pair at the windows' current column: deterministic
    /// prediction first (T.82 6.5, Figure 13's neighbours for the pixel's phase), then the
    /// template of Figure 11.
    #[inline(always)]
    fn code_pixel<C: Coder, const O: i32>(
        &mut self,
        h0: &mut [u64],
        w: &mut Windows,
        x: u32,
        odd_row: bool,
        coder: &mut C,
    ) {
        let phase = usize::from(odd_row) * 2 + O as usize;
        if self.dpon {
            let low = w.l_up.take(0, 2) | w.l_here.take(0, 2) << 2;
            let high = if O == 0 {
                let near = w.h0.take(-1, 1) << 4 | w.h1.take(1, 3) << 5;
                if odd_row {
                    near | w.h2.take(1, 3) << 8
                } else {
                    near
                }
            } else {
                let near = w.h0.take(0, 2) << 4 | w.h1.take(1, 3) << 6;
                if odd_row {
                    near | w.h2.take(1, 3) << 9
                } else {
                    near
                }
            };
            if let Some(pixel) = deterministic(PHASE[phase] + (low | high)) {
                if pixel {
                    set(h0, x);
                    w.h0.set(O);
                }
                return;
            }
        }
        let tx = self.tx;
        let above = if tx == 0 {
            w.h1.take(1 + O, 3)
        } else {
            let at = if tx <= 6 {
                w.h0.take(O - tx as i32, 1)
            } else {
                pixel(h0, i64::from(x) - i64::from(tx))
            };
            at << 2 | w.h1.take(1 + O, 2)
        };
        let low = if O == 0 {
            w.l_here.take(0, 2) << 6 | w.l_down.take(0, 2) << 8
        } else {
            w.l_here.take(1, 2) << 6 | w.l_down.take(1, 2) << 8 | 1 << 10
        };
        let cx = w.h0.take(O - 1, 2)
            | above << 2
            | w.h2.take(O, 1) << 5
            | low
            | usize::from(odd_row) << 11;
        let known = w.h0.take(O, 1) == 1;
        if coder.pixel(&mut self.contexts[cx], known) && !known {
            set(h0, x);
            w.h0.set(O);
        }
    }
}

/// The rows around the one being coded: the two above it in its layer (`h1`, `h2`), and the low
/// rows above, at and below its parents' (`l_up`, `l_here`, `l_down`).
struct Rows<'a> {
    h1: &'a [u64],
    h2: &'a [u64],
    l_up: &'a [u64],
    l_here: &'a [u64],
    l_down: &'a [u64],
}

/// [`Rows`] and the row being coded seen through windows: the high ones at the pair's first
/// column, the low ones at its parent.
struct Windows {
    h0: Window,
    h1: Window,
    h2: Window,
    l_up: Window,
    l_here: Window,
    l_down: Window,
}

impl Windows {
    /// The windows at low column `lx`.
    fn at(h0: &[u64], rows: &Rows<'_>, lx: u32) -> Self {
        let x = 2 * lx;
        Windows {
            h0: Window::at(h0, x),
            h1: Window::at(rows.h1, x),
            h2: Window::at(rows.h2, x),
            l_up: Window::at(rows.l_up, lx),
            l_here: Window::at(rows.l_here, lx),
            l_down: Window::at(rows.l_down, lx),
        }
    }

    #[inline]
    fn load_high(&mut self, h0: &[u64], rows: &Rows<'_>, w: usize) {
        self.h0.load(h0, w);
        self.h1.load(rows.h1, w);
        self.h2.load(rows.h2, w);
    }

    #[inline]
    fn load_low(&mut self, rows: &Rows<'_>, w: usize) {
        self.l_up.load(rows.l_up, w);
        self.l_here.load(rows.l_here, w);
        self.l_down.load(rows.l_down, w);
    }

    /// On to the next pair.
    #[inline]
    fn slide(&mut self) {
        for high in [&mut self.h0, &mut self.h1, &mut self.h2] {
            high.slide(2);
        }
        for low in [&mut self.l_up, &mut self.l_here, &mut self.l_down] {
            low.slide(1);
        }
    }
}

/// The low 32 bits of `half`, each twice (a low pixel's two high columns), first the most
/// significant.
fn doubled(half: u64) -> u64 {
    let mut x = half & 0xffff_ffff;
    x = (x | x << 16) & 0x0000_ffff_0000_ffff;
    x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
    x = (x | x << 4) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | x << 2) & 0x3333_3333_3333_3333;
    x = (x | x << 1) & 0x5555_5555_5555_5555;
    x | x << 1
}

/// Makes pixel `x` of a row black.
#[inline]
fn set(words: &mut [u64], x: u32) {
    words[(x / 64) as usize] |= 1 << (63 - x % 64);
}

/// The pixel at column `x` of a row's words: white outside it.
#[inline]
fn pixel(words: &[u64], x: i64) -> usize {
    if x < 0 {
        return 0;
    }
    words
        .get((x / 64) as usize)
        .map_or(0, |w| ((w >> (63 - x % 64)) & 1) as usize)
}

#[cfg(test)]
mod reference;
