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
use super::spread::{shifted, spread, spread_len};
use super::window::{REACH, Window};
use crate::bitmap::{Bitmap, bits_at, row_pixel, set_row_pixel, set_row_pixels};
use crate::simd::Kernels;

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

/// The first white pixel at or after column `from` of a row (its padding, and all past its
/// words, being white), or `end` if there is none before.
pub(super) fn next_white(words: &[u64], from: u32, end: u32) -> u32 {
    let mut w = (from / 64) as usize;
    let Some(&first) = words.get(w) else {
        return from.min(end);
    };
    let mut word = !first & (u64::MAX >> (from % 64));
    loop {
        if word != 0 {
            return (w as u32 * 64 + word.leading_zeros()).min(end);
        }
        w += 1;
        if w as u32 * 64 >= end {
            return end;
        }
        word = words.get(w).map_or(u64::MAX, |&x| !x);
    }
}

/// The context of a pixel whose template pixels are all black, with either template.
const ALL_BLACK: usize = 0x3ff;

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
        let (c, all) = self.at_counts(bitmap, rows, top, tmin, mx);
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

    /// For [`LowestLayer::choose_at`]: over the coded rows of `rows` until more than 2,048
    /// pixels are seen, each from column `mx` to two before the end, how many equal the pixel
    /// at the AT's default place (`c[0]`) and `t` to their left (`c[t]`, `t` from `tmin` to
    /// `mx`); and how many pixels that is. Sixty-four pixels at a time.
    fn at_counts(
        &self,
        bitmap: &Bitmap,
        rows: Range<u32>,
        top: u32,
        tmin: u32,
        mx: u32,
    ) -> (Vec<i64>, i64) {
        let width = bitmap.width();
        let mut c = vec![0i64; mx as usize + 1];
        let mut all = 0i64;
        for y in rows {
            if all > 2048 {
                break;
            }
            if self.tpbon && Self::typical(bitmap, y, top) {
                continue;
            }
            let row = bitmap.row(y);
            let above = (y > top).then(|| bitmap.row(y - 1));
            let mut x = mx;
            while x < width - 2 {
                let n = (width - 2 - x).min(64);
                let seen = u64::MAX << (64 - n);
                let here = bits_at(row, i64::from(x));
                let same = |other: u64| i64::from((!(here ^ other) & seen).count_ones());
                c[0] += same(above.map_or(0, |a| bits_at(a, i64::from(x) + 2)));
                for t in tmin..=mx {
                    c[t as usize] += same(bits_at(row, i64::from(x) - i64::from(t)));
                }
                all += i64::from(n);
                x += n;
            }
        }
        (c, all)
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
            if (cx == 0 && !pixel || cx == ALL_BLACK && pixel) && self.contexts[cx].mps() == pixel {
                // A pixel of its neighbourhood's one colour, up to where any template pixel or
                // the row itself is of the other: coded as one run of the more probable symbol.
                let seen = [&above2, &above];
                // The row itself, through its window where it sees the other colour.
                let in_row = here.next_other(pixel, 1).map(|d| x + d);
                let end = if pixel {
                    self.run_end::<true>(seen, r2, r1, current, x, width)
                        .min(in_row.unwrap_or_else(|| next_white(current, x, width)))
                } else {
                    self.run_end::<false>(seen, r2, r1, current, x, width)
                        .min(in_row.unwrap_or_else(|| next_black(current, x, width)))
                };
                enc.encode_mps_run(&mut self.contexts[cx], (end - x) as usize);
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

    /// Where a run of pixels of one colour (black if `BLACK`) whose template pixels are all that
    /// colour, from column `x`, must end at the latest: from the rows above (`r2`, `r1`) and,
    /// for a moved AT pixel, the current row `here` left of `x` (the run's own pixels being of
    /// its colour, which the caller checks). With the template in its place, read through the
    /// windows on the rows above at `x` (`seen`: rows y-2 and y-1) where they see that far, as
    /// they do for most runs on a dense page; else from the rows' words.
    #[inline(always)]
    fn run_end<const BLACK: bool>(
        &self,
        seen: [&Window; 2],
        r2: &[u64],
        r1: &[u64],
        here: &[u64],
        x: u32,
        width: u32,
    ) -> u32 {
        if self.tx == 0
            && let Some(end) = self.run_end_seen(seen, BLACK, x, width)
        {
            return end;
        }
        self.run_end_scanned::<BLACK>(r2, r1, here, x, width)
    }

    /// [`LowestLayer::run_end`] from the rows' words.
    fn run_end_scanned<const BLACK: bool>(
        &self,
        r2: &[u64],
        r1: &[u64],
        here: &[u64],
        x: u32,
        width: u32,
    ) -> u32 {
        let next_other = if BLACK { next_white } else { next_black };
        // Row y-1 is seen 2 columns ahead, row y-2 (three-line) 1 column ahead.
        let mut end = next_other(r1, x, width + 2).saturating_sub(2);
        if !self.two_line {
            end = end.min(next_other(r2, x, width + 1).saturating_sub(1));
        }
        if self.tx != 0 {
            let behind = x.saturating_sub(self.tx);
            let other = next_other(here, behind, x);
            if other < x {
                end = end.min(other + self.tx);
            }
        }
        end.clamp(x + 1, width)
    }

    /// [`LowestLayer::run_end`] for the template in its place, through the windows on rows y-2
    /// and y-1 at `x`; `None` when the run may end further than they see.
    #[inline(always)]
    fn run_end_seen(
        &self,
        [above2, above]: [&Window; 2],
        black: bool,
        x: u32,
        width: u32,
    ) -> Option<u32> {
        // Row y-1 is seen 2 columns ahead, row y-2 (three-line) 1 column ahead.
        let mut end = x + above.next_other(black, 3)? - 2;
        if !self.two_line {
            end = end.min(x + above2.next_other(black, 2)? - 1);
        }
        Some(end.clamp(x + 1, width))
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
        let mut above = Above::new(width, row.len());
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
                (false, false) => {
                    above.see::<false>(r2, r1, y);
                    self.decode_row::<false>(&above.up, &mut row, dec);
                }
                (true, false) => {
                    above.see::<true>(r2, r1, y);
                    self.decode_row::<true>(&above.up, &mut row, dec);
                }
                (false, true) => self.decode_row_moved::<false>(r2, r1, &mut row, width, dec),
                (true, true) => self.decode_row_moved::<true>(r2, r1, &mut row, width, dec),
            }
            bitmap.row_mut(y).copy_from_slice(&row);
        }
    }

    /// Decodes `row` (white before) with the AT pixel in its place, the template's pixels on
    /// the rows above being `up` ([`Above::up`]): each pixel's context is its `up` and the
    /// pixels decoded just before it, and a run of one colour ends where `up` changes.
    fn decode_row<const TWO_LINE: bool>(
        &mut self,
        up: &[u8],
        row: &mut [u64],
        outer: &mut Decoder<'_>,
    ) {
        // Decoded on a local copy (through `outer`, the Scotsman's sequential BIE decoded 2%
        // slower).
        let mut d = outer.clone();
        let dec = &mut d;
        // The pixels of the current row in the template (x-2, x-1; two-line x-4 to x-1).
        let here_bits = if TWO_LINE { 4 } else { 2 };
        let here_mask = (1 << here_bits) - 1;
        let up_black = (ALL_BLACK >> here_bits) as u8;
        let width = up.len();
        let mut x = 0;
        // The row's last pixels, x-1 in bit 0, the template's among them: shifted in as they are
        // decoded one at a time and written to `row` a word at a time (and before a run), rather
        // than each black one set in `row` (the Scotsman's sequential BIE decoded 1% faster).
        let mut last = 0u64;
        while x < width {
            let here = last as usize & here_mask;
            let cx = usize::from(up[x]) << here_bits | here;
            let black = cx == ALL_BLACK;
            if (cx == 0 || black) && self.contexts[cx].mps() == black {
                // A run of the neighbourhood's one colour, to where the template sees the other.
                let end = first_other(up, x + 1, if black { up_black } else { 0 });
                let (n, other) = dec.decode_mps_run(&mut self.contexts[cx], end - x);
                if n > 0 || other {
                    put_last(row, x, last);
                    if black {
                        set_row_pixels(row, x as u32..(x + n) as u32);
                    }
                    x += n;
                    if other {
                        if !black {
                            set_row_pixel(row, x as u32);
                        }
                        last = if black { here_mask as u64 - 1 } else { 1 };
                        x += 1;
                    } else {
                        last = if black { here_mask as u64 } else { 0 };
                    }
                    continue;
                }
            }
            last <<= 1;
            if dec.decode(&mut self.contexts[cx]) {
                last |= 1;
            }
            x += 1;
            if x.is_multiple_of(64) {
                row[x / 64 - 1] |= last;
            }
        }
        put_last(row, x, last);
        *outer = d;
    }

    /// Decodes `row` (white before), `width` pixels, below `r1` and `r2`, with the two-line
    /// template if `TWO_LINE` and the AT pixel moved (`tx` to the left, on the row itself).
    fn decode_row_moved<const TWO_LINE: bool>(
        &mut self,
        r2: &[u64],
        r1: &[u64],
        row: &mut [u64],
        width: u32,
        outer: &mut Decoder<'_>,
    ) {
        // Decoded on a local copy, as `decode_row` is.
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
            let at = if x >= tx {
                usize::from(row_pixel(row, x - tx))
            } else {
                0
            };
            let cx = Self::context::<TWO_LINE, true>(&above2, &above, &here, at);
            let black = cx == ALL_BLACK;
            if (cx == 0 || black) && self.contexts[cx].mps() == black {
                // A run of the neighbourhood's one colour, to where the template sees the other.
                let end = if black {
                    self.run_end_scanned::<true>(r2, r1, row, x, width)
                } else {
                    self.run_end_scanned::<false>(r2, r1, row, x, width)
                };
                let (n, other) = dec.decode_mps_run(&mut self.contexts[cx], (end - x) as usize);
                if n > 0 || other {
                    let n = n as u32;
                    if black {
                        set_row_pixels(row, x..x + n);
                    }
                    x += n;
                    here.slide(n.min(64));
                    if black {
                        here.fill_behind(n);
                    }
                    if other {
                        if !black {
                            set_row_pixel(row, x);
                            here.set(0);
                        }
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

/// The template's pixels on the rows above the current one, column by column: for each pixel
/// of the row, its context's bits from rows y-2 and y-1 (the three-line template's row y-2 at
/// x-1 to x+1 and row y-1 at x-2 to x+2, eight bits; the two-line one's row y-1 at x-3 to x+2,
/// six), worked out for the whole row before it is decoded and off the decoder's path.
struct Above {
    /// The rows y-2 and y-1 spread to a byte a pixel, from eight columns left of the row.
    spread: [Vec<u8>; 2],
    /// The row of the layer spread as y-1, if it was one (not white above the stripe's top):
    /// the next row's y-2, if that comes next.
    spread_above: Option<u32>,
    /// The bits, a byte a column.
    up: Vec<u8>,
}

impl Above {
    /// For rows of `width` pixels in `words` words, of one stripe (whose top does not change).
    fn new(width: u32, words: usize) -> Self {
        let spread = || vec![0u8; spread_len(words)];
        Above {
            spread: [spread(), spread()],
            spread_above: None,
            up: vec![0u8; width as usize],
        }
    }

    /// Sees rows `r2` and `r1` above row `y` (white where empty; the two-line template does not
    /// see `r2`). Row y-2, spread as the row above the row before, is not spread again.
    fn see<const TWO_LINE: bool>(&mut self, r2: &[u64], r1: &[u64], y: u32) {
        let [s2, s1] = &mut self.spread;
        if !TWO_LINE {
            if !r2.is_empty() && self.spread_above == y.checked_sub(2) {
                std::mem::swap(s2, s1);
            } else {
                spread(r2, s2);
            }
        }
        spread(r1, s1);
        self.spread_above = (!r1.is_empty()).then(|| y - 1);
        let [s2, s1] = &self.spread;
        let width = self.up.len();
        // The pixels d columns right of each column.
        let at = |s, d| shifted(s, d, width);
        let kernels = Kernels::current();
        if TWO_LINE {
            let planes = [-3, -2, -1, 0, 1, 2].map(|d| at(s1, d));
            kernels.bit_planes6(planes, &mut self.up);
        } else {
            let planes = [
                (s2, -1),
                (s2, 0),
                (s2, 1),
                (s1, -2),
                (s1, -1),
                (s1, 0),
                (s1, 1),
                (s1, 2),
            ];
            kernels.bit_planes8(planes.map(|(s, d)| at(s, d)), &mut self.up);
        }
    }
}

/// Writes the pixels of `last` (column x-1 in bit 0, as `LowestLayer::decode_row` keeps them)
/// that lie in row word x / 64, left of column x, to that word.
#[inline(always)]
fn put_last(row: &mut [u64], x: usize, last: u64) {
    if !x.is_multiple_of(64) {
        row[x / 64] |= last << (64 - x % 64);
    }
}

/// The first column from `from` whose `up` is not `value`, or the row's width.
fn first_other(up: &[u8], from: usize, value: u8) -> usize {
    let pattern = u64::from_ne_bytes([value; 8]);
    let mut x = from;
    while let Some(eight) = up.get(x..x + 8) {
        let other = u64::from_le_bytes(eight.try_into().expect("eight bytes")) ^ pattern;
        if other != 0 {
            return x + (other.trailing_zeros() / 8) as usize;
        }
        x += 8;
    }
    while up.get(x).is_some_and(|&u| u == value) {
        x += 1;
    }
    x.min(up.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Limits;

    /// [`blocks_page_of`] 203 pixels wide.
    fn blocks_page() -> Bitmap {
        blocks_page_of(203)
    }

    /// A page `width` pixels wide with solid black blocks (one reaching the right edge), full
    /// black rows, vertical stripes of period 5 and noise: runs of both colours everywhere, ended
    /// by each template pixel in turn.
    fn blocks_page_of(width: u32) -> Bitmap {
        let height = 70;
        let mut page = Bitmap::new(width, height, &Limits::default()).unwrap();
        let mut state = 7u32;
        for y in 0..height {
            for x in 0..width {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let block = (10..90).contains(&x) && (5..40).contains(&y)
                    || x >= 150 && (20..60).contains(&y)
                    || (45..48).contains(&y);
                let stripes = (95..140).contains(&x) && x % 5 < 2;
                let hole = (30..33).contains(&x) && (12..14).contains(&y);
                let noise = (state >> 24).is_multiple_of(61);
                page.set(x, y, (block && !hole || stripes) != noise);
            }
        }
        page
    }

    /// T.82 Figures 9 and 10 pixel by pixel: the template's context of (x, y), white outside
    /// the page, the AT pixel `tx` to the left when not 0.
    fn reference_context(page: &Bitmap, x: u32, y: u32, two_line: bool, tx: u32) -> usize {
        let p = |dx: i64, dy: i64| {
            let (x, y) = (i64::from(x) + dx, i64::from(y) + dy);
            let inside = x >= 0 && y >= 0 && x < i64::from(page.width());
            usize::from(inside && page.get(x as u32, y as u32))
        };
        let at = if tx == 0 {
            p(2, -1)
        } else {
            p(-i64::from(tx), 0)
        };
        let bits = if two_line {
            [
                p(-3, -1),
                p(-2, -1),
                p(-1, -1),
                p(0, -1),
                p(1, -1),
                at,
                p(-4, 0),
                p(-3, 0),
                p(-2, 0),
                p(-1, 0),
            ]
        } else {
            [
                p(-1, -2),
                p(0, -2),
                p(1, -2),
                p(-2, -1),
                p(-1, -1),
                p(0, -1),
                p(1, -1),
                at,
                p(-2, 0),
                p(-1, 0),
            ]
        };
        bits.into_iter().fold(0, |cx, b| cx << 1 | b)
    }

    /// Runs of either colour (with the AT pixel in its place or moved) code to the bytes of
    /// coding each pixel in its template's context, and decode back to the page, on pages whose
    /// rows end at a word's end, just before or just after it, or elsewhere.
    #[test]
    fn runs_code_as_pixel_by_pixel_templates_do() {
        let cases = iproduct([63, 64, 65, 128, 203], [false, true], [0, 1, 3, 5, 8, 16]);
        for (width, two_line, tx) in cases {
            let page = blocks_page_of(width);
            let rows = 0..page.height();
            let mut reference = Encoder::new();
            let mut contexts = Contexts::default();
            for y in rows.clone() {
                for x in 0..width {
                    let cx = reference_context(&page, x, y, two_line, tx);
                    reference.encode(&mut contexts[cx], page.get(x, y));
                }
            }
            let reference = reference.finish();
            let case = format!("width {width}, two-line {two_line}, tx {tx}");
            let mut layer = LowestLayer::new(two_line, false);
            layer.tx = tx;
            let mut enc = Encoder::new();
            layer.encode_rows(&page, rows.clone(), 0, &mut enc);
            assert_eq!(enc.finish(), reference, "{case}");
            let mut decoded = Bitmap::new(width, page.height(), &Limits::default()).unwrap();
            let mut layer = LowestLayer::new(two_line, false);
            let moves = if tx == 0 { vec![] } else { vec![(0, tx)] };
            let mut dec = Decoder::new(&reference);
            layer.decode_rows(&mut decoded, rows.clone(), 0, &mut dec, &moves);
            assert_eq!(decoded, page, "{case}");
        }
    }

    /// The bits [`Above`] sees for each column are the template's pixels on the rows above, as
    /// T.82 Figures 9 and 10 place them, on pages of every width around a word's and a byte's,
    /// from a stripe's top (white above it), row after row or with rows left out (as TPBON's
    /// typical rows are), so that a row spread once serves as y-1 and then y-2 only when it is.
    #[test]
    fn above_sees_the_templates_pixels_on_the_rows_above() {
        let mut state = 3u32;
        for width in [1, 2, 3, 7, 8, 9, 63, 64, 65, 127, 128, 203] {
            let mut page = Bitmap::new(width, 9, &Limits::default()).unwrap();
            for y in 0..page.height() {
                for x in 0..width {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    page.set(x, y, (state >> 24).is_multiple_of(3));
                }
            }
            for (two_line, top, skip) in iproduct([false, true], [0, 3], [false, true]) {
                // What the template sees from the top: white above it.
                let mut from_top = page.clone();
                for y in 0..top {
                    from_top.row_mut(y).fill(0);
                }
                let mut above = Above::new(width, page.row(0).len());
                let here_bits = if two_line { 4 } else { 2 };
                for y in (top..page.height()).filter(|y| !skip || y % 3 != 1) {
                    let (r2, r1) = LowestLayer::rows_above(&page, y, top);
                    if two_line {
                        above.see::<true>(r2, r1, y);
                    } else {
                        above.see::<false>(r2, r1, y);
                    }
                    for x in 0..width {
                        let expected = reference_context(&from_top, x, y, two_line, 0) >> here_bits;
                        let seen = usize::from(above.up[x as usize]);
                        assert_eq!(
                            seen, expected,
                            "width {width}, ({x}, {y}), two-line {two_line}, top {top}, skip {skip}"
                        );
                    }
                }
            }
        }
    }

    /// Every combination of three lists' values.
    fn iproduct<A: Copy, B: Copy, C: Copy, const I: usize, const J: usize, const K: usize>(
        a: [A; I],
        b: [B; J],
        c: [C; K],
    ) -> impl Iterator<Item = (A, B, C)> {
        a.into_iter()
            .flat_map(move |a| b.into_iter().flat_map(move |b| c.map(|c| (a, b, c))))
    }

    /// [`first_other`] against a search column by column, from every column of rows of every
    /// length around eight.
    #[test]
    fn first_other_finds_the_first_column_of_another_value() {
        let mut state = 9u32;
        for len in [0, 1, 7, 8, 9, 16, 17, 40] {
            for _ in 0..50 {
                let up: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        if (state >> 24).is_multiple_of(7) {
                            0x40
                        } else {
                            0
                        }
                    })
                    .collect();
                for from in 0..=len {
                    let expected = (from..len).find(|&x| up[x] != 0).unwrap_or(len);
                    assert_eq!(first_other(&up, from, 0), expected, "{up:?} from {from}");
                }
            }
        }
    }

    /// The AT candidates' counts, pixel by pixel (T.82 Figure C.2).
    fn reference_at_counts(
        layer: &LowestLayer,
        page: &Bitmap,
        rows: Range<u32>,
        tmin: u32,
        mx: u32,
    ) -> (Vec<i64>, i64) {
        let mut c = vec![0i64; mx as usize + 1];
        let mut all = 0i64;
        for y in rows {
            if all > 2048 {
                break;
            }
            if layer.tpbon && LowestLayer::typical(page, y, 0) {
                continue;
            }
            for x in mx..page.width() - 2 {
                let p = page.get(x, y);
                c[0] += i64::from((y > 0 && page.get(x + 2, y - 1)) == p);
                for t in tmin..=mx {
                    c[t as usize] += i64::from(page.get(x - t, y) == p);
                }
                all += 1;
            }
        }
        (c, all)
    }

    #[test]
    fn at_counts_are_the_pixel_by_pixel_counts() {
        let page = blocks_page();
        for tpbon in [false, true] {
            let layer = LowestLayer::new(false, tpbon);
            for rows in [0..70, 3..9, 40..41, 44..70] {
                for (tmin, mx) in [(3, 8), (5, 16), (3, 127)] {
                    assert_eq!(
                        layer.at_counts(&page, rows.clone(), 0, tmin, mx),
                        reference_at_counts(&layer, &page, rows.clone(), tmin, mx),
                        "{rows:?} {tmin} {mx} {tpbon}"
                    );
                }
            }
        }
    }

    #[test]
    fn next_white_and_next_black_find_the_first_of_their_colour() {
        let page = blocks_page();
        for y in [0, 10, 30, 46, 50] {
            let row = page.row(y);
            for from in 0..page.width() + 3 {
                for end in [from, from + 1, from + 70, page.width(), page.width() + 2] {
                    let first = |black: bool| {
                        (from..end)
                            .find(|&x| (x < page.width() && page.get(x, y)) == black)
                            .unwrap_or(end.max(from))
                            .min(end)
                    };
                    assert_eq!(next_white(row, from, end), first(false), "{y} {from} {end}");
                    assert_eq!(next_black(row, from, end), first(true), "{y} {from} {end}");
                }
            }
        }
    }
}
