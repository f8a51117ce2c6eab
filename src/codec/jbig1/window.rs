//! A row of pixels seen through a window that slides along it, so that a template's pixels on
//! that row are a shift and a mask away: the context registers of T.82 6.7, fed from the row's
//! words.

/// How many columns a window may slide before it must be placed again ([`Window::at`]): it
/// then still sees [`AHEAD`] columns to the right of the current pixel.
pub(super) const REACH: u32 = 32;

/// How many columns right of the current pixel a window placed that often always sees (the
/// templates look two at most).
const AHEAD: i32 = 56 - REACH as i32 + 1;

/// Bit `56 - d` of `bits` is the pixel `d` columns right of the current one: after
/// [`Window::at`], for `d` from -7 to 56; after the window has slid `s` columns, up to `56 - s`.
/// One machine word, so that the six rows a differential layer's templates see stay in
/// registers. Callers place the window again at least every [`REACH`] columns (at each multiple
/// of it, [`Window::advance`]), which keeps [`AHEAD`] columns in view. Pixels outside the row are
/// white. A decoder fills the row it is decoding in by [`Window::set`].
#[derive(Clone, Copy)]
pub(super) struct Window {
    bits: u64,
}

impl Window {
    /// A window on a row of white.
    pub fn white() -> Self {
        Window { bits: 0 }
    }

    /// The window on a row's `words` with column `x` current.
    #[inline]
    pub fn at(words: &[u64], x: u32) -> Self {
        let get = |i: usize| words.get(i).copied().unwrap_or(0);
        let bits = if x >= 7 {
            // The 64 pixels from x - 7, from the word that holds it and the next.
            let (w, s) = (((x - 7) / 64) as usize, (x - 7) % 64);
            ((u128::from(get(w)) << 64 | u128::from(get(w + 1))) << s >> 64) as u64
        } else {
            // White to the left of the row.
            get(0) >> (7 - x)
        };
        Window { bits }
    }

    /// `n` bits ending `d` columns to the right of the current pixel, the rightmost lowest.
    #[inline(always)]
    pub fn take(&self, d: i32, n: u32) -> usize {
        debug_assert!(d <= AHEAD && d - n as i32 >= -8);
        ((self.bits >> (56 - d)) & ((1 << n) - 1)) as usize
    }

    /// Makes the pixel `d` columns right of the current one black.
    #[inline(always)]
    pub fn set(&mut self, d: i32) {
        self.bits |= 1 << (56 - d);
    }

    /// Makes the `n` pixels left of the current one black (those the window still sees).
    #[inline(always)]
    pub fn fill_behind(&mut self, n: u32) {
        self.bits |= ((1 << n.min(7)) - 1) << 57;
    }

    /// Moves on from column `from` (`u32::MAX`: from nowhere) to `to` of the row's `words`: a
    /// slide within a stretch of [`REACH`] columns, a new look at the row past its end.
    #[inline(always)]
    pub fn advance(&mut self, words: &[u64], from: u32, to: u32) {
        if to / REACH != from / REACH {
            *self = Window::at(words, to);
        } else {
            self.slide(to - from);
        }
    }

    /// Slides `n` columns to the right (what was seen goes, white comes in).
    #[inline(always)]
    pub fn slide(&mut self, n: u32) {
        self.bits = self.bits.checked_shl(n).unwrap_or(0);
    }
}
