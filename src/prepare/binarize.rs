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
/// Wolf and Jolion's 0.5 gives strokes as thin as the print (0.2 made them bold and speckled,
/// and tesseract read 3 points more of a page's words differently); faint marks it leaves out
/// are kept by the background of a mixed raster page (`prepare::analyse`).
pub const SAUVOLA_K: f32 = 0.5;
/// Sauvola's `R`: the dynamic range of the standard deviation for 8-bit grey, and the most the
/// range measured on the page may be.
pub const SAUVOLA_R: f32 = 128.0;

/// Otsu's threshold (N. Otsu, 1979): the grey level that maximises the between-class variance.
/// Values below it are black.
pub fn otsu_threshold(gray: &[u8]) -> u8 {
    otsu_from_histogram(&histogram(gray))
}

/// How many pixels have each grey value.
pub fn histogram(gray: &[u8]) -> [u64; 256] {
    // Four tables break the store-to-load dependency between equal neighbouring values.
    let mut tables = [[0u32; 256]; 4];
    let mut chunks = gray.chunks_exact(4);
    for c in &mut chunks {
        for (table, &g) in tables.iter_mut().zip(c) {
            table[g as usize] += 1;
        }
    }
    let mut out = [0u64; 256];
    for &g in chunks.remainder() {
        out[g as usize] += 1;
    }
    for table in &tables {
        for (o, &n) in out.iter_mut().zip(table) {
            *o += u64::from(n);
        }
    }
    out
}

fn otsu_from_histogram(histogram: &[u64; 256]) -> u8 {
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
            sums.add_row(y);
        }
        sums
    }

    fn row(&self, y: usize) -> &'a [u8] {
        &self.gray[y * self.width..][..self.width]
    }

    fn add_row(&mut self, y: usize) {
        let row = self.row(y);
        for ((s, q), &g) in self.col_sum.iter_mut().zip(&mut self.col_sq).zip(row) {
            let g = u32::from(g);
            *s += g;
            *q += g * g;
        }
    }

    /// Adds row `enter` to the column sums and takes row `leave` out, in one pass.
    fn slide_rows(&mut self, enter: usize, leave: usize) {
        let (new, old) = (self.row(enter), self.row(leave));
        for (((s, q), &n), &o) in self
            .col_sum
            .iter_mut()
            .zip(&mut self.col_sq)
            .zip(new)
            .zip(old)
        {
            let (n, o) = (u32::from(n), u32::from(o));
            *s = s.wrapping_add(n).wrapping_sub(o);
            *q = q.wrapping_add(n * n).wrapping_sub(o * o);
        }
    }

    fn remove_row(&mut self, y: usize) {
        let row = self.row(y);
        for ((s, q), &g) in self.col_sum.iter_mut().zip(&mut self.col_sq).zip(row) {
            let g = u32::from(g);
            *s -= g;
            *q -= g * g;
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
        match (y + half < h, y > half) {
            (true, true) => self.slide_rows(y + half, y - half - 1),
            (true, false) => self.add_row(y + half),
            (false, true) => self.remove_row(y - half - 1),
            (false, false) => {}
        }
        let rows = (y + half).min(h - 1) - y.saturating_sub(half) + 1;
        if compute {
            self.window_sums();
        }
        Some((y, rows))
    }

    /// Horizontal window sums of the column sums, through prefix sums.
    fn window_sums(&mut self) {
        let (w, half) = (self.width, self.half);
        // Two independent running sums in one loop, for instruction-level parallelism.
        let (mut acc, mut acc_sq) = (0u32, 0u32);
        for (((p, q), &s), &sq) in self.prefix[1..]
            .iter_mut()
            .zip(&mut self.prefix_sq[1..])
            .zip(&self.col_sum)
            .zip(&self.col_sq)
        {
            acc = acc.wrapping_add(s);
            acc_sq = acc_sq.wrapping_add(sq);
            *p = acc;
            *q = acc_sq;
        }
        let window = |x: usize| (x.saturating_sub(half), (x + half).min(w - 1) + 1);
        // Away from the edges every window spans 2 * half + 1 columns: plain slice arithmetic.
        let (inner_start, inner_end) = (half.min(w), w.saturating_sub(half).max(half.min(w)));
        let span = 2 * half + 1;
        if inner_end > inner_start {
            let n = inner_end - inner_start;
            let hi = &self.prefix[inner_start + half + 1..][..n];
            let lo = &self.prefix[inner_start - half..][..n];
            let hi_sq = &self.prefix_sq[inner_start + half + 1..][..n];
            let lo_sq = &self.prefix_sq[inner_start - half..][..n];
            for ((((s, q), (&h, &l)), &hs), &ls) in self.sum[inner_start..inner_end]
                .iter_mut()
                .zip(&mut self.sum_sq[inner_start..inner_end])
                .zip(hi.iter().zip(lo))
                .zip(hi_sq)
                .zip(lo_sq)
            {
                *s = h.wrapping_sub(l);
                *q = hs.wrapping_sub(ls);
            }
            debug_assert_eq!(
                window(inner_start),
                (inner_start - half, inner_start - half + span)
            );
        }
        for x in (0..inner_start).chain(inner_end.max(inner_start)..w) {
            let (lo, hi) = window(x);
            self.sum[x] = self.prefix[hi].wrapping_sub(self.prefix[lo]);
            self.sum_sq[x] = self.prefix_sq[hi].wrapping_sub(self.prefix_sq[lo]);
        }
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

/// Sauvola's `R`, taken from the page rather than fixed at 128 (as Wolf and Jolion do): the
/// largest local standard deviation. On a faint, low-contrast scan a fixed R puts every threshold
/// far below the ink; this one scales with the contrast the page has.
fn contrast_range(gray: &GrayImage, half: usize) -> f32 {
    let inv_cols = inverse_columns(gray.width as usize, half);
    let mut sums = WindowSums::new(gray, half);
    let mut max_var = 0f32;
    while let Some((_, rows)) = sums.advance(true) {
        let inv_rows = 1.0 / rows as f32;
        for ((&inv_col, &sum), &sum_sq) in inv_cols.iter().zip(&sums.sum).zip(&sums.sum_sq) {
            let inv_area = inv_col * inv_rows;
            let mean = sum as f32 * inv_area;
            let var = sum_sq as f32 * inv_area - mean * mean;
            max_var = max_var.max(var);
        }
    }
    // A blank page has no contrast to scale to; a floor keeps noise from becoming ink.
    max_var.sqrt().clamp(MIN_CONTRAST_RANGE, SAUVOLA_R)
}

/// The page at half size, each pixel the rounded mean of a 2x2 block (edges repeated).
fn halve(gray: &GrayImage, limits: &Limits) -> Result<GrayImage> {
    let (w, h) = (gray.width as usize, gray.height as usize);
    let (sw, sh) = (w.div_ceil(2), h.div_ceil(2));
    limits.check_pixels(sw as u32, sh as u32)?;
    let mut data = vec![0u8; sw * sh];
    for (y, out) in data.chunks_exact_mut(sw).enumerate() {
        let top = &gray.data[2 * y * w..][..w];
        let bottom = &gray.data[(2 * y + 1).min(h - 1) * w..][..w];
        let pairs = top.chunks_exact(2).zip(bottom.chunks_exact(2));
        for (o, (t, b)) in out.iter_mut().zip(pairs) {
            let sum = u16::from(t[0]) + u16::from(t[1]) + u16::from(b[0]) + u16::from(b[1]);
            *o = ((sum + 2) / 4) as u8;
        }
        if w % 2 == 1 {
            let (t, b) = (u16::from(top[w - 1]), u16::from(bottom[w - 1]));
            out[sw - 1] = ((2 * t + 2 * b + 2) / 4) as u8;
        }
    }
    Ok(GrayImage {
        width: sw as u32,
        height: sh as u32,
        data,
    })
}

/// The smallest `R`: below this the page is taken as blank paper with noise.
const MIN_CONTRAST_RANGE: f32 = 16.0;

/// The least contrast assumed between paper (the median grey) and ink: faint pencil is some 40
/// levels below the paper and still well below the threshold this gives on an empty page.
const MIN_INK_CONTRAST: u8 = 64;

/// The median grey of a histogram (255 when it is empty).
pub fn median(histogram: &[u64; 256]) -> u8 {
    let half = histogram.iter().sum::<u64>().div_ceil(2);
    let mut seen = 0;
    for (v, &n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= half.max(1) {
            return v as u8;
        }
    }
    255
}

/// The darkest grey of the page, ignoring the darkest 0.1% (dust and noise).
fn darkest(histogram: &[u64; 256]) -> u8 {
    let skip = histogram.iter().sum::<u64>() / 1000;
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
///
/// The window statistics change slowly over a window tens of pixels wide, so they are taken on the
/// page halved in both directions (a quarter of the work), giving one threshold for each 2x2 block;
/// every full-resolution pixel is then compared with its block's threshold.
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
    let small = halve(gray, limits)?;
    // The page-wide levels come from the half-size page too: its histogram is the page's, a
    // little smoothed.
    let histogram = histogram(&small.data);
    // Inside large dark areas the window sees no contrast; half of Otsu's level catches them.
    let dark = f32::from(otsu_from_histogram(&histogram)) * 0.5;
    // On a page with next to no ink the darkest grey is paper, and every pixel a shade below the
    // paper would turn black; ink is taken to be at least this far below the median.
    let min_gray =
        f32::from(darkest(&histogram).min(median(&histogram).saturating_sub(MIN_INK_CONTRAST)));
    let small_half = (half / 2).max(1);
    let range = contrast_range(&small, small_half);
    let inv_cols = inverse_columns(small.width as usize, small_half);
    let width = gray.width as usize;
    // Room for whole 64-pixel words of thresholds, as the pair kernel reads them.
    let mut thresholds = vec![0u8; width.div_ceil(64) * 32];
    let mut sums = WindowSums::new(&small, small_half);
    while let Some((sy, rows)) = sums.advance(true) {
        let args = SauvolaRow {
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
        kernels.sauvola_thresholds(&args, &mut thresholds);
        for y in [2 * sy, 2 * sy + 1] {
            if y < gray.height as usize {
                let row = &gray.data[y * width..][..width];
                kernels.pack_threshold_pairs(row, &thresholds, out.row_mut(y as u32));
            }
        }
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
    fn window_sums_match_brute_force() {
        for (w, h, half) in [(1, 1, 3), (5, 4, 1), (9, 7, 2), (40, 13, 4), (12, 30, 8)] {
            let g = page(w, h);
            let mut sums = WindowSums::new(&g, half);
            while let Some((y, rows)) = sums.advance(true) {
                let ys = y.saturating_sub(half)..(y + half + 1).min(h as usize);
                assert_eq!(rows, ys.len());
                for x in 0..w as usize {
                    let xs = x.saturating_sub(half)..(x + half + 1).min(w as usize);
                    let (mut s, mut q) = (0u32, 0u32);
                    for yy in ys.clone() {
                        for xx in xs.clone() {
                            let v = u32::from(g.data[yy * w as usize + xx]);
                            s += v;
                            q += v * v;
                        }
                    }
                    assert_eq!(
                        (sums.sum[x], sums.sum_sq[x]),
                        (s, q),
                        "{w}x{h} half {half} at {x},{y}"
                    );
                }
            }
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
