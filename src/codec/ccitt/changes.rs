//! Rows as lists of changing elements (T.4 4.2.1.3.1): the positions where a pixel differs from the
//! one before it, the pixel before the first being an imaginary white one. Even entries are changes
//! to black, odd ones changes back to white.
//!
//! Both G4 directions work on these lists rather than on pixels: finding them takes a few word
//! operations per 64 pixels, and the coder then walks the lists.

/// How many copies of the width end a list used as a reference line, so that b1 and b2 can always
/// be read past the last real change.
pub const SENTINELS: usize = 3;

/// Appends the changing elements of `row` (`width` pixels, MSB-first words, zero padding) to `out`.
#[inline]
pub fn find_changes(row: &[u64], width: u32, out: &mut Vec<u32>) {
    let mut carry = 0u64;
    for (i, &word) in row.iter().enumerate() {
        // A bit is set where the pixel differs from its left neighbour.
        let mut diff = word ^ ((word >> 1) | (carry << 63));
        carry = word & 1;
        let base = i as u32 * 64;
        while diff != 0 {
            let lz = diff.leading_zeros();
            let pos = base + lz;
            if pos >= width {
                // The fall back to white in the padding past a black last pixel.
                return;
            }
            out.push(pos);
            diff &= !(1u64 << 63) >> lz;
        }
    }
}

/// Sets pixels `[start, end)` of `row` to black.
#[inline]
pub fn fill_span(row: &mut [u64], start: u32, end: u32) {
    if start >= end {
        return;
    }
    let (first, last) = (start as usize / 64, (end - 1) as usize / 64);
    let head = u64::MAX >> (start % 64);
    let tail = u64::MAX << (63 - (end - 1) % 64);
    if first == last {
        row[first] |= head & tail;
    } else {
        row[first] |= head;
        for w in &mut row[first + 1..last] {
            *w = u64::MAX;
        }
        row[last] |= tail;
    }
}

/// Sets the black spans of a list of changing elements (without sentinels) into a white `row`.
#[inline]
pub fn fill_row(changes: &[u32], width: u32, row: &mut [u64]) {
    let mut pairs = changes.chunks_exact(2);
    for pair in &mut pairs {
        fill_span(row, pair[0], pair[1]);
    }
    if let [start] = pairs.remainder() {
        fill_span(row, *start, width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_from(pixels: &str) -> (Vec<u64>, u32) {
        let width = pixels.len() as u32;
        let mut row = vec![0u64; (pixels.len()).div_ceil(64)];
        for (x, c) in pixels.bytes().enumerate() {
            if c == b'1' {
                row[x / 64] |= 1 << (63 - x % 64);
            }
        }
        (row, width)
    }

    #[test]
    fn changes_of_simple_rows() {
        let (row, w) = row_from("0011100001");
        let mut out = vec![];
        find_changes(&row, w, &mut out);
        assert_eq!(out, vec![2, 5, 9]);
        let (row, w) = row_from("1111");
        out.clear();
        find_changes(&row, w, &mut out);
        assert_eq!(out, vec![0]);
    }

    #[test]
    fn changes_across_word_boundaries_round_trip() {
        let mut pattern = String::new();
        for i in 0..300 {
            pattern.push(if (i / 7 + i / 63) % 2 == 1 { '1' } else { '0' });
        }
        pattern.replace_range(60..70, "1111111111");
        let (row, w) = row_from(&pattern);
        let mut changes = vec![];
        find_changes(&row, w, &mut changes);
        let mut back = vec![0u64; row.len()];
        fill_row(&changes, w, &mut back);
        assert_eq!(back, row);
    }

    #[test]
    fn fill_span_edges() {
        let mut row = vec![0u64; 3];
        fill_span(&mut row, 63, 65);
        assert_eq!(row, vec![1, 1 << 63, 0]);
        let mut row = vec![0u64; 3];
        fill_span(&mut row, 0, 192);
        assert_eq!(row, vec![u64::MAX; 3]);
        fill_span(&mut row, 5, 5);
    }
}
