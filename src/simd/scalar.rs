//! Scalar references for every kernel: portable, and the definition the SIMD versions must match
//! bit for bit.

use super::SauvolaRow;

/// See [`super::Kernels::pack_threshold`].
pub fn pack_threshold(gray: &[u8], threshold: u8, out: &mut [u64]) {
    for (word, chunk) in out.iter_mut().zip(gray.chunks(64)) {
        let mut w = 0u64;
        for (i, &g) in chunk.iter().enumerate() {
            w |= u64::from(g < threshold) << (63 - i);
        }
        *word = w;
    }
}

/// The Sauvola–Wolf decision for one pixel. The SIMD versions do the same operations in the same
/// order, so the rounding is the same.
#[inline(always)]
pub fn sauvola_pixel(row: &SauvolaRow<'_>, x: usize) -> bool {
    let g = f32::from(row.gray[x]);
    let inv_area = row.inv_cols[x] * row.inv_rows;
    let mean = row.sum[x] as f32 * inv_area;
    let var = (row.sum_sq[x] as f32 * inv_area - mean * mean).max(0.0);
    let s = var.sqrt();
    // T = (1 - k) m + k M + k (s / R) (m - M)
    let t = (mean * row.one_minus_k + row.k_min) + (row.k_over_r * s) * (mean - row.min_gray);
    (g < row.dark) | (g < t)
}

/// See [`super::Kernels::sauvola`].
pub fn sauvola(row: &SauvolaRow<'_>, out: &mut [u64]) {
    let width = row.gray.len();
    for (i, word) in out.iter_mut().enumerate().take(width.div_ceil(64)) {
        let start = i * 64;
        let mut w = 0u64;
        for x in start..(start + 64).min(width) {
            w |= u64::from(sauvola_pixel(row, x)) << (63 - (x - start));
        }
        *word = w;
    }
}
