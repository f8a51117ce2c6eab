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

    /// The window's bits: bit `56 - d` is the pixel `d` columns right of the current one.
    #[inline(always)]
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// `n` bits ending `d` columns to the right of the current pixel, the rightmost lowest.
    #[inline(always)]
    pub fn take(&self, d: i32, n: u32) -> usize {
        debug_assert!(d <= AHEAD && d - n as i32 >= -8);
        ((self.bits >> (56 - d)) & ((1 << n) - 1)) as usize
    }

    /// How many columns right of the current pixel the first pixel not of the colour (black if
    /// `black`) is, looking from `from` to as far as the window always sees ([`AHEAD`]); `None`
    /// if there is none that near.
    #[inline(always)]
    pub fn next_other(&self, black: bool, from: i32) -> Option<u32> {
        let mask = (u64::MAX >> (64 - (AHEAD - from + 1))) << (56 - AHEAD);
        let other = if black { !self.bits } else { self.bits } & mask;
        (other != 0).then(|| other.leading_zeros() - 7)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitmap::row_pixel;

    #[test]
    fn the_next_pixel_of_the_other_colour_is_found_as_far_as_the_window_sees() {
        // Rows of runs of every length up to 40 of either colour, white past their width.
        let mut state = 11u32;
        for _ in 0..50 {
            let width = 200u32;
            let mut row = vec![0u64; 4];
            let mut x = 0;
            let mut black = false;
            while x < width {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let run = (state >> 24) % 40 + 1;
                for c in x..(x + run).min(width) {
                    if black {
                        row[(c / 64) as usize] |= 1 << (63 - c % 64);
                    }
                }
                x += run;
                black = !black;
            }
            // Past the row: white.
            let pixel = |c: u32| c < 256 && row_pixel(&row, c);
            for x in 0..width {
                // Placed at x, or slid there from the multiple of REACH before it.
                let placed = Window::at(&row, x);
                let mut slid = Window::at(&row, x - x % REACH);
                slid.slide(x % REACH);
                for black in [false, true] {
                    for from in 1..4 {
                        let expected = (from..=AHEAD)
                            .find(|&d| pixel(x + d as u32) != black)
                            .map(|d| d as u32);
                        assert_eq!(
                            placed.next_other(black, from),
                            expected,
                            "{x} {black} {from}"
                        );
                        assert_eq!(slid.next_other(black, from), expected, "{x} {black} {from}");
                    }
                }
            }
        }
    }
}
