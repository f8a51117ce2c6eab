//! Scalar references for every kernel: portable, and the definition the SIMD versions must match
//! bit for bit.

use super::{NarrowGlyphs, SauvolaRow};

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

/// See [`super::Kernels::pack_threshold_pairs`].
pub fn pack_threshold_pairs(gray: &[u8], thresholds: &[u8], out: &mut [u64]) {
    for (i, (word, chunk)) in out.iter_mut().zip(gray.chunks(64)).enumerate() {
        let t = &thresholds[i * 32..];
        let mut w = 0u64;
        for (j, &g) in chunk.iter().enumerate() {
            w |= u64::from(g < t[j / 2]) << (63 - j);
        }
        *word = w;
    }
}

/// The Sauvola–Wolf threshold for one window, as the integer grey level below which a pixel is
/// black. The SIMD versions do the same operations in the same order, so the rounding is the same.
#[inline(always)]
pub fn sauvola_threshold(row: &SauvolaRow<'_>, x: usize) -> u8 {
    let inv_area = row.inv_cols[x] * row.inv_rows;
    let mean = row.sum[x] as f32 * inv_area;
    let var = (row.sum_sq[x] as f32 * inv_area - mean * mean).max(0.0);
    let s = var.sqrt();
    // T = (1 - k) m + k M + k (s / R) (m - M); for integer g, g < T <=> g < ceil(T).
    let t = (mean * row.one_minus_k + row.k_min) + (row.k_over_r * s) * (mean - row.min_gray);
    t.max(row.dark).ceil().clamp(0.0, 255.0) as u8
}

/// See [`super::Kernels::sauvola_thresholds`].
pub fn sauvola_thresholds(row: &SauvolaRow<'_>, out: &mut [u8]) {
    for (x, t) in out.iter_mut().enumerate().take(row.sum.len()) {
        *t = sauvola_threshold(row, x);
    }
}

/// See [`super::Kernels::bit_planes6`] and [`super::Kernels::bit_planes8`]: compiled as it is
/// for every level, the AVX2 one with that instruction set (the loop over `out` vectorises).
#[inline(always)]
pub fn bit_planes<const N: usize>(planes: [&[u8]; N], out: &mut [u8]) {
    let planes = planes.map(|plane| &plane[..out.len()]);
    for (x, bits) in out.iter_mut().enumerate() {
        *bits = planes.iter().fold(0, |bits, plane| bits << 1 | plane[x]);
    }
}

/// [`bit_planes`] of six planes.
pub fn bit_planes6(planes: [&[u8]; 6], out: &mut [u8]) {
    bit_planes(planes, out)
}

/// [`bit_planes`] of eight planes.
pub fn bit_planes8(planes: [&[u8]; 8], out: &mut [u8]) {
    bit_planes(planes, out)
}

/// A row of a glyph at most 64 pixels wide, shifted `dx` pixels right (left when negative),
/// `|dx| < 64`.
#[inline(always)]
fn shifted(word: u64, dx: i64) -> u64 {
    if dx >= 0 { word >> dx } else { word << -dx }
}

/// Row `y - dy` of `rows`, or white outside them.
#[inline(always)]
fn row_at(rows: &[u64], y: usize, dy: i64) -> u64 {
    usize::try_from(y as i64 - dy)
        .ok()
        .and_then(|r| rows.get(r).copied())
        .unwrap_or(0)
}

/// See [`super::Kernels::narrow_mismatch`].
#[inline(always)]
pub fn narrow_mismatch(glyphs: &NarrowGlyphs<'_>, (dx, dy): (i64, i64), limit: u32) -> u32 {
    let NarrowGlyphs {
        target,
        reference,
        mask,
    } = *glyphs;
    let mut count = 0;
    for (y, &t) in target.iter().enumerate() {
        let r = shifted(row_at(reference, y, dy), dx) & mask;
        count += (t ^ r).count_ones();
        if count > limit {
            break;
        }
    }
    count
}

/// See [`super::Kernels::narrow_mismatches`].
#[inline(always)]
pub fn narrow_mismatches(glyphs: &NarrowGlyphs<'_>, (cx, cy): (i64, i64), limit: u32) -> [u32; 9] {
    let NarrowGlyphs {
        target,
        reference,
        mask,
    } = *glyphs;
    let mut counts = [0u32; 9];
    for (y, &t) in target.iter().enumerate() {
        for oy in 0..3 {
            let r = row_at(reference, y, cy + oy as i64 - 1);
            for ox in 0..3 {
                let s = shifted(r, cx + ox as i64 - 1) & mask;
                counts[oy * 3 + ox] += (t ^ s).count_ones();
            }
        }
        if counts.iter().all(|&c| c > limit) {
            break;
        }
    }
    counts
}
