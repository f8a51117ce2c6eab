//! A row of pixels seen through a window that slides along it, so that a template's pixels on
//! that row are a shift and a mask away: the context registers of T.82 6.7, fed a word at a time.

/// Bit `120 - d` of `bits` is the pixel `d` columns right of the current one: after
/// [`Window::at`], for `d` from -7 to 120; after the window has slid `s` columns, up to `120 - s`,
/// until [`Window::load`] at the next word boundary brings in what is ahead. Pixels outside the
/// row are white. A decoder fills the row it is decoding in by [`Window::set`].
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub bits: u128,
}

impl Window {
    /// The window on a row's `words` with column `x` current.
    #[inline]
    pub fn at(words: &[u64], x: u32) -> Self {
        let get = |i: usize| u128::from(words.get(i).copied().unwrap_or(0));
        let bits = if x >= 7 {
            // The 128 pixels from x - 7: three words from the one that holds it, shifted.
            let (w, s) = (((x - 7) / 64) as usize, (x - 7) % 64);
            let (a, b, c) = (get(w), get(w + 1), get(w + 2));
            let high = (a << 64 | b) << s >> 64;
            let low = (b << 64 | c) << s >> 64;
            high << 64 | low
        } else {
            // White to the left of the row.
            (get(0) << 64 | get(1)) >> (7 - x)
        };
        Window { bits }
    }

    /// Brings in what is ahead when column `64 * w`, the start of word `w`, has become current.
    #[inline]
    pub fn load(&mut self, words: &[u64], w: usize) {
        let a = words.get(w).copied().unwrap_or(0);
        let b = words.get(w + 1).copied().unwrap_or(0);
        self.bits |= u128::from((a & 0x7f) << 57 | b >> 7) | (u128::from(a >> 7) << 64);
    }

    /// `n` bits ending `d` columns to the right of the current pixel, the rightmost lowest.
    #[inline]
    pub fn take(&self, d: i32, n: u32) -> usize {
        ((self.bits >> (120 - d)) & ((1 << n) - 1)) as usize
    }

    /// Makes the pixel `d` columns right of the current one black.
    #[inline]
    pub fn set(&mut self, d: i32) {
        self.bits |= 1 << (120 - d);
    }

    /// Moves on from column `from` (`u32::MAX`: from nowhere) to `to` of the row's `words`: a
    /// slide within a word, a new look at the row past its end.
    #[inline(always)]
    pub fn advance(&mut self, words: &[u64], from: u32, to: u32) {
        if to / 64 != from / 64 {
            *self = Window::at(words, to);
        } else {
            self.slide(to - from);
        }
    }

    /// Slides `n` columns to the right.
    #[inline(always)]
    pub fn slide(&mut self, n: u32) {
        self.bits <<= n;
    }
}
