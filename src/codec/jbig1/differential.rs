//! Differential resolution layers (T.82 6.7.2): each pixel of a layer twice the size of the one
//! below, coded in the context of its neighbours in both, after typical prediction (TPDON,
//! 6.6.2) and deterministic prediction (DP, 6.5) have had their say; one loop encodes and
//! decodes.
//!
//! Pixels are H(x, y) in this layer and L(x, y) in the one below, whose pixel (x/2, y/2) is the
//! current one's parent. Context bits, lowest first (T.82 Figure 11): H(x-1, y), H(x-2, y), then
//! H(x+1, y-1), H(x, y-1), H(x-1, y-1) (the last the AT pixel's default place; a moved AT pixel is
//! H(x-tx, y)), H(x, y-2); for an even column L(x/2, y/2), L(x/2-1, y/2) and the same two of the
//! row below, for an odd one the parent and the pixel to its right in both rows, and bit 10 set;
//! bit 11 is the row's parity. The low row below the last of a stripe is that row again.

use std::ops::Range;

use super::arith::{Context, Contexts, Decoder, Encoder};
use super::lowest::{next_black, next_white};
use super::tables::{deterministic, dp_entry, reduced};
use super::window::{REACH, Window};
use crate::bitmap::{Bitmap, bits_at, set_row_pixel, set_row_pixels};

/// TPDON's pseudo-pixel context (T.82 6.6.2).
const TPDCX: usize = 0xc3f;

/// Offsets of the four DP phases in the table (T.82 Tables 19-22).
const PHASE: [usize; 4] = [0, 256, 768, 2816];
/// And their lengths: each phase's neighbourhood of 8, 9, 11 and 12 pixels.
const PHASE_LEN: [usize; 4] = [256, 512, 2048, 4096];

/// Whether deterministic prediction leaves both pixels of a pair whose neighbourhood is all
/// white (or all black) to be coded, in an even or an odd row. (The table determines a white
/// pixel of phase 0 there.)
const fn coded_when_uniform(odd_row: bool, black: bool) -> bool {
    let phase = if odd_row { 2 } else { 0 };
    let (first, second) = if black {
        (
            PHASE[phase] + PHASE_LEN[phase] - 1,
            PHASE[phase + 1] + PHASE_LEN[phase + 1] - 1,
        )
    } else {
        (PHASE[phase], PHASE[phase + 1])
    };
    dp_entry(first) == 2 && dp_entry(second) == 2
}

/// One side of the arithmetic coder, so that one loop codes a layer both ways.
pub trait Coder {
    /// Codes `pixel` (encoding) or returns the decoded one (decoding, `pixel` unused).
    fn pixel(&mut self, cx: &mut Context, pixel: bool) -> bool;
    /// Whether this side knows the pixels (encodes).
    fn encodes(&self) -> bool;
    /// The coder moved out, for a row loop to own (and put back): one it reaches only through a
    /// pointer keeps its registers in memory, a step on each pixel's critical path.
    fn take(&mut self) -> Self;
    /// Codes up to `max` pairs of pixels that are the more probable symbols of `first` and
    /// `second`, as many as need no renormalisation; returns how many.
    fn mps_pairs(&mut self, first: Context, second: Context, max: usize) -> usize;
}

impl Coder for Encoder {
    fn pixel(&mut self, cx: &mut Context, pixel: bool) -> bool {
        self.encode(cx, pixel);
        pixel
    }
    fn encodes(&self) -> bool {
        true
    }
    fn take(&mut self) -> Self {
        std::mem::take(self)
    }
    fn mps_pairs(&mut self, first: Context, second: Context, max: usize) -> usize {
        self.encode_mps_pairs(first, second, max)
    }
}

impl Coder for Decoder<'_> {
    fn pixel(&mut self, cx: &mut Context, _: bool) -> bool {
        self.decode(cx)
    }
    fn encodes(&self) -> bool {
        false
    }
    fn take(&mut self) -> Self {
        self.clone()
    }
    fn mps_pairs(&mut self, first: Context, second: Context, max: usize) -> usize {
        self.decode_mps_pairs(first, second, max)
    }
}

/// The layer a [`DifferentialLayer`] codes: encoding reads it (`&Bitmap`), decoding fills it in
/// row by row (`&mut Bitmap`).
pub trait HighLayer {
    /// The layer as coded so far.
    fn bitmap(&self) -> &Bitmap;
    /// Takes row `y` as coded (decoding; encoding has it already).
    fn store(&mut self, y: u32, row: &[u64]);
}

impl HighLayer for &Bitmap {
    fn bitmap(&self) -> &Bitmap {
        self
    }
    fn store(&mut self, _: u32, _: &[u64]) {}
}

impl HighLayer for &mut Bitmap {
    fn bitmap(&self) -> &Bitmap {
        self
    }
    fn store(&mut self, y: u32, row: &[u64]) {
        self.row_mut(y).copy_from_slice(row);
    }
}

/// The layer below `high` by T.82 6.4's resolution reduction: each low pixel from the 3x3 high
/// pixels around its two columns and two rows (the row below them standing in for a missing last
/// one) and the low pixels left of it and above it, through Table 17. Where all of those are
/// white the low pixel is white: sixty-four low pixels at a time, only the others are looked up,
/// their neighbours seen through [`Window`]s.
pub fn reduce(high: &Bitmap, limits: &crate::options::Limits) -> crate::error::Result<Bitmap> {
    let mut low = Bitmap::new(high.width().div_ceil(2), high.height().div_ceil(2), limits)?;
    let rows = 0..low.height();
    reduce_rows(high, &mut low, rows);
    Ok(low)
}

/// [`reduce`] for `rows` of `low`, those above them already reduced: from the high rows twice
/// theirs (and the one above).
pub fn reduce_rows(high: &Bitmap, low: &mut Bitmap, rows: Range<u32>) {
    let hh = high.height();
    let lw = low.width();
    let empty: &[u64] = &[];
    let word = |r: &[u64], k: usize| r.get(k).copied().unwrap_or(0);
    let mut row = vec![0u64; low.row(0).len()];
    for i in rows {
        // The pair's second row, or its first again at the bottom.
        let second = high.row((2 * i + 1).min(hh - 1));
        let (first, above) = (
            high.row(2 * i),
            if i > 0 { high.row(2 * i - 1) } else { empty },
        );
        let low_above = if i > 0 { low.row(i - 1) } else { empty };
        let highs = [second, first, above];
        let ink = |k: usize| highs.iter().fold(0, |ink, r| ink | word(r, k));
        row.fill(0);
        let (mut h, mut l) = (highs.map(|r| Window::at(r, 0)), Window::at(low_above, 0));
        // Where the windows are.
        let mut at = 0;
        // The last pixel looked up came out black.
        let mut left = false;
        for k in 0..lw.div_ceil(64) {
            let kk = k as usize;
            let valid = u64::MAX << (64 - (lw - 64 * k).min(64));
            // Low pixels with a black pixel among their high columns 2j-1 to 2j+1 or their low
            // neighbours j-1 and j above. The others are white: Table 17 makes a pixel white
            // whose only black neighbour is the one to its left (index 0x200).
            let (ink_here, ink_next) = (ink(2 * kk), ink(2 * kk + 1));
            let pairs =
                pair_firsts(ink_here | ink_here << 1) << 32 | pair_firsts(ink_next | ink_next << 1);
            let seconds = pair_firsts(ink_here << 1) << 32 | pair_firsts(ink_next << 1);
            let before = ink((2 * kk).wrapping_sub(1)) << 63;
            let la = word(low_above, kk);
            let la_before = word(low_above, kk.wrapping_sub(1)) << 63;
            let mut todo = (pairs | seconds >> 1 | before | la | la >> 1 | la_before) & valid;
            while todo != 0 {
                let lz = todo.leading_zeros();
                todo ^= 1 << (63 - lz);
                let j = 64 * k + lz;
                for (window, r) in h.iter_mut().zip(highs) {
                    window.advance(r, 2 * at, 2 * j);
                }
                l.advance(low_above, at, j);
                let left_here = left && at + 1 == j;
                at = j;
                let index = h[0].take(1, 3)
                    | h[1].take(1, 3) << 3
                    | h[2].take(1, 3) << 6
                    | l.take(0, 2) << 10;
                // The table's answers for a white and a black left neighbour, then the one that
                // applies (index bit 9 is the pixel to the left).
                let (if_white, if_black) = (reduced(index), reduced(index | 1 << 9));
                left = if left_here { if_black } else { if_white };
                row[kk] |= u64::from(left) << 63 >> lz;
            }
        }
        low.row_mut(i).copy_from_slice(&row);
    }
}

/// A layer being coded, and what carries from stripe to stripe.
pub struct DifferentialLayer {
    tpdon: bool,
    dpon: bool,
    /// The AT pixel's offset to the left on the current row; 0 keeps its default place.
    pub tx: u32,
    contexts: Contexts,
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
            contexts: Contexts::default(),
            lntp: true,
        }
    }

    /// Starts again after an SDRST.
    pub fn reset(&mut self) {
        self.contexts.reset();
        self.tx = 0;
        self.lntp = true;
    }

    /// Whether TPDON may predict the pair of rows from `y`: every pixel whose nine low neighbours
    /// are one colour is that colour (T.82 6.6.2). Sixty-four low pixels at a time: the
    /// [`uniform_neighbourhoods`], their columns doubled, against the two high rows.
    fn typical_pair(high: &Bitmap, low: &Bitmap, y: u32, below: u32) -> bool {
        let ly = y / 2;
        let empty: &[u64] = &[];
        let lows = [
            if ly > 0 { low.row(ly - 1) } else { empty },
            low.row(ly),
            low.row(below),
        ];
        let highs = [y, y + 1].map(|r| (r < high.height()).then(|| high.row(r)));
        let high_len = high.row(0).len();
        for k in 0..low.row(0).len() {
            let (white, black) = uniform_neighbourhoods(lows, k);
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
    /// see are [`Windows`], the high ones at the pair's first column, the low ones at its parent.
    #[allow(clippy::too_many_arguments)]
    pub fn code_rows<C: Coder, H: HighLayer>(
        &mut self,
        mut high: H,
        low: &Bitmap,
        rows: Range<u32>,
        low_end: u32,
        top: u32,
        coder: &mut C,
        at_moves: &[(u32, u32)],
    ) {
        let (width, low_width) = (high.bitmap().width(), low.width());
        let first = rows.start;
        let empty: &[u64] = &[];
        let mut h0 = vec![0u64; high.bitmap().row(0).len()];
        for y in rows {
            for &(_, tx) in at_moves.iter().filter(|m| m.0 == y - first) {
                self.tx = tx;
            }
            let ly = y / 2;
            // The low row below, or this one again at the end of the stripe.
            let below = if ly + 1 >= low_end { ly } else { ly + 1 };
            if self.tpdon && y % 2 == 0 {
                let lntp = coder.encodes() && !Self::typical_pair(high.bitmap(), low, y, below);
                self.lntp = coder.pixel(&mut self.contexts[TPDCX], lntp);
            }
            if coder.encodes() {
                h0.copy_from_slice(high.bitmap().row(y));
            } else {
                h0.fill(0);
            }
            // The rows the templates see, white above `top` and outside the image.
            let high_row = |r: Option<u32>| match r.filter(|&r| r >= top) {
                Some(r) => high.bitmap().row(r),
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
            if y % 2 == 0 {
                self.code_row_as::<C, false>(&mut h0, &rows, width, low_width, coder);
            } else {
                self.code_row_as::<C, true>(&mut h0, &rows, width, low_width, coder);
            }
            high.store(y, &h0);
        }
    }

    /// [`DifferentialLayer::code_row`] made for whether deterministic prediction is on and the
    /// AT pixel has moved: asked once a row, not at every pixel.
    fn code_row_as<C: Coder, const ODD_ROW: bool>(
        &mut self,
        h0: &mut [u64],
        rows: &Rows<'_>,
        width: u32,
        low_width: u32,
        coder: &mut C,
    ) {
        let (w, lw) = (width, low_width);
        match (self.dpon, self.tx != 0) {
            (false, false) => self.code_row::<C, ODD_ROW, false, false>(h0, rows, w, lw, coder),
            (false, true) => self.code_row::<C, ODD_ROW, false, true>(h0, rows, w, lw, coder),
            (true, false) => self.code_row::<C, ODD_ROW, true, false>(h0, rows, w, lw, coder),
            (true, true) => self.code_row::<C, ODD_ROW, true, true>(h0, rows, w, lw, coder),
        }
    }

    /// Codes one row, `h0` (decoding: white, filled in), whose neighbours are `rows`. Sixty-four
    /// low pixels at a time: in a pair of rows TPDON predicts, the pairs over a parent whose
    /// neighbourhood is one colour are that colour, and the windows move on to the next of the
    /// others; where the pairs' whole neighbourhoods are one colour, runs of them are coded at
    /// once ([`DifferentialLayer::code_run`]).
    fn code_row<C: Coder, const ODD_ROW: bool, const DPON: bool, const MOVED: bool>(
        &mut self,
        h0: &mut [u64],
        rows: &Rows<'_>,
        width: u32,
        low_width: u32,
        outer: &mut C,
    ) {
        let mut local = outer.take();
        let coder = &mut local;
        let lows = [rows.l_up, rows.l_here, rows.l_down];
        // The windows are first placed at the first pixel to code (`at` is where they are, none
        // yet): in decoding, after the row's predicted black pixels are in.
        let mut w = Windows::at(h0, rows, 0);
        let mut at = u32::MAX;
        for k in 0..low_width.div_ceil(64) {
            let valid = u64::MAX << (64 - (low_width - 64 * k).min(64));
            let mut todo = valid;
            if self.tpdon && !self.lntp {
                let (white, black) = uniform_neighbourhoods(lows, k as usize);
                todo &= !(white | black);
                if black != 0 && !coder.encodes() {
                    for (half, shift) in [(0, 32), (1, 0)] {
                        if let Some(word) = h0.get_mut(2 * k as usize + half) {
                            *word |= doubled(black >> shift);
                        }
                    }
                }
            }
            // Where a run of pairs may start: the parents' rows one colour around them, and the
            // next pair to be coded too.
            let runs = if MOVED || todo == 0 {
                0
            } else {
                let coded = |black| !DPON || coded_when_uniform(ODD_ROW, black);
                run_starts(lows, k as usize, DPON, [coded(false), coded(true)]) & todo << 1
            };
            while todo != 0 {
                let lz = todo.leading_zeros();
                let pair = 1 << (63 - lz);
                todo ^= pair;
                let lx = 64 * k + lz;
                w.advance(h0, rows, at, lx);
                at = lx;
                let x = 2 * lx;
                if runs & pair != 0 {
                    // At most the pairs to be coded from this one on in this word, in the page.
                    let most = (1 + (todo << (lz + 1)).leading_ones()).min((width - x) / 2);
                    let pairs = self.code_run::<C, ODD_ROW, DPON>(h0, &w, rows, lx, most, coder);
                    if pairs > 0 {
                        // Those pairs are done; the windows are placed again at the next.
                        todo &= !(u64::MAX << (64 - pairs) >> lz);
                        at = u32::MAX;
                        continue;
                    }
                }
                self.code_pixel::<C, ODD_ROW, DPON, MOVED, 0>(h0, &mut w, x, coder);
                if x + 1 < width {
                    self.code_pixel::<C, ODD_ROW, DPON, MOVED, 1>(h0, &mut w, x + 1, coder);
                }
            }
        }
        *outer = local;
    }

    /// Codes a run of up to `most` pairs from low column `lx`, all to be coded, whose templates
    /// and DP neighbourhoods (T.82 Figures 11 and 13) are all of one colour: as many as are that
    /// colour, the more probable symbol of both pixels' contexts, and need no renormalisation
    /// are coded at once, the contexts staying as they are (decoding fills them in).
    /// [`run_starts`] has found the low rows of one colour there, of one that deterministic
    /// prediction does not determine; the AT pixel is in its place. Returns how many pairs; none
    /// when there is no such run.
    #[inline(always)]
    fn code_run<C: Coder, const ODD_ROW: bool, const DPON: bool>(
        &mut self,
        h0: &mut [u64],
        w: &Windows,
        rows: &Rows<'_>,
        lx: u32,
        most: u32,
        coder: &mut C,
    ) -> usize {
        let x = 2 * lx;
        // The low rows are of one colour around the pair and the next ([`run_starts`]); a look
        // through the windows at the high ones.
        let black = w.low.take::<HERE>(0, 1) == 1;
        let one_colour = |bits: usize, n: u32| bits == if black { (1 << n) - 1 } else { 0 };
        if !(one_colour(w.h0.take(-1, 2), 2)
            && one_colour(w.h1.take(4, 6), 6)
            && one_colour(w.h2.take(3, 5), 5))
        {
            return 0;
        }
        let parity = usize::from(ODD_ROW) << 11;
        let template = if black { 0x3ff } else { 0 };
        let first = self.contexts[parity | template];
        let second = self.contexts[parity | 1 << 10 | template];
        if first.mps() != black || second.mps() != black {
            return 0;
        }
        // How many pairs from here, of the `most` the caller allows, each row allows: those
        // whose neighbours in it are all of the colour (a pair at x sees high columns x-1 to x+2
        // of the row above, to x+1 two above, and low columns lx-1 to lx+1 of its parents' rows,
        // to lx of the row above them).
        let next_other = if black { next_white } else { next_black };
        let high_end = x + 2 * most + 2;
        let low_end = lx + most + 1;
        let mut pairs = most
            .min((next_other(rows.h1, x, high_end) - x - 1) / 2)
            .min((next_other(rows.h2, x, high_end) - x) / 2)
            .min(next_other(rows.l_here, lx, low_end) - lx - 1)
            .min(next_other(rows.l_down, lx, low_end) - lx - 1);
        if DPON {
            pairs = pairs.min(next_other(rows.l_up, lx, low_end) - lx);
        }
        if coder.encodes() {
            // The pixels themselves.
            pairs = pairs.min((next_other(h0, x, x + 2 * pairs) - x) / 2);
        }
        let pairs = coder.mps_pairs(first, second, pairs as usize);
        if black && !coder.encodes() {
            set_row_pixels(h0, x..x + 2 * pairs as u32);
        }
        pairs
    }

    /// Codes pixel `x`, column `O` of the pair at the windows' current column: deterministic
    /// prediction first, then the template.
    #[inline(always)]
    fn code_pixel<
        C: Coder,
        const ODD_ROW: bool,
        const DPON: bool,
        const MOVED: bool,
        const O: i32,
    >(
        &mut self,
        h0: &mut [u64],
        w: &mut Windows,
        x: u32,
        coder: &mut C,
    ) {
        if DPON && let Some(pixel) = deterministic(w.dp_index::<ODD_ROW, O>()) {
            if pixel {
                set_row_pixel(h0, x);
                w.h0.set(O);
            }
            return;
        }
        let cx = w.context::<ODD_ROW, MOVED, O>(h0, x, self.tx);
        if coder.encodes() {
            // The pixel is in the row already.
            coder.pixel(&mut self.contexts[cx], w.h0.take(O, 1) == 1);
        } else if coder.pixel(&mut self.contexts[cx], false) {
            set_row_pixel(h0, x);
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
    low: Lows,
}

impl Windows {
    /// The deterministic prediction table's index (phase offset included) for column `O` of
    /// the pair: T.82 6.5, Figure 13's neighbours for the pixel's phase.
    #[inline(always)]
    fn dp_index<const ODD_ROW: bool, const O: i32>(&self) -> usize {
        let phase = usize::from(ODD_ROW) * 2 + O as usize;
        let low = self.low.take::<UP>(0, 2) | self.low.take::<HERE>(0, 2) << 2;
        let high = if O == 0 {
            let near = self.h0.take(-1, 1) << 4 | self.h1.take(1, 3) << 5;
            if ODD_ROW {
                near | self.h2.take(1, 3) << 8
            } else {
                near
            }
        } else {
            let near = self.h0.take(0, 2) << 4 | self.h1.take(1, 3) << 6;
            if ODD_ROW {
                near | self.h2.take(1, 3) << 9
            } else {
                near
            }
        };
        PHASE[phase] + (low | high)
    }

    /// The template's context (T.82 Figure 11) for pixel `x`, column `O` of the pair, with the
    /// AT pixel in its default place or, if `MOVED`, `tx` to the left (read from `h0` when the
    /// window does not reach it).
    #[inline(always)]
    fn context<const ODD_ROW: bool, const MOVED: bool, const O: i32>(
        &self,
        h0: &[u64],
        x: u32,
        tx: u32,
    ) -> usize {
        let above = if !MOVED {
            self.h1.take(1 + O, 3)
        } else {
            let at = if tx <= 6 {
                self.h0.take(O - tx as i32, 1)
            } else {
                (bits_at(h0, i64::from(x) - i64::from(tx)) >> 63) as usize
            };
            at << 2 | self.h1.take(1 + O, 2)
        };
        let low = if O == 0 {
            self.low.take::<HERE>(0, 2) << 6 | self.low.take::<DOWN>(0, 2) << 8
        } else {
            self.low.take::<HERE>(1, 2) << 6 | self.low.take::<DOWN>(1, 2) << 8 | 1 << 10
        };
        self.h0.take(O - 1, 2)
            | above << 2
            | self.h2.take(O, 1) << 5
            | low
            | usize::from(ODD_ROW) << 11
    }

    /// The windows at low column `lx`.
    fn at(h0: &[u64], rows: &Rows<'_>, lx: u32) -> Self {
        let x = 2 * lx;
        Windows {
            h0: Window::at(h0, x),
            h1: Window::at(rows.h1, x),
            h2: Window::at(rows.h2, x),
            low: Lows::at(rows, lx),
        }
    }

    /// Moves the windows from low column `from` (`u32::MAX`: from nowhere) to `to`.
    #[inline(always)]
    fn advance(&mut self, h0: &[u64], rows: &Rows<'_>, from: u32, to: u32) {
        if to == from.wrapping_add(1) && !(2 * to).is_multiple_of(REACH) {
            // The next pair, within the high rows' reach and so the low rows': slides by a
            // constant, the common case near ink.
            self.slide(1);
        } else if (2 * to) / REACH == from.saturating_mul(2) / REACH {
            // Further on within the reach: all slide.
            self.slide(to - from);
        } else {
            *self = Windows::at(h0, rows, to);
        }
    }

    /// Slides every window `pairs` pairs of columns to the right: two high columns a pair, one
    /// low one.
    #[inline(always)]
    fn slide(&mut self, pairs: u32) {
        for high in [&mut self.h0, &mut self.h1, &mut self.h2] {
            high.slide(2 * pairs);
        }
        self.low.slide(pairs);
    }
}

/// The lanes of [`Lows`]: the low rows above, at and below the parents'.
const UP: u32 = 0;
const HERE: u32 = 1;
const DOWN: u32 = 2;

/// The three low rows a pair's templates see ([`Rows`]' `l_up`, `l_here`, `l_down`) through one
/// window, a lane of 18 columns a row, so that they take one register where three [`Window`]s
/// took three (eurotext's layered BIE decoded 2.7% faster, whole programs by turns): bit
/// `62 - 18 * lane - d` is the pixel `d` columns right of the parent, for `d` from -1 to 16 when
/// placed. The lanes slide together, and what slides into a lane from the one below it comes in
/// at `d` 17 - s after s columns; the window is placed again at least every 16 low columns (at
/// each multiple of [`REACH`] high ones, as the high windows are), so that it stays right of
/// `d` 1, as far as the templates look.
#[derive(Clone, Copy)]
struct Lows {
    bits: u64,
}

impl Lows {
    /// The lanes at low column `lx` of `rows`.
    #[inline]
    fn at(rows: &Rows<'_>, lx: u32) -> Self {
        let lane = |r: &[u64], lane: u32| {
            // Window's bit 56 - d to 62 - 18 * lane - d, the 18 columns from -1.
            let bits = Window::at(r, lx).bits() & ((1 << 18) - 1) << 40;
            (bits << 6) >> (18 * lane)
        };
        Lows {
            bits: lane(rows.l_up, UP) | lane(rows.l_here, HERE) | lane(rows.l_down, DOWN),
        }
    }

    /// `n` bits of lane `LANE` ending `d` columns right of the parent, the rightmost lowest.
    #[inline(always)]
    fn take<const LANE: u32>(&self, d: i32, n: u32) -> usize {
        debug_assert!(d <= 1 && d - n as i32 >= -2 && LANE <= DOWN);
        ((self.bits >> (62 - 18 * LANE as i32 - d)) & ((1 << n) - 1)) as usize
    }

    /// Slides `n` columns (at most 15 since placed) to the right.
    #[inline(always)]
    fn slide(&mut self, n: u32) {
        self.bits <<= n;
    }
}

/// For the 64 low pixels of word `k`, whose 3x3 neighbourhood in `lows` (the rows above, at and
/// below) is all white, and all black: the pixels TPDON predicts (T.82 6.6.2). Outside the rows
/// is white.
fn uniform_neighbourhoods(lows: [&[u64]; 3], k: usize) -> (u64, u64) {
    lows.iter().fold((!0, !0), |(white, black), r| {
        let (w, b) = one_colour_around(r, k, 1);
        (white & w, black & b)
    })
}

/// For the 64 pixels of word `k` of row `r`, those that are white from the pixel to their left
/// to `right` (1 or 2) to their right, and those black there, across the words; outside the row
/// is white.
fn one_colour_around(r: &[u64], k: usize, right: u32) -> (u64, u64) {
    let word = |k: usize| r.get(k).copied().unwrap_or(0);
    let (here, left, next) = (word(k), word(k.wrapping_sub(1)), word(k + 1));
    let from_left = here >> 1 | left << 63;
    let (mut white, mut black) = (!(here | from_left), here & from_left);
    for d in 1..=right {
        let from_right = here << d | next >> (64 - d);
        white &= !from_right;
        black &= from_right;
    }
    (white, black)
}

/// For the 64 low pixels of word `k`, those where a run of pairs may start
/// ([`DifferentialLayer::code_run`]): the pixel's parent row and the one below one colour
/// from the pixel to its left to the two to its right (for the next pair too), and (when
/// `dpon`, for deterministic prediction) the row above from the left to the right neighbour,
/// all of the same colour, of the `colours` (white, black) that deterministic prediction leaves
/// to be coded. Outside the rows is white.
fn run_starts(lows: [&[u64]; 3], k: usize, dpon: bool, colours: [bool; 2]) -> u64 {
    let (here, below) = (
        one_colour_around(lows[1], k, 2),
        one_colour_around(lows[2], k, 2),
    );
    let above = if dpon {
        one_colour_around(lows[0], k, 1)
    } else {
        (!0, !0)
    };
    let white = here.0 & below.0 & above.0;
    let black = here.1 & below.1 & above.1;
    let of = |colour: bool, pixels: u64| if colour { pixels } else { 0 };
    of(colours[0], white) | of(colours[1], black)
}

/// The first pixel of each of the 32 pairs of columns in `word`, as 32 bits, first the most
/// significant: the inverse of [`doubled`] where the pairs are alike.
fn pair_firsts(word: u64) -> u64 {
    let mut x = word >> 1 & 0x5555_5555_5555_5555;
    x = (x | x >> 1) & 0x3333_3333_3333_3333;
    x = (x | x >> 2) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | x >> 4) & 0x00ff_00ff_00ff_00ff;
    x = (x | x >> 8) & 0x0000_ffff_0000_ffff;
    (x | x >> 16) & 0xffff_ffff
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

#[cfg(test)]
mod reference;
