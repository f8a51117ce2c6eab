//! Mixed raster content (ITU-T T.44's three-layer model, as DjVu and PDF scanners use it): the
//! page's bilevel mask, and the two low-resolution colour layers it selects between — the
//! background with the ink removed, and the colour of the ink.
//!
//! Both colour layers are block means of the page at a lower resolution, taken only over the
//! pixels that belong to the layer (paper for the background, the dark core of the strokes for the
//! foreground). Blocks with none of those pixels are filled from ever coarser means of the layer
//! (push-pull), so the holes left by removed text are smooth and a JPEG spends nothing on them.

use crate::bitmap::{Bitmap, bits_at, last_word_mask};
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::page::{GrayImage, PageImage, RgbImage, luma_of};
use crate::prepare::analyse::Analysis;

/// Borrowed samples: grey (1 channel) or RGB (3, interleaved), rows packed without padding.
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 1 or 3.
    pub channels: usize,
    /// `channels * width * height` samples.
    pub data: &'a [u8],
}

impl<'a> Samples<'a> {
    /// The samples of a grey image.
    pub fn gray(g: &'a GrayImage) -> Self {
        Samples {
            width: g.width,
            height: g.height,
            channels: 1,
            data: &g.data,
        }
    }

    /// The samples of a colour image.
    pub fn rgb(c: &'a RgbImage) -> Self {
        Samples {
            width: c.width,
            height: c.height,
            channels: 3,
            data: &c.data,
        }
    }

    /// The samples of a grey or colour page; `None` for a bilevel one.
    pub fn of(image: &'a PageImage) -> Option<Self> {
        match image {
            PageImage::Bilevel(_) => None,
            PageImage::Gray(g) => Some(Self::gray(g)),
            PageImage::Rgb(c) => Some(Self::rgb(c)),
        }
    }

    /// The colour of pixel `i` (row-major index), as RGB.
    #[inline]
    pub fn rgb_at(&self, i: usize) -> [u8; 3] {
        if self.channels == 1 {
            [self.data[i]; 3]
        } else {
            let p = &self.data[3 * i..3 * i + 3];
            [p[0], p[1], p[2]]
        }
    }
}

/// Owned samples, as the colour layers are built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 1 or 3.
    pub channels: usize,
    /// `channels * width * height` samples.
    pub data: Vec<u8>,
}

impl Raster {
    /// Borrows the samples.
    pub fn samples(&self) -> Samples<'_> {
        Samples {
            width: self.width,
            height: self.height,
            channels: self.channels,
            data: &self.data,
        }
    }

    /// Whether every sample lies within `tolerance` of `colour`: a layer that shows nothing but
    /// plain paper (or one ink) need not be sent at all.
    pub fn is_plain(&self, colour: [u8; 3], tolerance: u8) -> bool {
        self.data.chunks_exact(self.channels).all(|p| {
            p.iter()
                .zip(colour)
                .all(|(&s, c)| s.abs_diff(c) <= tolerance)
        })
    }
}

/// `bitmap` with every black pixel grown into a square of side `2 * radius + 1`.
pub fn dilate(bitmap: &Bitmap, radius: u32, limits: &Limits) -> Result<Bitmap> {
    let (w, h) = (bitmap.width(), bitmap.height());
    let mut wide = Bitmap::new(w, h, limits)?;
    let r = i64::from(radius);
    let last = last_word_mask(w);
    for y in 0..h {
        let row = bitmap.row(y);
        let words = wide.row_mut(y);
        let n = words.len();
        for (i, out) in words.iter_mut().enumerate() {
            let start = 64 * i as i64;
            let mut word = 0;
            for dx in -r..=r {
                word |= bits_at(row, start + dx);
            }
            *out = if i + 1 == n { word & last } else { word };
        }
    }
    let mut out = Bitmap::new(w, h, limits)?;
    for y in 0..h {
        let (from, to) = (y.saturating_sub(radius), (y + radius).min(h - 1));
        let mut acc = out.row(y).to_vec();
        for source in from..=to {
            acc.iter_mut()
                .zip(wide.row(source))
                .for_each(|(a, &b)| *a |= b);
        }
        out.row_mut(y).copy_from_slice(&acc);
    }
    Ok(out)
}

/// `samples` shrunk `factor` times in both directions: each low-resolution sample is the mean of
/// the full-resolution pixels under it that are black in the first of `keep` that has any there;
/// blocks where none has any are filled by push-pull from coarser means, and a layer with no kept
/// pixel at all is `fill`. The bitmaps must be the size of the samples.
pub fn shrink_where(
    samples: &Samples<'_>,
    factor: u32,
    keep: &[&Bitmap],
    fill: [u8; 3],
) -> Result<Raster> {
    let pixels = samples.width as usize * samples.height as usize;
    let sized = |b: &&Bitmap| (b.width(), b.height()) == (samples.width, samples.height);
    if samples.data.len() != pixels * samples.channels || !keep.iter().all(sized) {
        return Err(Error::Parameter(
            "shrink_where: the samples and bitmaps differ in size".into(),
        ));
    }
    let factor = factor.max(1);
    let (lw, lh) = (
        samples.width.div_ceil(factor) as usize,
        samples.height.div_ceil(factor) as usize,
    );
    let ch = samples.channels;
    // For each of `keep`, per block: sums of each channel and the count.
    // A block's sum fits in 32 bits up to factors of 4,000 (255 x 4,000^2 < 2^32).
    let mut sums = vec![vec![0u32; lw * lh * ch]; keep.len()];
    let mut counts = vec![vec![0u32; lw * lh]; keep.len()];
    let width = samples.width as usize;
    for y in 0..samples.height {
        let by = y as usize / factor as usize;
        for (k, bitmap) in keep.iter().enumerate() {
            let row = bitmap.row(y);
            for (wi, &word) in row.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let lead = bits.leading_zeros() as usize;
                    bits &= !(1u64 << (63 - lead));
                    let x = 64 * wi + lead;
                    let block = by * lw + x / factor as usize;
                    let i = y as usize * width + x;
                    for c in 0..ch {
                        sums[k][block * ch + c] += u32::from(samples.data[i * ch + c]);
                    }
                    counts[k][block] += 1;
                }
            }
        }
    }
    let mut level = Level::empty(lw, lh, ch);
    for block in 0..lw * lh {
        if let Some(k) = (0..keep.len()).find(|&k| counts[k][block] > 0) {
            level.counts[block] = counts[k][block] as f32;
            for c in 0..ch {
                level.sums[block * ch + c] = sums[k][block * ch + c] as f32;
            }
        }
    }
    let means = level.filled(fill);
    Ok(Raster {
        width: lw as u32,
        height: lh as u32,
        channels: ch,
        data: means
            .iter()
            .map(|&v| v.round().clamp(0.0, 255.0) as u8)
            .collect(),
    })
}

/// One level of the push-pull pyramid: per block, channel sums and a pixel count.
struct Level {
    width: usize,
    height: usize,
    channels: usize,
    sums: Vec<f32>,
    counts: Vec<f32>,
}

impl Level {
    /// A level of `width` x `height` blocks of `channels` channels, with no pixels yet.
    fn empty(width: usize, height: usize, channels: usize) -> Level {
        Level {
            width,
            height,
            channels,
            sums: vec![0.0; width * height * channels],
            counts: vec![0.0; width * height],
        }
    }

    /// Each block's mean, blocks without pixels taking the mean of the coarser block above them
    /// (pull after push), and `fill` when the whole level is empty.
    fn filled(&self, fill: [u8; 3]) -> Vec<f32> {
        let ch = self.channels;
        let empty = self.counts.iter().all(|&n| n == 0.0);
        if empty {
            let fill: Vec<f32> = fill[..ch].iter().map(|&v| f32::from(v)).collect();
            return fill.repeat(self.width * self.height);
        }
        let coarse = if self.counts.contains(&0.0) {
            Some(self.coarser().filled(fill))
        } else {
            None
        };
        let (cw, chh) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let mut means = vec![0.0; self.width * self.height * ch];
        for y in 0..self.height {
            for x in 0..self.width {
                let b = y * self.width + x;
                match (&coarse, self.counts[b]) {
                    (Some(coarse), 0.0) => {
                        // Bilinear between the centres of the coarser blocks around this one,
                        // so filled holes are smooth.
                        let (fx, fy) = (x as f32 / 2.0 - 0.25, y as f32 / 2.0 - 0.25);
                        let (x0, y0) = (fx.floor().max(0.0), fy.floor().max(0.0));
                        let (tx, ty) = ((fx - x0).clamp(0.0, 1.0), (fy - y0).clamp(0.0, 1.0));
                        let (x0, y0) = (x0 as usize, y0 as usize);
                        let (x1, y1) = ((x0 + 1).min(cw - 1), (y0 + 1).min(chh - 1));
                        for c in 0..ch {
                            let at = |xx: usize, yy: usize| coarse[(yy * cw + xx) * ch + c];
                            let top = at(x0, y0) * (1.0 - tx) + at(x1, y0) * tx;
                            let bottom = at(x0, y1) * (1.0 - tx) + at(x1, y1) * tx;
                            means[b * ch + c] = top * (1.0 - ty) + bottom * ty;
                        }
                    }
                    (_, n) => {
                        for c in 0..ch {
                            means[b * ch + c] = self.sums[b * ch + c] / n;
                        }
                    }
                }
            }
        }
        means
    }

    /// The level of 2x2 blocks.
    fn coarser(&self) -> Level {
        let ch = self.channels;
        let (cw, chh) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let mut up = Level::empty(cw, chh, ch);
        for y in 0..self.height {
            for x in 0..self.width {
                let (b, u) = (y * self.width + x, (y / 2) * cw + x / 2);
                up.counts[u] += self.counts[b];
                for c in 0..ch {
                    up.sums[u * ch + c] += self.sums[b * ch + c];
                }
            }
        }
        up
    }
}

/// A colour layer of a mixed raster page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    /// One colour everywhere: nothing to send but the colour.
    Plain([u8; 3]),
    /// An image at a lower resolution than the page.
    Image(Raster),
}

/// The colour layers of a mixed raster page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MrcLayers {
    /// The page with the ink removed.
    pub background: Layer,
    /// The colour of the ink, shown through the mask.
    pub foreground: Layer,
}

/// The background's resolution: about 100 dpi, which keeps pictures and tints recognisable
/// while the text, which needs more, is in the mask.
pub fn background_factor(dpi: f64) -> u32 {
    (dpi / 100.0).round().max(1.0) as u32
}

/// The foreground's resolution: about 50 dpi, enough to give each stroke its ink's colour.
pub fn foreground_factor(dpi: f64) -> u32 {
    (dpi / 25.0).round().max(1.0) as u32
}

/// A layer within this many levels of one colour in every channel is sent as that colour.
const PLAIN_TOLERANCE: u8 = 24;

/// Separates a page into its colour layers, given its `mask` and what
/// [`crate::prepare::analyse`] found: the paper and ink colours, whether the ink is all one, and
/// the ink with its blurred edge.
///
/// The background leaves out the ink and its blurred edge; the foreground takes the colour of
/// each block's darker ink pixels (its stroke cores), or of all its ink where none is darker.
pub fn separate(
    samples: &Samples<'_>,
    luma: &[u8],
    mask: &Bitmap,
    analysis: &Analysis,
    dpi: f64,
) -> Result<MrcLayers> {
    let (paper, ink) = (analysis.paper, analysis.ink);
    let mut away = analysis.near_ink.clone();
    away.invert();
    if luma.len() != samples.width as usize * samples.height as usize {
        return Err(Error::Parameter(
            "separate: the samples and grey levels differ in size".into(),
        ));
    }
    let background = shrink_where(samples, background_factor(dpi), &[&away], paper)?;
    drop(away);
    let background = match background.is_plain(paper, PLAIN_TOLERANCE) {
        true => Layer::Plain(paper),
        false => Layer::Image(background),
    };
    let foreground = if analysis.one_ink {
        Layer::Plain(ink)
    } else {
        let below = luma_of(ink).saturating_add(luma_of(paper).saturating_sub(luma_of(ink)) / 2);
        let mut core = mask.clone();
        let width = samples.width as usize;
        for y in 0..mask.height() {
            for (wi, word) in core.row_mut(y).iter_mut().enumerate() {
                let mut bits = *word;
                while bits != 0 {
                    let lead = bits.leading_zeros();
                    bits &= !(1u64 << (63 - lead));
                    let x = 64 * wi + lead as usize;
                    if luma[y as usize * width + x] >= below {
                        *word &= !(1u64 << (63 - lead));
                    }
                }
            }
        }
        let colours = shrink_where(samples, foreground_factor(dpi), &[&core, mask], ink)?;
        match colours.is_plain(ink, PLAIN_TOLERANCE) {
            true => Layer::Plain(ink),
            false => Layer::Image(colours),
        }
    };
    Ok(MrcLayers {
        background,
        foreground,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::analyse::analyse;

    fn limits() -> Limits {
        Limits::default()
    }

    /// Grey samples of `width` x `height`.
    fn grey(width: u32, height: u32, data: &[u8]) -> Samples<'_> {
        Samples {
            width,
            height,
            channels: 1,
            data,
        }
    }

    #[test]
    fn dilation_grows_a_pixel_into_a_square_and_stays_inside_the_page() {
        let mut b = Bitmap::new(130, 10, &limits()).unwrap();
        b.set(64, 5, true);
        b.set(129, 0, true);
        let d = dilate(&b, 2, &limits()).unwrap();
        assert_eq!(d.count_ink(), 25 + 9);
        assert!(d.get(62, 3) && d.get(66, 7) && !d.get(61, 5) && !d.get(64, 8));
        assert!(d.get(127, 2) && d.get(129, 0));
        let unchanged = dilate(&b, 0, &limits()).unwrap();
        assert_eq!(unchanged, b);
    }

    #[test]
    fn shrinking_averages_only_the_kept_pixels_and_fills_holes_from_around() {
        // 8x4 grey: left half 200, right half 100, and a black stroke at x = 1 that is not kept.
        let mut data = vec![0u8; 32];
        for y in 0..4 {
            for x in 0..8 {
                data[y * 8 + x] = if x < 4 { 200 } else { 100 };
            }
            data[y * 8 + 1] = 0;
        }
        let samples = grey(8, 4, &data);
        let mut paper = Bitmap::new(8, 4, &limits()).unwrap();
        for y in 0..4 {
            for x in [0, 2, 3, 4, 5, 6, 7] {
                paper.set(x, y, true);
            }
        }
        let small = shrink_where(&samples, 2, &[&paper], [255; 3]).unwrap();
        assert_eq!((small.width, small.height), (4, 2));
        assert_eq!(small.data, vec![200, 200, 100, 100, 200, 200, 100, 100]);
        // A block with nothing kept takes the mean of the coarser block around it.
        let mut left = Bitmap::new(8, 4, &limits()).unwrap();
        left.set(4, 0, true);
        let small = shrink_where(&samples, 4, &[&left], [255; 3]).unwrap();
        assert_eq!(small.data, vec![100, 100]);
        let none = Bitmap::new(8, 4, &limits()).unwrap();
        let small = shrink_where(&samples, 4, &[&none], [7; 3]).unwrap();
        assert_eq!(small.data, vec![7, 7]);
    }

    #[test]
    fn bitmaps_of_another_size_are_an_error_not_a_panic() {
        let data = [0u8; 12];
        let samples = grey(4, 3, &data);
        let wrong = Bitmap::new(5, 3, &limits()).unwrap();
        assert!(shrink_where(&samples, 2, &[&wrong], [255; 3]).is_err());
        let short = Samples {
            data: &data[..11],
            ..samples
        };
        let right = Bitmap::new(4, 3, &limits()).unwrap();
        assert!(shrink_where(&short, 2, &[&right], [255; 3]).is_err());
        let analysis = analyse(&samples, &data, &right, 300.0, &limits()).unwrap();
        assert!(separate(&samples, &data[..5], &right, &analysis, 300.0).is_err());
    }

    #[test]
    fn the_first_bitmap_with_pixels_in_a_block_decides_its_mean() {
        let data = [10u8, 20, 30, 40];
        let samples = grey(4, 1, &data);
        let mut first = Bitmap::new(4, 1, &limits()).unwrap();
        first.set(0, 0, true);
        let mut second = Bitmap::new(4, 1, &limits()).unwrap();
        for x in 0..4 {
            second.set(x, 0, true);
        }
        let small = shrink_where(&samples, 2, &[&first, &second], [255; 3]).unwrap();
        assert_eq!(small.data, vec![10, 35]);
    }
}
