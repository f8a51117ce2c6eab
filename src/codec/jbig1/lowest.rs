//! The lowest resolution layer (T.82 6.7.1): each pixel coded in the context of its neighbours
//! by the three-line or the two-line template, one of whose pixels the adaptive template (AT)
//! may move along the current row (6.7.3), with typical prediction skipping rows equal to the one
//! above (TPBON, 6.6.1). What is said of one stripe carries into the next: the coder's
//! statistics, the rows above, and the last row's typical-prediction state, unless the stripe
//! before ended with SDRST.
//!
//! Context bits, most significant first (T.82 Figures 9 and 10; TPBON's pseudo-pixel contexts
//! 0x0E5 and 0x195 are numbers in this layout). Three-line: row y-2 at x-1, x, x+1; row y-1 at
//! x-2 to x+2 (x+2 is the AT pixel's default place); row y at x-2, x-1. Two-line: row y-1 at x-3
//! to x+2 (x+2 the AT default); row y at x-4 to x-1. A moved AT pixel is (x - tx, y).

use std::ops::Range;

use super::arith::{Contexts, Decoder, Encoder};
use super::window::{REACH, Window};
use crate::bitmap::{Bitmap, row_pixel, set_row_pixel};

/// The first black pixel at or after column `from` of a row, or `end` if there is none before.
pub(super) fn next_black(words: &[u64], from: u32, end: u32) -> u32 {
    let mut w = (from / 64) as usize;
    let mut word = words.get(w).copied().unwrap_or(0) & (u64::MAX >> (from % 64));
    loop {
        if word != 0 {
            return (w as u32 * 64 + word.leading_zeros()).min(end);
        }
        w += 1;
        if w >= words.len() || w as u32 * 64 >= end {
            return end;
        }
        word = words[w];
    }
}

/// TPBON's pseudo-pixel context with the three-line template (T.82 6.6.1.1).
const TPB3CX: usize = 0x0e5;
/// And with the two-line template.
const TPB2CX: usize = 0x195;

/// How the lowest layer is coded, and the state that carries from stripe to stripe.
pub struct LowestLayer {
    /// LRLTWO: the two-line template.
    pub two_line: bool,
    /// TPBON: typical prediction.
    pub tpbon: bool,
    /// The AT pixel's offset to the left on the current row; 0 keeps it at its default place.
    pub tx: u32,
    contexts: Contexts,
    /// LNTP of the row before: whether it was coded (not typical).
    lntp: bool,
}

impl LowestLayer {
    /// A layer at the start of an image.
    pub fn new(two_line: bool, tpbon: bool) -> Self {
        LowestLayer {
            two_line,
            tpbon,
            tx: 0,
            contexts: Contexts::default(),
            lntp: true,
        }
    }

    /// Starts again as at the top of the image, after an SDRST (T.82 6.2.6.1).
    pub fn reset(&mut self) {
        self.contexts.reset();
        self.lntp = true;
        self.tx = 0;
    }

    /// The template's context for the current pixel (T.82 Figures 9 and 10: the two-line one if
    /// `TWO_LINE`), with `at` the AT pixel's value when it has moved (`MOVED`).
    #[inline(always)]
    fn context<const TWO_LINE: bool, const MOVED: bool>(
        above2: &Window,
        above: &Window,
        here: &Window,
        at: usize,
    ) -> usize {
        if TWO_LINE {
            let up = if MOVED {
                above.take(1, 5) << 1 | at
            } else {
                above.take(2, 6)
            };
            up << 4 | here.take(-1, 4)
        } else {
            let up = if MOVED {
                above.take(1, 4) << 1 | at
            } else {
                above.take(2, 5)
            };
            above2.take(1, 3) << 7 | up << 2 | here.take(-1, 2)
        }
    }

    fn tp_context(&self) -> usize {
        if self.two_line { TPB2CX } else { TPB3CX }
    }

    /// The rows above `y` that the template sees, white above `top` (the image's or a reset
    /// stripe's first row).
    fn rows_above(bitmap: &Bitmap, y: u32, top: u32) -> (&[u64], &[u64]) {
        let row = |r: u32| {
            if r >= top && r < y {
                bitmap.row(r)
            } else {
                &[][..]
            }
        };
        (row(y.wrapping_sub(2)), row(y.wrapping_sub(1)))
    }

    /// Whether row `y` is typical: equal to the row above, or white at the top.
    fn typical(bitmap: &Bitmap, y: u32, top: u32) -> bool {
        if y > top {
            bitmap.rows_equal(y, y - 1)
        } else {
            bitmap.row(y).iter().all(|&w| w == 0)
        }
    }

    /// The AT pixel's place for `rows` by T.82 Annex C (Figure C.2), from how often each
    /// candidate (the default place, or `tx` from the smallest the template allows to `mx` to the
    /// left) equals the pixel, over the coded rows' first 2,048 or so pixels; `None` to keep the
    /// current one. The encoder looks at a stripe before coding it, so a move applies to the
    /// stripe it was measured on.
    pub fn choose_at(&self, bitmap: &Bitmap, rows: Range<u32>, top: u32, mx: u32) -> Option<u32> {
        let tmin = if self.two_line { 5 } else { 3 };
        let width = bitmap.width();
        if mx < tmin || width < mx + 3 {
            return None;
        }
        let mut c = vec![0i64; mx as usize + 1];
        let mut all = 0i64;
        for y in rows {
            if all > 2048 {
                break;
            }
            if self.tpbon && Self::typical(bitmap, y, top) {
                continue;
            }
            let above = (y > top).then(|| y - 1);
            for x in mx..width - 2 {
                let p = bitmap.get(x, y);
                if above.is_some_and(|a| bitmap.get(x + 2, a)) == p {
                    c[0] += 1;
                }
                for t in tmin..=mx {
                    if bitmap.get(x - t, y) == p {
                        c[t as usize] += 1;
                    }
                }
                all += 1;
            }
        }
        if all <= 2048 {
            return None;
        }
        let candidates = &c[tmin as usize..];
        let c_max = *candidates.iter().max()?;
        let c_min = *candidates.iter().min()?;
        let best = (tmin..=mx).find(|&t| c[t as usize] == c_max)?;
        let here = c[self.tx as usize];
        let (cl_min, cl_max) = (c_min.min(c[0]), c_max.max(c[0]));
        let moves = all - c_max < all >> 3
            && c_max - here > all - c_max
            && c_max - here > all >> 4
            && c_max - (all - here) > all - c_max
            && c_max - (all - here) > all >> 4
            && c_max - c_min > all >> 2
            && (self.tx != 0 || cl_max - cl_min > all >> 3);
        (moves && best != self.tx).then_some(best)
    }

    /// Codes `rows` of `bitmap` (T.82 6.7, 6.6.1); rows from `top` on are seen as the rows above.
    pub fn encode_rows(&mut self, bitmap: &Bitmap, rows: Range<u32>, top: u32, enc: &mut Encoder) {
        let width = bitmap.width();
        for y in rows {
            if self.tpbon {
                let lntp = !Self::typical(bitmap, y, top);
                let cx = self.tp_context();
                enc.encode(&mut self.contexts[cx], lntp == self.lntp);
                self.lntp = lntp;
                if !lntp {
                    continue;
                }
            }
            let (r2, r1) = Self::rows_above(bitmap, y, top);
            let current = bitmap.row(y);
            match (self.two_line, self.tx != 0) {
                (false, false) => self.encode_row::<false, false>(r2, r1, current, width, enc),
                (false, true) => self.encode_row::<false, true>(r2, r1, current, width, enc),
                (true, false) => self.encode_row::<true, false>(r2, r1, current, width, enc),
                (true, true) => self.encode_row::<true, true>(r2, r1, current, width, enc),
            }
        }
    }

    /// Codes row `current`, `width` pixels, below `r1` and `r2`, with the two-line template if
    /// `TWO_LINE` and the AT pixel moved if `MOVED`.
    fn encode_row<const TWO_LINE: bool, const MOVED: bool>(
        &mut self,
        r2: &[u64],
        r1: &[u64],
        current: &[u64],
        width: u32,
        enc: &mut Encoder,
    ) {
        let tx = self.tx;
        let (mut above2, mut above, mut here) =
            (Window::at(r2, 0), Window::at(r1, 0), Window::at(current, 0));
        let mut x = 0;
        while x < width {
            if x.is_multiple_of(REACH) {
                above2 = Window::at(r2, x);
                above = Window::at(r1, x);
                here = Window::at(current, x);
            }
            let at = if MOVED && x >= tx {
                usize::from(row_pixel(current, x - tx))
            } else {
                0
            };
            let cx = Self::context::<TWO_LINE, MOVED>(&above2, &above, &here, at);
            let pixel = here.take(0, 1) == 1;
            if cx == 0 && !pixel && !self.contexts[0].mps() {
                // White in an all-white neighbourhood, up to where any template pixel is
                // black: coded as one run of the more probable symbol.
                let end = self
                    .white_run_end(r2, r1, current, x, width)
                    .min(next_black(current, x, width));
                enc.encode_mps_run(&mut self.contexts[0], (end - x) as usize);
                x = end;
                above2 = Window::at(r2, x);
                above = Window::at(r1, x);
                here = Window::at(current, x);
                continue;
            }
            enc.encode(&mut self.contexts[cx], pixel);
            for w in [&mut above2, &mut above, &mut here] {
                w.slide(1);
            }
            x += 1;
        }
    }

    /// Where a run of white pixels with an all-white template from column `x` must end at the
    /// latest, from the rows above (`r2`, `r1`) and, for a moved AT pixel, the current row
    /// `here` (whose own pixels the caller checks).
    fn white_run_end(&self, r2: &[u64], r1: &[u64], here: &[u64], x: u32, width: u32) -> u32 {
        // Row y-1 is seen 2 columns ahead, row y-2 (three-line) 1 column ahead.
        let mut end = next_black(r1, x, width + 2).saturating_sub(2);
        if !self.two_line {
            end = end.min(next_black(r2, x, width + 1).saturating_sub(1));
        }
        if self.tx != 0 {
            let behind = x.saturating_sub(self.tx);
            end = end.min(next_black(here, behind, width).saturating_add(self.tx));
        }
        end.clamp(x + 1, width)
    }

    /// Decodes `rows` into `bitmap`, whose rows must be white; `at_moves` are the stripe's AT
    /// moves (row in the stripe, from `rows.start`, and tx).
    pub fn decode_rows(
        &mut self,
        bitmap: &mut Bitmap,
        rows: Range<u32>,
        top: u32,
        dec: &mut Decoder<'_>,
        at_moves: &[(u32, u32)],
    ) {
        let width = bitmap.width();
        let first = rows.start;
        let mut row = vec![0u64; bitmap.row(0).len()];
        for y in rows {
            for &(_, tx) in at_moves.iter().filter(|m| m.0 == y - first) {
                self.tx = tx;
            }
            if self.tpbon {
                let cx = self.tp_context();
                let same = dec.decode(&mut self.contexts[cx]);
                self.lntp = same == self.lntp;
                if !self.lntp {
                    if y > top {
                        bitmap.copy_row(y - 1, y);
                    }
                    continue;
                }
            }
            row.fill(0);
            let (r2, r1) = Self::rows_above(bitmap, y, top);
            match (self.two_line, self.tx != 0) {
                (false, false) => self.decode_row::<false, false>(r2, r1, &mut row, width, dec),
                (false, true) => self.decode_row::<false, true>(r2, r1, &mut row, width, dec),
                (true, false) => self.decode_row::<true, false>(r2, r1, &mut row, width, dec),
                (true, true) => self.decode_row::<true, true>(r2, r1, &mut row, width, dec),
            }
            bitmap.row_mut(y).copy_from_slice(&row);
        }
    }

    /// Decodes `row` (white before), `width` pixels, below `r1` and `r2`, with the two-line
    /// template if `TWO_LINE` and the AT pixel moved if `MOVED`.
    fn decode_row<const TWO_LINE: bool, const MOVED: bool>(
        &mut self,
        r2: &[u64],
        r1: &[u64],
        row: &mut [u64],
        width: u32,
        outer: &mut Decoder<'_>,
    ) {
        // Decoded on a copy, whose registers the compiler may keep out of memory.
        let mut d = outer.clone();
        let dec = &mut d;
        let tx = self.tx;
        let (mut above2, mut above) = (Window::at(r2, 0), Window::at(r1, 0));
        let mut here = Window::white();
        let mut x = 0;
        while x < width {
            if x.is_multiple_of(REACH) {
                above2 = Window::at(r2, x);
                above = Window::at(r1, x);
            }
            let at = if MOVED && x >= tx {
                usize::from(row_pixel(row, x - tx))
            } else {
                0
            };
            let cx = Self::context::<TWO_LINE, MOVED>(&above2, &above, &here, at);
            if cx == 0 && !self.contexts[0].mps() {
                let end = self.white_run_end(r2, r1, row, x, width);
                let (n, black) = dec.decode_white_run(&mut self.contexts[0], (end - x) as usize);
                if n > 0 || black {
                    x += n as u32;
                    here.slide(n.min(64) as u32);
                    if black {
                        set_row_pixel(row, x);
                        here.set(0);
                        x += 1;
                        here.slide(1);
                    }
                    above2 = Window::at(r2, x);
                    above = Window::at(r1, x);
                    continue;
                }
            }
            if dec.decode(&mut self.contexts[cx]) {
                set_row_pixel(row, x);
                here.set(0);
            }
            for w in [&mut above2, &mut above, &mut here] {
                w.slide(1);
            }
            x += 1;
        }
        *outer = d;
    }
}
