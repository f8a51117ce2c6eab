//! AVX2 (and POPCNT) kernels. Reachable only through [`avx2_kernels`], which the dispatcher calls
//! after the CPU has been found to support AVX2 and POPCNT.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{CpuLevel, Kernels, NarrowGlyphs, SauvolaRow, scalar};

/// The AVX2 kernel table. Only [`super::Kernels::for_level`] calls this, after detection.
pub(super) fn avx2_kernels() -> Kernels {
    assert!(std::arch::is_x86_feature_detected!("avx2"));
    assert!(std::arch::is_x86_feature_detected!("popcnt"));
    Kernels {
        level: CpuLevel::Avx2,
        pack_threshold: pack_threshold_avx2_entry,
        pack_threshold_pairs: pack_threshold_pairs_avx2_entry,
        sauvola_thresholds: sauvola_thresholds_avx2_entry,
        narrow_mismatch: narrow_mismatch_popcnt_entry,
        narrow_mismatches: narrow_mismatches_popcnt_entry,
        bit_planes6: bit_planes6_avx2_entry,
        bit_planes8: bit_planes8_avx2_entry,
    }
}

fn pack_threshold_avx2_entry(gray: &[u8], threshold: u8, out: &mut [u64]) {
    // SAFETY: this function is only put in a kernel table by `avx2_kernels`, which checked AVX2.
    unsafe { pack_threshold_avx2(gray, threshold, out) }
}

fn pack_threshold_pairs_avx2_entry(gray: &[u8], thresholds: &[u8], out: &mut [u64]) {
    // SAFETY: as above.
    unsafe { pack_threshold_pairs_avx2(gray, thresholds, out) }
}

fn sauvola_thresholds_avx2_entry(row: &SauvolaRow<'_>, out: &mut [u8]) {
    // SAFETY: as above.
    unsafe { sauvola_thresholds_avx2(row, out) }
}

fn bit_planes6_avx2_entry(planes: [&[u8]; 6], out: &mut [u8]) {
    // SAFETY: as above.
    unsafe { bit_planes_avx2(planes, out) }
}

fn bit_planes8_avx2_entry(planes: [&[u8]; 8], out: &mut [u8]) {
    // SAFETY: as above.
    unsafe { bit_planes_avx2(planes, out) }
}

/// The scalar gathering of bit planes compiled for AVX2: 32 columns a step rather than 16. JBIG1's
/// lowest layer gathers eight planes for every row it decodes: whole decodes of the Scotsman's
/// sequential BIE ran 1.0-1.5% faster by turns, eurotext's BIEs 0.9-1.3% (BENCHMARKS.md).
#[target_feature(enable = "avx2")]
unsafe fn bit_planes_avx2<const N: usize>(planes: [&[u8]; N], out: &mut [u8]) {
    scalar::bit_planes(planes, out)
}

/// Movemask gives byte i in bit i; bitmaps want pixel i in bit 31 - i of each 32-pixel half.
#[inline(always)]
fn msb_first(mask: i32) -> u64 {
    u64::from((mask as u32).reverse_bits())
}

#[target_feature(enable = "avx2")]
unsafe fn pack_threshold_avx2(gray: &[u8], threshold: u8, out: &mut [u64]) {
    let full = gray.len() / 64;
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
        *word = (less_than_mask(a, t) << 32) | less_than_mask(b, t);
    }
    if full < out.len() && gray.len() > full * 64 {
        scalar::pack_threshold(&gray[full * 64..], threshold, &mut out[full..]);
    }
}

/// Unsigned `g < t` for 32 bytes, as 32 bits MSB-first.
#[target_feature(enable = "avx2")]
fn less_than_mask(g: __m256i, t: __m256i) -> u64 {
    // g < t  <=>  not (max(g, t) == g).
    let ge = _mm256_cmpeq_epi8(_mm256_max_epu8(g, t), g);
    !msb_first(_mm256_movemask_epi8(ge)) & 0xFFFF_FFFF
}

#[target_feature(enable = "avx2")]
unsafe fn pack_threshold_pairs_avx2(gray: &[u8], thresholds: &[u8], out: &mut [u64]) {
    let full = gray.len() / 64;
    let doubled = |t: &[u8]| {
        // SAFETY: the caller passes 16 bytes.
        let t16 = _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(t.as_ptr().cast()) });
        _mm256_or_si256(t16, _mm256_slli_epi16::<8>(t16))
    };
    for (i, word) in out.iter_mut().enumerate().take(full) {
        let chunk = &gray[i * 64..i * 64 + 64];
        let t = &thresholds[i * 32..i * 32 + 32];
        // SAFETY: `chunk` holds 64 bytes; unaligned loads are allowed.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(chunk.as_ptr().cast()),
                _mm256_loadu_si256(chunk.as_ptr().add(32).cast()),
            )
        };
        let (ta, tb) = (doubled(&t[..16]), doubled(&t[16..]));
        *word = (less_than_mask(a, ta) << 32) | less_than_mask(b, tb);
    }
    if full < out.len() && gray.len() > full * 64 {
        scalar::pack_threshold_pairs(
            &gray[full * 64..],
            &thresholds[full * 32..],
            &mut out[full..],
        );
    }
}

#[target_feature(enable = "avx2")]
unsafe fn sauvola_thresholds_avx2(row: &SauvolaRow<'_>, out: &mut [u8]) {
    let width = row.sum.len();
    let inv_rows = _mm256_set1_ps(row.inv_rows);
    let one_minus_k = _mm256_set1_ps(row.one_minus_k);
    let k_min = _mm256_set1_ps(row.k_min);
    let k_over_r = _mm256_set1_ps(row.k_over_r);
    let min_gray = _mm256_set1_ps(row.min_gray);
    let dark = _mm256_set1_ps(row.dark);
    let zero = _mm256_setzero_ps();
    let white = _mm256_set1_ps(255.0);
    let full = width / 8;
    for i in 0..full {
        let x = i * 8;
        // SAFETY: x + 8 <= width, and every slice holds at least `width` items.
        let (sum, sum_sq, inv_cols) = unsafe {
            (
                _mm256_loadu_si256(row.sum.as_ptr().add(x).cast()),
                _mm256_loadu_si256(row.sum_sq.as_ptr().add(x).cast()),
                _mm256_loadu_ps(row.inv_cols.as_ptr().add(x)),
            )
        };
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
        let t = _mm256_ceil_ps(_mm256_max_ps(t, dark));
        let t = _mm256_min_ps(_mm256_max_ps(t, zero), white);
        let mut lanes = [0i32; 8];
        // SAFETY: `lanes` holds eight i32.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), _mm256_cvttps_epi32(t)) };
        for (o, &l) in out[x..x + 8].iter_mut().zip(&lanes) {
            *o = l as u8;
        }
    }
    for (x, o) in out.iter_mut().enumerate().take(width).skip(full * 8) {
        *o = scalar::sauvola_threshold(row, x);
    }
}

fn narrow_mismatch_popcnt_entry(glyphs: &NarrowGlyphs<'_>, offset: (i64, i64), limit: u32) -> u32 {
    // SAFETY: only put in a kernel table by `avx2_kernels`, which checked POPCNT.
    unsafe { narrow_mismatch_popcnt(glyphs, offset, limit) }
}

fn narrow_mismatches_popcnt_entry(
    glyphs: &NarrowGlyphs<'_>,
    centre: (i64, i64),
    limit: u32,
) -> [u32; 9] {
    // SAFETY: as above.
    unsafe { narrow_mismatches_popcnt(glyphs, centre, limit) }
}

/// The scalar glyph comparison compiled with the POPCNT instruction (without it a count of
/// ones is a dozen shifts and adds).
#[target_feature(enable = "popcnt")]
unsafe fn narrow_mismatch_popcnt(glyphs: &NarrowGlyphs<'_>, offset: (i64, i64), limit: u32) -> u32 {
    scalar::narrow_mismatch(glyphs, offset, limit)
}

/// Likewise, at nine offsets.
#[target_feature(enable = "popcnt")]
unsafe fn narrow_mismatches_popcnt(
    glyphs: &NarrowGlyphs<'_>,
    centre: (i64, i64),
    limit: u32,
) -> [u32; 9] {
    scalar::narrow_mismatches(glyphs, centre, limit)
}
