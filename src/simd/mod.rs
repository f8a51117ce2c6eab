//! SIMD kernels behind a dispatch table chosen once at run time.
//!
//! The CPU level is detected once; `SCANPRESS_SIMD=scalar` (or `avx2`) may lower it, never raise it.
//! Every kernel has a scalar reference in [`scalar`], and under `cfg(test)` every level available
//! on the machine is checked against it. All `unsafe` and `target_feature` code of the crate lives
//! in this module.

use std::sync::OnceLock;

use crate::bitmap::Bitmap;

pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;

/// An instruction-set level the kernels can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CpuLevel {
    /// Portable code only.
    Scalar,
    /// x86-64 AVX2, and POPCNT, which every AVX2 processor has.
    Avx2,
    /// x86-64 AVX-512 F, VL and VPOPCNTDQ, besides AVX2 (the glyph comparisons).
    Avx512,
}

impl CpuLevel {
    /// The best level this CPU supports.
    pub fn detect() -> CpuLevel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            let avx512 = std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512vpopcntdq");
            return if avx512 {
                CpuLevel::Avx512
            } else {
                CpuLevel::Avx2
            };
        }
        CpuLevel::Scalar
    }

    /// The detected level, lowered by the `SCANPRESS_SIMD` environment variable if it names a lower one.
    pub fn current() -> CpuLevel {
        static LEVEL: OnceLock<CpuLevel> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let detected = CpuLevel::detect();
            let asked = match std::env::var("SCANPRESS_SIMD").ok().as_deref() {
                Some("scalar") => CpuLevel::Scalar,
                Some("avx2") => CpuLevel::Avx2,
                _ => detected,
            };
            asked.min(detected)
        })
    }

    /// Every level this CPU can run, lowest first.
    pub fn available() -> Vec<CpuLevel> {
        [CpuLevel::Scalar, CpuLevel::Avx2, CpuLevel::Avx512]
            .into_iter()
            .filter(|&l| l <= CpuLevel::detect())
            .collect()
    }
}

/// Window statistics of one row, for the Sauvola–Wolf threshold (see
/// [`crate::prepare::binarize::sauvola_with`]).
pub struct SauvolaRow<'a> {
    /// Sum of the grey values in each window.
    pub sum: &'a [u32],
    /// Sum of the squared grey values in each window.
    pub sum_sq: &'a [u32],
    /// One over the number of window columns at each x.
    pub inv_cols: &'a [f32],
    /// One over the number of window rows at this y.
    pub inv_rows: f32,
    /// `1 - k`.
    pub one_minus_k: f32,
    /// `k * M`, M the page's darkest grey.
    pub k_min: f32,
    /// `k / R`, R the page's largest local standard deviation.
    pub k_over_r: f32,
    /// M.
    pub min_gray: f32,
    /// The threshold is never below this (Sauvola alone whitens the inside of large dark areas,
    /// where the window sees no contrast).
    pub dark: f32,
}

/// Two glyphs at most 64 pixels wide, one word a row, to be compared (JBIG2 classification).
pub struct NarrowGlyphs<'a> {
    /// The rows of the glyph compared.
    pub target: &'a [u64],
    /// The rows of the glyph it is compared with.
    pub reference: &'a [u64],
    /// The pixels of a target row: its width's bits.
    pub mask: u64,
}

/// The kernels for one CPU level.
#[derive(Clone, Copy)]
pub struct Kernels {
    /// The level these kernels use.
    pub level: CpuLevel,
    pack_threshold: fn(&[u8], u8, &mut [u64]),
    pack_threshold_pairs: fn(&[u8], &[u8], &mut [u64]),
    sauvola_thresholds: fn(&SauvolaRow<'_>, &mut [u8]),
    narrow_mismatch: fn(&NarrowGlyphs<'_>, (i64, i64), u32) -> u32,
    narrow_mismatches: fn(&NarrowGlyphs<'_>, (i64, i64), u32) -> [u32; 9],
    bit_planes6: fn([&[u8]; 6], &mut [u8]),
    bit_planes8: fn([&[u8]; 8], &mut [u8]),
}

impl Kernels {
    /// The kernels for `level`; a level above what the CPU has is lowered to it.
    pub fn for_level(level: CpuLevel) -> Kernels {
        match level.min(CpuLevel::detect()) {
            #[cfg(target_arch = "x86_64")]
            CpuLevel::Avx2 => x86::avx2_kernels(),
            #[cfg(target_arch = "x86_64")]
            CpuLevel::Avx512 => x86_avx512::avx512_kernels(),
            _ => Kernels {
                level: CpuLevel::Scalar,
                pack_threshold: scalar::pack_threshold,
                pack_threshold_pairs: scalar::pack_threshold_pairs,
                sauvola_thresholds: scalar::sauvola_thresholds,
                narrow_mismatch: scalar::narrow_mismatch,
                narrow_mismatches: scalar::narrow_mismatches,
                bit_planes6: scalar::bit_planes6,
                bit_planes8: scalar::bit_planes8,
            },
        }
    }

    /// The kernels for [`CpuLevel::current`].
    pub fn current() -> &'static Kernels {
        static KERNELS: OnceLock<Kernels> = OnceLock::new();
        KERNELS.get_or_init(|| Kernels::for_level(CpuLevel::current()))
    }

    /// Packs a grey row into bitmap words: a pixel is black (1) when its value is below `threshold`.
    #[inline]
    pub fn pack_threshold(&self, gray: &[u8], threshold: u8, out: &mut [u64]) {
        assert!(out.len() >= gray.len().div_ceil(64));
        (self.pack_threshold)(gray, threshold, out)
    }

    /// Packs a grey row into bitmap words under a threshold per pair of pixels: pixel `x` is black
    /// when its value is below `thresholds[x / 2]`.
    #[inline]
    pub fn pack_threshold_pairs(&self, gray: &[u8], thresholds: &[u8], out: &mut [u64]) {
        let words = gray.len().div_ceil(64);
        assert!(out.len() >= words && thresholds.len() >= words * 32);
        (self.pack_threshold_pairs)(gray, thresholds, out)
    }

    /// The Sauvola–Wolf threshold of each window of a row (see [`scalar::sauvola_threshold`]).
    #[inline]
    pub fn sauvola_thresholds(&self, row: &SauvolaRow<'_>, out: &mut [u8]) {
        let w = row.sum.len();
        assert!(row.sum_sq.len() >= w && row.inv_cols.len() >= w && out.len() >= w);
        (self.sauvola_thresholds)(row, out)
    }

    /// How many pixels of `glyphs.target` differ from `glyphs.reference` with the reference's
    /// top-left corner at `offset` in the target, over the target's box; `|offset.0| < 64`.
    /// Exact up to `limit`; past it, some count above `limit`.
    #[inline]
    pub fn narrow_mismatch(
        &self,
        glyphs: &NarrowGlyphs<'_>,
        offset: (i64, i64),
        limit: u32,
    ) -> u32 {
        assert!(offset.0.abs() < 64);
        (self.narrow_mismatch)(glyphs, offset, limit)
    }

    /// [`Kernels::narrow_mismatch`] at the nine offsets around `centre`, (`centre.0 + ox`,
    /// `centre.1 + oy`) for `ox` and `oy` in -1..=1, at index `(oy + 1) * 3 + ox + 1`; each
    /// exact up to `limit`, past it some count above `limit`. `|centre.0| < 63`.
    #[inline]
    pub fn narrow_mismatches(
        &self,
        glyphs: &NarrowGlyphs<'_>,
        centre: (i64, i64),
        limit: u32,
    ) -> [u32; 9] {
        assert!(centre.0.abs() < 63);
        (self.narrow_mismatches)(glyphs, centre, limit)
    }

    /// Gathers six bit planes, bytes that are 0 or 1, into bytes: `out[x]` holds `planes[k][x]` in
    /// bit 5 - k (JBIG1's lowest layer puts the template's pixels above each column so). Each
    /// plane is at least `out.len()` long.
    #[inline]
    pub fn bit_planes6(&self, planes: [&[u8]; 6], out: &mut [u8]) {
        assert!(planes.iter().all(|plane| plane.len() >= out.len()));
        (self.bit_planes6)(planes, out)
    }

    /// [`Kernels::bit_planes6`] of eight planes, `planes[k][x]` in bit 7 - k.
    #[inline]
    pub fn bit_planes8(&self, planes: [&[u8]; 8], out: &mut [u8]) {
        assert!(planes.iter().all(|plane| plane.len() >= out.len()));
        (self.bit_planes8)(planes, out)
    }
}

/// Packs a whole grey image (`width` samples a row) into `bitmap` under a global threshold.
pub fn pack_threshold_image(gray: &[u8], width: u32, threshold: u8, bitmap: &mut Bitmap) {
    let kernels = Kernels::current();
    for y in 0..bitmap.height() {
        let row = &gray[y as usize * width as usize..][..width as usize];
        kernels.pack_threshold(row, threshold, bitmap.row_mut(y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u32) -> Vec<u8> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn every_level_packs_like_the_scalar_reference() {
        for width in [1usize, 31, 32, 63, 64, 65, 100, 257, 2550] {
            let gray = noise(width, width as u32);
            for threshold in [0u8, 1, 77, 128, 200, 255] {
                let mut want = vec![0u64; width.div_ceil(64)];
                scalar::pack_threshold(&gray, threshold, &mut want);
                for level in CpuLevel::available() {
                    let mut got = vec![0u64; width.div_ceil(64)];
                    Kernels::for_level(level).pack_threshold(&gray, threshold, &mut got);
                    assert_eq!(got, want, "{level:?} width {width} threshold {threshold}");
                }
            }
        }
    }

    #[test]
    fn every_level_packs_pairs_like_the_scalar_reference() {
        for width in [1usize, 2, 33, 64, 65, 127, 128, 129, 1001] {
            let gray = noise(width, 11 + width as u32);
            let mut thresholds = noise(width.div_ceil(64) * 32, 5);
            thresholds[0] = 0;
            let mut want = vec![0u64; width.div_ceil(64)];
            scalar::pack_threshold_pairs(&gray, &thresholds, &mut want);
            for level in CpuLevel::available() {
                let mut got = vec![0u64; width.div_ceil(64)];
                Kernels::for_level(level).pack_threshold_pairs(&gray, &thresholds, &mut got);
                assert_eq!(got, want, "{level:?} width {width}");
            }
        }
    }

    #[test]
    fn every_level_gathers_bit_planes_like_the_scalar_reference() {
        for width in [0usize, 1, 15, 16, 31, 32, 33, 63, 64, 65, 100, 2900] {
            // Planes of 0s and 1s, longer than the output, as the lowest layer's shifted rows are.
            let plane = |seed: u32| -> Vec<u8> {
                noise(width + 3, seed).into_iter().map(|b| b & 1).collect()
            };
            let planes: Vec<Vec<u8>> = (0..8).map(|k| plane(97 * width as u32 + k)).collect();
            let six: [&[u8]; 6] = std::array::from_fn(|k| &planes[k][..]);
            let eight: [&[u8]; 8] = std::array::from_fn(|k| &planes[k][..]);
            let mut want6 = vec![0u8; width];
            let mut want8 = vec![0u8; width];
            scalar::bit_planes6(six, &mut want6);
            scalar::bit_planes8(eight, &mut want8);
            for x in 0..width {
                let expected = (0..8).fold(0u8, |bits, k| bits << 1 | planes[k][x]);
                assert_eq!(want8[x], expected, "width {width} column {x}");
                assert_eq!(want6[x], expected >> 2, "width {width} column {x}");
            }
            for level in CpuLevel::available() {
                let (mut got6, mut got8) = (vec![7u8; width], vec![7u8; width]);
                Kernels::for_level(level).bit_planes6(six, &mut got6);
                Kernels::for_level(level).bit_planes8(eight, &mut got8);
                assert_eq!(
                    (got6, got8),
                    (want6.clone(), want8.clone()),
                    "{level:?} {width}"
                );
            }
        }
    }

    /// A glyph-like bitmap's rows: `height` words of `width` pixels of noise.
    fn glyph_rows(width: u32, height: usize, seed: u32) -> Vec<u64> {
        let bytes = noise(height * 8, seed);
        let mask = crate::bitmap::last_word_mask(width);
        bytes
            .chunks(8)
            .map(|b| u64::from_be_bytes(b.try_into().unwrap()) & mask)
            .collect()
    }

    #[test]
    fn every_level_compares_glyphs_like_the_scalar_reference() {
        let capped = |c: u32, limit: u32| c.min(limit + 1);
        for (i, (tw, th, rw, rh)) in [
            (1, 1, 1, 1),
            (5, 7, 6, 8),
            (20, 30, 18, 29),
            (64, 40, 64, 42),
            (63, 3, 61, 5),
            (10, 40, 12, 3),
            (33, 100, 30, 90),
        ]
        .into_iter()
        .enumerate()
        {
            let glyphs = NarrowGlyphs {
                target: &glyph_rows(tw, th, 3 * i as u32 + 1),
                reference: &glyph_rows(rw, rh, 3 * i as u32 + 2),
                mask: crate::bitmap::last_word_mask(tw),
            };
            for limit in [0, 3, 40, u32::MAX - 1] {
                let centres = [(0i64, 0i64), (1, 1), (-2, 3), (5, -4), (-62, 0), (62, 1)];
                for centre in centres
                    .into_iter()
                    .chain([(0, 9), (3, 40), (-1, -45), (0, 120)])
                {
                    let want = scalar::narrow_mismatches(&glyphs, centre, limit);
                    for (k, &w) in want.iter().enumerate() {
                        let offset = (centre.0 + k as i64 % 3 - 1, centre.1 + k as i64 / 3 - 1);
                        let one = scalar::narrow_mismatch(&glyphs, offset, limit);
                        assert_eq!(capped(one, limit), capped(w, limit), "{offset:?}");
                    }
                    for level in CpuLevel::available() {
                        let k = Kernels::for_level(level);
                        let got = k.narrow_mismatches(&glyphs, centre, limit);
                        for (g, w) in got.iter().zip(&want) {
                            assert_eq!(capped(*g, limit), capped(*w, limit), "{level:?}");
                        }
                        let one = k.narrow_mismatch(&glyphs, centre, limit);
                        assert_eq!(capped(one, limit), capped(want[4], limit), "{level:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_level_thresholds_like_the_scalar_reference() {
        for width in [1usize, 7, 8, 9, 64, 65, 200, 1001] {
            let mean = noise(width, 3 + width as u32);
            let spread = noise(width, 9);
            // Plausible window sums for a window of 100 pixels around each mean.
            let sum: Vec<u32> = mean.iter().map(|&m| u32::from(m) * 100).collect();
            let sum_sq: Vec<u32> = mean
                .iter()
                .zip(&spread)
                .map(|(&m, &s)| u32::from(m).pow(2) * 100 + u32::from(s / 4).pow(2) * 100)
                .collect();
            let inv_cols: Vec<f32> = (0..width).map(|x| 1.0 / (10 + x % 3) as f32).collect();
            let row = SauvolaRow {
                sum: &sum,
                sum_sq: &sum_sq,
                inv_cols: &inv_cols,
                inv_rows: 0.1,
                one_minus_k: 0.8,
                k_min: 0.2 * 20.0,
                k_over_r: 0.2 / 60.0,
                min_gray: 20.0,
                dark: 40.0,
            };
            let mut want = vec![0u8; width];
            scalar::sauvola_thresholds(&row, &mut want);
            for level in CpuLevel::available() {
                let mut got = vec![0u8; width];
                Kernels::for_level(level).sauvola_thresholds(&row, &mut got);
                assert_eq!(got, want, "{level:?} width {width}");
            }
        }
    }
}
