//! AVX-512 glyph comparisons (F, VL and VPOPCNTDQ): eight rows, or eight alignments, a step.
//! Reachable only through [`avx512_kernels`], which the dispatcher calls after the CPU has been
//! found to support them; the other kernels are the AVX2 ones.
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::x86::avx2_kernels;
use super::{CpuLevel, Kernels, NarrowGlyphs};

/// The AVX-512 kernel table. Only [`super::Kernels::for_level`] calls this, after detection.
pub(super) fn avx512_kernels() -> Kernels {
    assert!(std::arch::is_x86_feature_detected!("avx512f"));
    assert!(std::arch::is_x86_feature_detected!("avx512vl"));
    assert!(std::arch::is_x86_feature_detected!("avx512vpopcntdq"));
    Kernels {
        level: CpuLevel::Avx512,
        narrow_mismatch: narrow_mismatch_avx512_entry,
        narrow_mismatches: narrow_mismatches_avx512_entry,
        ..avx2_kernels()
    }
}

fn narrow_mismatch_avx512_entry(glyphs: &NarrowGlyphs<'_>, offset: (i64, i64), limit: u32) -> u32 {
    // SAFETY: only put in a kernel table by `avx512_kernels`, which checked the features.
    unsafe { narrow_mismatch_avx512(glyphs, offset, limit) }
}

fn narrow_mismatches_avx512_entry(
    glyphs: &NarrowGlyphs<'_>,
    centre: (i64, i64),
    limit: u32,
) -> [u32; 9] {
    // SAFETY: as above.
    unsafe { narrow_mismatches_avx512(glyphs, centre, limit) }
}

/// The lanes of `count` words from `start` that fall inside `0..len` (at most 8).
#[inline(always)]
fn inside(start: i64, count: i64, len: i64) -> u8 {
    let lo = (-start).clamp(0, count);
    let hi = (len - start).clamp(0, count);
    if hi <= lo {
        0
    } else {
        ((1u32 << hi) - (1u32 << lo)) as u8
    }
}

/// Loads the words `rows[start..start + 8]` whose lanes `lanes` marks (the others zero): the
/// masked-out words are not read, so `start` may lie outside `rows`.
#[target_feature(enable = "avx512f,avx512vl,avx512vpopcntdq")]
#[inline]
unsafe fn load_rows(rows: &[u64], start: i64, lanes: u8) -> __m512i {
    let base = rows.as_ptr().wrapping_offset(start as isize);
    // SAFETY: the lanes `lanes` marks are inside `rows` (see `inside`); the others are not read.
    unsafe { _mm512_maskz_loadu_epi64(lanes, base.cast()) }
}

/// Every lane of `words` shifted right by `right` and left by `left` (one of the two zero in each
/// lane, both below 64).
#[target_feature(enable = "avx512f,avx512vl,avx512vpopcntdq")]
#[inline]
fn shifted(words: __m512i, right: __m512i, left: __m512i) -> __m512i {
    // One of the two counts is zero in each lane.
    _mm512_sllv_epi64(_mm512_srlv_epi64(words, right), left)
}

/// The counts that shift each lane right and left by `shift`.
#[target_feature(enable = "avx512f,avx512vl,avx512vpopcntdq")]
#[inline]
fn shift_counts(shift: [i64; 8]) -> (__m512i, __m512i) {
    let right = shift.map(|s| s.max(0));
    let left = shift.map(|s| (-s).max(0));
    // SAFETY: eight i64 each, unaligned loads are allowed.
    unsafe {
        (
            _mm512_loadu_si512(right.as_ptr().cast()),
            _mm512_loadu_si512(left.as_ptr().cast()),
        )
    }
}

/// [`super::scalar::narrow_mismatch`] eight rows a step: the target's rows against the
/// reference's rows `dy` above them, shifted; counted out by the step.
#[target_feature(enable = "avx512f,avx512vl,avx512vpopcntdq")]
unsafe fn narrow_mismatch_avx512(
    glyphs: &NarrowGlyphs<'_>,
    (dx, dy): (i64, i64),
    limit: u32,
) -> u32 {
    let NarrowGlyphs {
        target,
        reference,
        mask,
    } = *glyphs;
    // SAFETY: the features are enabled; loads go through `load_rows`.
    unsafe {
        let (right, left) = shift_counts([dx; 8]);
        let mask = _mm512_set1_epi64(mask as i64);
        let (th, rh) = (target.len() as i64, reference.len() as i64);
        let mut total = _mm512_setzero_si512();
        let (mut y, mut count) = (0, 0);
        while y < th && count <= limit {
            let t = load_rows(target, y, inside(y, 8, th));
            let r = load_rows(reference, y - dy, inside(y - dy, 8, rh) & inside(y, 8, th));
            let r = _mm512_and_si512(shifted(r, right, left), mask);
            total = _mm512_add_epi64(total, _mm512_popcnt_epi64(_mm512_xor_si512(t, r)));
            count = _mm512_reduce_add_epi64(total) as u32;
            y += 8;
        }
        count
    }
}

/// [`super::scalar::narrow_mismatches`] with the first eight alignments side by side, the ninth
/// (one row down, one right) beside them; counted out row by row, as the scalar one is.
#[target_feature(enable = "avx512f,avx512vl,avx512vpopcntdq")]
unsafe fn narrow_mismatches_avx512(
    glyphs: &NarrowGlyphs<'_>,
    (cx, cy): (i64, i64),
    limit: u32,
) -> [u32; 9] {
    let NarrowGlyphs {
        target,
        reference,
        mask,
    } = *glyphs;
    let rh = reference.len() as i64;
    // Alignment k is (cx + k % 3 - 1, cy + k / 3 - 1); its reference row for target row y is
    // y - cy - (k / 3 - 1). The rows y - cy - 1, y - cy, y - cy + 1 are loaded as lanes 0, 1
    // and 2, and spread to the alignments' lanes.
    // SAFETY: the features are enabled; loads go through `load_rows`.
    unsafe {
        let spread = _mm512_set_epi64(0, 0, 1, 1, 1, 2, 2, 2);
        let (right, left) = shift_counts([0, 1, 2, 0, 1, 2, 0, 1].map(|k| cx + k - 1));
        let mask_v = _mm512_set1_epi64(mask as i64);
        let limit_v = _mm512_set1_epi64(i64::from(limit));
        let mut counts = _mm512_setzero_si512();
        let mut ninth = 0u32;
        let last_shift = cx + 1;
        for (y, &t) in target.iter().enumerate() {
            let start = y as i64 - cy - 1;
            let rows = load_rows(reference, start, inside(start, 3, rh));
            let r = _mm512_permutexvar_epi64(spread, rows);
            let r = _mm512_and_si512(shifted(r, right, left), mask_v);
            let diff = _mm512_xor_si512(_mm512_set1_epi64(t as i64), r);
            counts = _mm512_add_epi64(counts, _mm512_popcnt_epi64(diff));
            let below = usize::try_from(start)
                .ok()
                .and_then(|r| reference.get(r).copied())
                .unwrap_or(0);
            let s = if last_shift >= 0 {
                below >> last_shift
            } else {
                below << -last_shift
            };
            ninth += (t ^ (s & mask)).count_ones();
            if ninth > limit && _mm512_cmpgt_epu64_mask(counts, limit_v) == 0xFF {
                break;
            }
        }
        let mut out = [0u64; 8];
        _mm512_storeu_si512(out.as_mut_ptr().cast(), counts);
        let mut all = [0u32; 9];
        for (a, &c) in all.iter_mut().zip(&out) {
            *a = c as u32;
        }
        all[8] = ninth;
        all
    }
}
