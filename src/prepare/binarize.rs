//! Grey to bilevel: Otsu's global threshold and Sauvola's adaptive one.
//!
//! Sauvola (J. Sauvola, M. Pietikäinen, "Adaptive document image binarization", Pattern Recognition
//! 33, 2000): a pixel is black when `g < m (1 + k (s / R - 1))`, with `m` and `s` the mean and
//! standard deviation of its window. The window sums come from running column sums, so memory stays
//! at a few rows whatever the page size, and the per-pixel decision is a SIMD kernel.

use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::{Limits, Threshold};
use crate::page::GrayImage;
use crate::simd::{Kernels, SauvolaRow, pack_threshold_image};

/// Sauvola's `k`: how far below the local mean ink must be, relative to the local contrast.
pub const SAUVOLA_K: f32 = 0.34;
/// Sauvola's `R`: the dynamic range of the standard deviation for 8-bit grey.
pub const SAUVOLA_R: f32 = 128.0;

/// Otsu's threshold (N. Otsu, 1979): the grey level that maximises the between-class variance.
/// Values below it are black.
pub fn otsu_threshold(gray: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for &g in gray {
        histogram[g as usize] += 1;
    }
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return 128;
    }
    let sum_all: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut weight_b, mut sum_b) = (0f64, 0f64);
    let (mut best, mut best_var) = (128u8, -1f64);
    for (t, &n) in histogram.iter().enumerate() {
        weight_b += n as f64;
        sum_b += t as f64 * n as f64;
        let weight_f = total as f64 - weight_b;
        if weight_b == 0.0 || weight_f == 0.0 {
            continue;
        }
        let mean_b = sum_b / weight_b;
        let mean_f = (sum_all - sum_b) / weight_f;
        let between = weight_b * weight_f * (mean_b - mean_f).powi(2);
        if between > best_var {
            best_var = between;
            // Level t belongs to the dark class, so "below t + 1" is black.
            best = (t + 1).min(255) as u8;
        }
    }
    best
}

/// Half the Sauvola window side for a resolution: about 1/16 inch, so a window spans a few strokes
/// of body text.
pub fn sauvola_half_window(dpi: f64) -> usize {
    ((dpi / 16.0).round() as usize).clamp(4, 75)
}

/// Sauvola binarisation with `kernels`, window half-side `half`.
pub fn sauvola_with(
    gray: &GrayImage,
    half: usize,
    kernels: &Kernels,
    limits: &Limits,
) -> Result<Bitmap> {
    let (w, h) = (gray.width as usize, gray.height as usize);
    let mut out = Bitmap::new(gray.width, gray.height, limits)?;
    if w == 0 || h == 0 {
        return Ok(out);
    }
    // Inside large dark areas the window sees no contrast; half of Otsu's level catches them.
    let dark = f32::from(otsu_threshold(&gray.data)) * 0.5;
    let inv_cols: Vec<f32> = (0..w)
        .map(|x| {
            let cols = (x + half).min(w - 1) - x.saturating_sub(half) + 1;
            1.0 / cols as f32
        })
        .collect();
    let mut col_sum = vec![0u32; w];
    let mut col_sq = vec![0u32; w];
    // Prefix sums with one leading zero; wrapping is harmless since every window sum fits in u32.
    let mut prefix = vec![0u32; w + 1];
    let mut prefix_sq = vec![0u32; w + 1];
    let mut sum = vec![0u32; w];
    let mut sum_sq = vec![0u32; w];
    let row = |y: usize| &gray.data[y * w..][..w];
    let add_row = |sums: &mut [u32], sqs: &mut [u32], r: &[u8]| {
        for ((s, q), &g) in sums.iter_mut().zip(sqs.iter_mut()).zip(r) {
            let g = u32::from(g);
            *s += g;
            *q += g * g;
        }
    };
    for y in 0..=half.min(h - 1) {
        add_row(&mut col_sum, &mut col_sq, row(y));
    }
    for y in 0..h {
        if y > 0 {
            if y + half < h {
                add_row(&mut col_sum, &mut col_sq, row(y + half));
            }
            if y > half {
                for ((s, q), &g) in col_sum.iter_mut().zip(col_sq.iter_mut()).zip(row(y - half - 1)) {
                    let g = u32::from(g);
                    *s -= g;
                    *q -= g * g;
                }
            }
        }
        let rows = (y + half).min(h - 1) - y.saturating_sub(half) + 1;
        for x in 0..w {
            prefix[x + 1] = prefix[x].wrapping_add(col_sum[x]);
            prefix_sq[x + 1] = prefix_sq[x].wrapping_add(col_sq[x]);
        }
        for x in 0..w {
            let (lo, hi) = (x.saturating_sub(half), (x + half).min(w - 1) + 1);
            sum[x] = prefix[hi].wrapping_sub(prefix[lo]);
            sum_sq[x] = prefix_sq[hi].wrapping_sub(prefix_sq[lo]);
        }
        let args = SauvolaRow {
            gray: row(y),
            sum: &sum,
            sum_sq: &sum_sq,
            inv_cols: &inv_cols,
            inv_rows: 1.0 / rows as f32,
            one_minus_k: 1.0 - SAUVOLA_K,
            k_over_r_sq: (SAUVOLA_K / SAUVOLA_R) * (SAUVOLA_K / SAUVOLA_R),
            dark,
        };
        kernels.sauvola(&args, out.row_mut(y as u32));
    }
    Ok(out)
}

/// Binarises a grey page as `threshold` says, returning the bitmap and a description of the lossy
/// step for the report.
pub fn binarize(
    gray: &GrayImage,
    dpi: f64,
    threshold: Threshold,
    limits: &Limits,
) -> Result<(Bitmap, String)> {
    let global = |t: u8, how: &str| -> Result<(Bitmap, String)> {
        let mut b = Bitmap::new(gray.width, gray.height, limits)?;
        pack_threshold_image(&gray.data, gray.width, t, &mut b);
        Ok((b, format!("binarised: {how} threshold {t}")))
    };
    match threshold {
        Threshold::Fixed(t) => global(t, "fixed"),
        Threshold::Otsu => global(otsu_threshold(&gray.data), "Otsu"),
        Threshold::Auto | Threshold::Sauvola => {
            let half = sauvola_half_window(dpi);
            let b = sauvola_with(gray, half, Kernels::current(), limits)?;
            Ok((
                b,
                format!(
                    "binarised: Sauvola k={SAUVOLA_K} window {}x{} px",
                    2 * half + 1,
                    2 * half + 1
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::CpuLevel;

    /// A page of light paper with darker strokes and a gradient, like a grey scan.
    fn page(width: u32, height: u32) -> GrayImage {
        let mut data = Vec::with_capacity((width * height) as usize);
        for y in 0..height {
            for x in 0..width {
                let paper = 200 + (x * 40 / width) as i32 - (y * 30 / height) as i32;
                let ink = (x / 3) % 9 == 0 && (y / 5) % 4 != 0;
                let v = if ink { paper - 120 } else { paper + ((x * 7 + y * 13) % 9) as i32 };
                data.push(v.clamp(0, 255) as u8);
            }
        }
        GrayImage {
            width,
            height,
            data,
        }
    }

    #[test]
    fn otsu_splits_two_peaks() {
        let mut g = vec![30u8; 1000];
        g.extend(vec![220u8; 3000]);
        let t = otsu_threshold(&g);
        assert!((31..=220).contains(&t), "{t}");
    }

    #[test]
    fn sauvola_finds_strokes_on_a_gradient() {
        let g = page(300, 120);
        let b = sauvola_with(&g, 8, &Kernels::for_level(CpuLevel::Scalar), &Limits::default())
            .unwrap();
        let mut wrong = 0;
        for y in 0..g.height {
            for x in 0..g.width {
                let ink = (x / 3) % 9 == 0 && (y / 5) % 4 != 0;
                wrong += u32::from(b.get(x, y) != ink);
            }
        }
        assert!(wrong < 100, "{wrong} pixels wrong");
    }

    #[test]
    fn every_level_binarises_identically() {
        for (w, h) in [(1, 1), (5, 3), (77, 40), (300, 120)] {
            let g = page(w, h);
            let want =
                sauvola_with(&g, 6, &Kernels::for_level(CpuLevel::Scalar), &Limits::default())
                    .unwrap();
            for level in CpuLevel::available() {
                let got =
                    sauvola_with(&g, 6, &Kernels::for_level(level), &Limits::default()).unwrap();
                assert_eq!(got, want, "{level:?} {w}x{h}");
            }
        }
    }
}
