//! AVX2 kernels. Reachable only through [`avx2_kernels`], which the dispatcher calls after the CPU
//! has been found to support AVX2.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{CpuLevel, Kernels, SauvolaRow, scalar};

/// The AVX2 kernel table. Only [`super::Kernels::for_level`] calls this, after detection.
pub(super) fn avx2_kernels() -> Kernels {
    assert!(std::arch::is_x86_feature_detected!("avx2"));
    Kernels {
        level: CpuLevel::Avx2,
        pack_threshold: pack_threshold_avx2_entry,
        sauvola: sauvola_avx2_entry,
    }
}

fn pack_threshold_avx2_entry(gray: &[u8], threshold: u8, out: &mut [u64]) {
    // SAFETY: this function is only put in a kernel table by `avx2_kernels`, which checked AVX2.
    unsafe { pack_threshold_avx2(gray, threshold, out) }
}

fn sauvola_avx2_entry(row: &SauvolaRow<'_>, out: &mut [u64]) {
    // SAFETY: as above.
    unsafe { sauvola_avx2(row, out) }
}

/// Movemask gives byte i in bit i; bitmaps want pixel i in bit 31 - i of each 32-pixel half.
#[inline(always)]
fn msb_first(mask: i32) -> u64 {
    u64::from((mask as u32).reverse_bits())
}

#[target_feature(enable = "avx2")]
unsafe fn pack_threshold_avx2(gray: &[u8], threshold: u8, out: &mut [u64]) {
    let full = gray.len() / 64;
    // Unsigned g < t  <=>  max(g, t) != g, i.e. not (max(g, t) == g).
    let t = _mm256_set1_epi8(threshold as i8);
    for (i, word) in out.iter_mut().enumerate().take(full) {
        let chunk = &gray[i * 64..i * 64 + 64];
        // SAFETY: `chunk` holds 64 bytes; unaligned loads are allowed.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(chunk.as_ptr().cast()),
                _mm256_loadu_si256(chunk.as_ptr().add(32).cast()),
            )
        };
        let ge_a = _mm256_cmpeq_epi8(_mm256_max_epu8(a, t), a);
        let ge_b = _mm256_cmpeq_epi8(_mm256_max_epu8(b, t), b);
        let lt_a = !msb_first(_mm256_movemask_epi8(ge_a)) & 0xFFFF_FFFF;
        let lt_b = !msb_first(_mm256_movemask_epi8(ge_b)) & 0xFFFF_FFFF;
        *word = (lt_a << 32) | lt_b;
    }
    if full < out.len() && gray.len() > full * 64 {
        scalar::pack_threshold(&gray[full * 64..], threshold, &mut out[full..]);
    }
}

#[target_feature(enable = "avx2")]
unsafe fn sauvola_avx2(row: &SauvolaRow<'_>, out: &mut [u64]) {
    let width = row.gray.len();
    let inv_rows = _mm256_set1_ps(row.inv_rows);
    let one_minus_k = _mm256_set1_ps(row.one_minus_k);
    let k_min = _mm256_set1_ps(row.k_min);
    let k_over_r = _mm256_set1_ps(row.k_over_r);
    let min_gray = _mm256_set1_ps(row.min_gray);
    let dark = _mm256_set1_ps(row.dark);
    let zero = _mm256_setzero_ps();
    let full = width / 64;
    for (i, word) in out.iter_mut().enumerate().take(full) {
        let mut w = 0u64;
        for lane in 0..8 {
            let x = i * 64 + lane * 8;
            // SAFETY: x + 8 <= full * 64 <= width, and every slice holds at least `width` items.
            let (g8, sum, sum_sq, inv_cols) = unsafe {
                (
                    _mm_loadl_epi64(row.gray.as_ptr().add(x).cast()),
                    _mm256_loadu_si256(row.sum.as_ptr().add(x).cast()),
                    _mm256_loadu_si256(row.sum_sq.as_ptr().add(x).cast()),
                    _mm256_loadu_ps(row.inv_cols.as_ptr().add(x)),
                )
            };
            let g = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(g8));
            let inv_area = _mm256_mul_ps(inv_cols, inv_rows);
            let mean = _mm256_mul_ps(_mm256_cvtepi32_ps(sum), inv_area);
            let var = _mm256_max_ps(
                _mm256_sub_ps(
                    _mm256_mul_ps(_mm256_cvtepi32_ps(sum_sq), inv_area),
                    _mm256_mul_ps(mean, mean),
                ),
                zero,
            );
            let sd = _mm256_sqrt_ps(var);
            let t = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(mean, one_minus_k), k_min),
                _mm256_mul_ps(_mm256_mul_ps(k_over_r, sd), _mm256_sub_ps(mean, min_gray)),
            );
            let black = _mm256_or_ps(
                _mm256_cmp_ps::<_CMP_LT_OQ>(g, dark),
                _mm256_cmp_ps::<_CMP_LT_OQ>(g, t),
            );
            let bits = (_mm256_movemask_ps(black) as u8).reverse_bits();
            w |= u64::from(bits) << (56 - lane * 8);
        }
        *word = w;
    }
    for (i, word) in out
        .iter_mut()
        .enumerate()
        .take(width.div_ceil(64))
        .skip(full)
    {
        let start = i * 64;
        let mut w = 0u64;
        for x in start..width.min(start + 64) {
            w |= u64::from(scalar::sauvola_pixel(row, x)) << (63 - (x - start));
        }
        *word = w;
    }
}
