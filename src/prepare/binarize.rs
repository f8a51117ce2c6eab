//! Grey to bilevel: Otsu's global threshold and Sauvola's adaptive one.
//!
//! Sauvola (J. Sauvola, M. Pietikäinen, "Adaptive document image binarization", Pattern Recognition
//! 33, 2000): a pixel is black when it is darker than a threshold made from the mean `m` and
//! standard deviation `s` of its window; see [`sauvola_with`] for the exact form. The window sums
//! come from running column sums, so memory stays at a few rows whatever the page size, and the
//! per-pixel decision is a SIMD kernel.

use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::{Limits, Threshold};
use crate::page::GrayImage;
use crate::simd::{Kernels, SauvolaRow, pack_threshold_image};

/// Sauvola's `k`: how far below the local mean ink must be, relative to the local contrast.
pub const SAUVOLA_K: f32 = 0.2;
/// Sauvola's `R`: the dynamic range of the standard deviation for 8-bit grey, and the most
/// [`contrast_range`] gives.
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

/// Window sums of grey values and of their squares, row by row, from running column sums: memory
/// stays at a few rows whatever the page size.
struct WindowSums<'a> {
    gray: &'a [u8],
    width: usize,
    height: usize,
    half: usize,
    col_sum: Vec<u32>,
    col_sq: Vec<u32>,
    /// Prefix sums with one leading zero; wrapping is harmless since every window sum fits in u32.
    prefix: Vec<u32>,
    prefix_sq: Vec<u32>,
    sum: Vec<u32>,
    sum_sq: Vec<u32>,
    next_y: usize,
}

impl<'a> WindowSums<'a> {
    fn new(gray: &'a GrayImage, half: usize) -> Self {
        let (w, h) = (gray.width as usize, gray.height as usize);
        let mut sums = WindowSums {
            gray: &gray.data,
            width: w,
            height: h,
            half,
            col_sum: vec![0; w],
            col_sq: vec![0; w],
            prefix: vec![0; w + 1],
            prefix_sq: vec![0; w + 1],
            sum: vec![0; w],
            sum_sq: vec![0; w],
            next_y: 0,
        };
        for y in 0..half.min(h) {
            sums.add_row(y, true);
        }
        sums
    }

    fn row(&self, y: usize) -> &'a [u8] {
        &self.gray[y * self.width..][..self.width]
    }

    fn add_row(&mut self, y: usize, add: bool) {
        let row = self.row(y);
        for ((s, q), &g) in self.col_sum.iter_mut().zip(self.col_sq.iter_mut()).zip(row) {
            let g = u32::from(g);
            if add {
                *s += g;
                *q += g * g;
            } else {
                *s -= g;
                *q -= g * g;
            }
        }
    }

    /// Moves the window down to the next row; when `compute`, fills `sum` and `sum_sq` for it.
    /// Gives the row and the number of window rows, or `None` past the last row.
    fn advance(&mut self, compute: bool) -> Option<(usize, usize)> {
        let (y, h, half) = (self.next_y, self.height, self.half);
        if y >= h {
            return None;
        }
        self.next_y += 1;
        if y + half < h {
            self.add_row(y + half, true);
        }
        if y > half {
            self.add_row(y - half - 1, false);
        }
        let rows = (y + half).min(h - 1) - y.saturating_sub(half) + 1;
        if compute {
            let w = self.width;
            for x in 0..w {
                self.prefix[x + 1] = self.prefix[x].wrapping_add(self.col_sum[x]);
                self.prefix_sq[x + 1] = self.prefix_sq[x].wrapping_add(self.col_sq[x]);
            }
            for x in 0..w {
                let (lo, hi) = (x.saturating_sub(half), (x + half).min(w - 1) + 1);
                self.sum[x] = self.prefix[hi].wrapping_sub(self.prefix[lo]);
                self.sum_sq[x] = self.prefix_sq[hi].wrapping_sub(self.prefix_sq[lo]);
            }
        }
        Some((y, rows))
    }
}

/// One over the number of window columns at each x.
fn inverse_columns(width: usize, half: usize) -> Vec<f32> {
    (0..width)
        .map(|x| {
            let cols = (x + half).min(width - 1) - x.saturating_sub(half) + 1;
            1.0 / cols as f32
        })
        .collect()
}

/// Rows between the samples of [`contrast_range`].
const RANGE_SAMPLE_ROWS: usize = 4;

/// Sauvola's `R`, taken from the page rather than fixed at 128 (as Wolf and Jolion do): the
/// largest local standard deviation, sampled every few rows. On a faint, low-contrast scan a fixed
/// R puts every threshold far below the ink; this one scales with the contrast the page has.
fn contrast_range(gray: &GrayImage, half: usize) -> f32 {
    let inv_cols = inverse_columns(gray.width as usize, half);
    let mut sums = WindowSums::new(gray, half);
    let mut max_var = 0f32;
    let mut sample = 0usize;
    while let Some((_, rows)) = sums.advance(sample % RANGE_SAMPLE_ROWS == 0) {
        if sample % RANGE_SAMPLE_ROWS == 0 {
            let inv_rows = 1.0 / rows as f32;
            for ((&inv_col, &sum), &sum_sq) in inv_cols.iter().zip(&sums.sum).zip(&sums.sum_sq) {
                let inv_area = inv_col * inv_rows;
                let mean = sum as f32 * inv_area;
                let var = sum_sq as f32 * inv_area - mean * mean;
                max_var = max_var.max(var);
            }
        }
        sample += 1;
    }
    // A blank page has no contrast to scale to; a floor keeps noise from becoming ink.
    max_var.sqrt().clamp(MIN_CONTRAST_RANGE, SAUVOLA_R)
}

/// The smallest `R`: below this the page is taken as blank paper with noise.
const MIN_CONTRAST_RANGE: f32 = 16.0;

/// The darkest grey of the page, ignoring the darkest 0.1% (dust and noise).
fn darkest(gray: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for &g in gray {
        histogram[g as usize] += 1;
    }
    let skip = gray.len() as u64 / 1000;
    let mut seen = 0;
    for (v, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen > skip {
            return v as u8;
        }
    }
    0
}

/// Sauvola binarisation with `kernels`, window half-side `half`, in the form of Wolf and Jolion
/// (C. Wolf, J.-M. Jolion, "Extraction and recognition of artificial text in multimedia documents",
/// 2003): `T = (1 - k) m + k M + k (s / R) (m - M)`, with M the page's darkest grey and R its
/// largest local standard deviation, which keeps faint low-contrast text that Sauvola's fixed
/// `T = m (1 + k (s / 128 - 1))` loses.
pub fn sauvola_with(
    gray: &GrayImage,
    half: usize,
    kernels: &Kernels,
    limits: &Limits,
) -> Result<Bitmap> {
    let mut out = Bitmap::new(gray.width, gray.height, limits)?;
    if gray.width == 0 || gray.height == 0 {
        return Ok(out);
    }
    // Inside large dark areas the window sees no contrast; half of Otsu's level catches them.
    let dark = f32::from(otsu_threshold(&gray.data)) * 0.5;
    let range = contrast_range(gray, half);
    let min_gray = f32::from(darkest(&gray.data));
    let inv_cols = inverse_columns(gray.width as usize, half);
    let mut sums = WindowSums::new(gray, half);
    while let Some((y, rows)) = sums.advance(true) {
        let args = SauvolaRow {
            gray: sums.row(y),
            sum: &sums.sum,
            sum_sq: &sums.sum_sq,
            inv_cols: &inv_cols,
            inv_rows: 1.0 / rows as f32,
            one_minus_k: 1.0 - SAUVOLA_K,
            k_min: SAUVOLA_K * min_gray,
            k_over_r: SAUVOLA_K / range,
            min_gray,
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
                    "binarised: Sauvola-Wolf k={SAUVOLA_K} window {}x{} px",
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
                let v = if ink {
                    paper - 120
                } else {
                    paper + ((x * 7 + y * 13) % 9) as i32
                };
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
        let b = sauvola_with(
            &g,
            8,
            &Kernels::for_level(CpuLevel::Scalar),
            &Limits::default(),
        )
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
            let want = sauvola_with(
                &g,
                6,
                &Kernels::for_level(CpuLevel::Scalar),
                &Limits::default(),
            )
            .unwrap();
            for level in CpuLevel::available() {
                let got =
                    sauvola_with(&g, 6, &Kernels::for_level(level), &Limits::default()).unwrap();
                assert_eq!(got, want, "{level:?} {w}x{h}");
            }
        }
    }
}
