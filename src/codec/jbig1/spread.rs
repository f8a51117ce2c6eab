//! Rows spread to a byte a pixel (0 or 1), so that the pixels a template sees around every
//! column of a row are a few shifted copies of them or'ed together: loops over bytes, which the
//! compiler vectorises, working out each pixel's context bits from the rows around it before
//! the row is coded and off the arithmetic coder's path.

/// How far left of a row its spread bytes start (white before it), and how many white bytes
/// follow the last word's pixels.
pub(super) const PAD: usize = 8;

/// The eight bytes of the byte of pixels `b`, pixel 0 (the highest bit) first in memory.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 8 {
            table[b] |= ((b as u64 >> (7 - k)) & 1) << (8 * k);
            k += 1;
        }
        b += 1;
    }
    table
};

/// A spread row's bytes for rows of `words` words.
pub(super) fn spread_len(words: usize) -> usize {
    PAD + 64 * words + PAD
}

/// Spreads the row `words` (white if empty) into `out`, [`PAD`] bytes of white first. `out` is
/// at least [`spread_len`] long; what follows the row's pixels is left as it is (white, if it
/// was).
pub(super) fn spread(words: &[u64], out: &mut [u8]) {
    let row = &mut out[PAD..];
    if words.is_empty() {
        row.fill(0);
        return;
    }
    for (bytes, &word) in row.chunks_exact_mut(64).zip(words) {
        for (eight, k) in bytes.chunks_exact_mut(8).zip((0..8).rev()) {
            eight.copy_from_slice(&SPREAD[(word >> (8 * k)) as usize & 0xff].to_le_bytes());
        }
    }
}

/// The first `len` bytes of spread row `s` shifted by `d` columns: for each column, the pixel
/// `d` columns right of it (`d` at least -[`PAD`]).
#[inline(always)]
pub(super) fn shifted(s: &[u8], d: isize, len: usize) -> &[u8] {
    &s[PAD.wrapping_add_signed(d)..][..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each spread byte is its pixel, white before and after the row.
    #[test]
    fn spread_rows_are_their_pixels_a_byte_each() {
        let words = [0x8000_0000_0000_0001u64, 0xf0f0_1234_5678_9abc];
        let mut out = vec![7u8; spread_len(words.len())];
        out[PAD..].fill(0);
        spread(&words, &mut out);
        for (i, &byte) in out.iter().enumerate() {
            let column = i as i64 - PAD as i64;
            let expected = if column < 0 {
                7
            } else if column < 128 {
                (words[column as usize / 64] >> (63 - column % 64)) as u8 & 1
            } else {
                0
            };
            assert_eq!(byte, expected, "byte {i}");
        }
    }
}
