//! A row of pixels seen through a window that slides along it, so that a template's pixels on
//! that row are a shift and a mask away: the context registers of T.82 6.7, fed a word at a time.

use crate::bitmap::bits_at;

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
        let x = i64::from(x);
        let bits = u128::from(bits_at(words, x - 7)) << 64 | u128::from(bits_at(words, x + 57));
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

    /// Slides `n` columns to the right.
    #[inline]
    pub fn slide(&mut self, n: u32) {
        self.bits <<= n;
    }
}
