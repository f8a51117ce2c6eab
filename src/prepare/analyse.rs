//! What a grey or colour page holds, and so how it should be coded: text and line art alone
//! (binarised, a bilevel codec), text with pictures or coloured ink (mixed raster content), or a
//! photograph (progressive JPEG). Blank pages are recognised and said, never dropped.
//!
//! The page is compared with what its bilevel mask alone would show — paper everywhere but the
//! ink, the ink one colour. The page is cut into tiles about a tenth of an inch square; a tile
//! holds picture when much of its paper, away from the ink, is not the paper's colour or not even
//! (a photo, a logo, a stamp's tint, a highlighter), when it is mostly mid-tones, or when its ink
//! is large and textured (a dark photo the threshold turned black); it holds faint marks when
//! some of its paper is a little darker than the paper (faint print, pencil, a light stamp the
//! threshold left out). Ink is coloured when the dark core of the strokes is far from grey. A page
//! is a photograph when picture fills most of it, or much of it with no bare paper between or
//! with its ink in solid areas rather than strokes.

use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::prepare::binarize::median;
use crate::prepare::layers::{Samples, dilate};

/// What a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Next to no ink and no pictures. Kept, and coded as text.
    Blank,
    /// Text and line art in one ink on plain paper: the bilevel mask, painted in the ink's colour
    /// on the paper's, says it all.
    Text,
    /// Text with pictures, faint marks or inks of several colours: mixed raster content.
    Mixed,
    /// A picture over most of the page: a JPEG.
    Photo,
}

/// What [`analyse`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The verdict.
    pub content: Content,
    /// The paper's colour: the mean of the pixels near the commonest light level away from ink.
    pub paper: [u8; 3],
    /// The ink's colour: the mean of the darker half of the strokes' dark cores (a stroke's centre,
    /// which the eye takes for its colour; the mask paints the whole stroke in it).
    pub ink: [u8; 3],
    /// Whether all ink is near one colour, so the mask can be painted in [`Analysis::ink`].
    pub one_ink: bool,
    /// The share of the page's tiles that hold picture.
    pub picture: f64,
    /// The share of the page's pixels in the mask.
    pub ink_cover: f64,
    /// The share of the ink's cores that is coloured.
    pub coloured_ink: f64,
    /// The reasons, for the report.
    pub reason: String,
    /// The mask grown by [`ink_margin`]: the strokes and their blurred edges, which are not
    /// paper (and which the background of a mixed raster page leaves out).
    pub near_ink: Bitmap,
}

/// A light pixel away from ink is paper when no channel differs from the paper's by more than
/// this; more, and it is picture (scanner noise and JPEG ringing stay well below it).
const PAPER_TOLERANCE: u8 = 40;
/// A tile holds picture when more than this share of its paper pixels are not paper.
const PICTURE_PIXELS: f64 = 0.25;
/// ... or when the grey of its paper pixels has a standard deviation above this (paper is even
/// over a tenth of an inch; scanner noise and JPEG ringing stay well below it) ...
const PAPER_TEXTURE: f64 = 20.0;
/// ... or when ink covers more than half of it with a grey standard deviation above this ...
const TEXTURED_INK: f64 = 28.0;
/// ... or when more than this share of its pixels are mid-tones, between 30% and 70% of the way
/// from the ink's grey to the paper's: print and handwriting are ink and paper with thin blurred
/// edges between, a photograph (even one a threshold breaks into specks) is mostly mid-tones.
const MID_TONES: f64 = 0.5;
/// Mid-tones are looked for only when ink and paper differ by at least this many levels: faint
/// print is all edges.
const MID_TONE_RANGE: i32 = 64;
/// The core of a stroke is coloured when its channels spread more than this (max - min).
const COLOURED: u8 = 56;
/// Inks are one when the standard deviations of the cores' red and blue, each less green (their
/// hue, with the lightness that varies within one ink taken out), are below this.
const ONE_INK_SPREAD: f64 = 16.0;
/// A page is blank when the mask covers less than this share of it and no tile holds picture.
const BLANK_INK: f64 = 0.0005;
/// A page is mixed when at least this share of its tiles, and at least [`MIN_PICTURE_TILES`],
/// hold picture ...
const MIXED_PICTURE: f64 = 0.002;
const MIN_PICTURE_TILES: usize = 4;
/// ... or when at least this share of its tiles hold faint marks the mask leaves out: paper
/// pixels away from the ink more than [`FAINT_LEVELS`] darker than the paper, over
/// [`FAINT_PIXELS`] of the tile's paper (faint print, pencil, a light stamp), which the background
/// layer keeps ...
const MIXED_FAINT: f64 = 0.01;
const FAINT_LEVELS: u8 = 16;
const FAINT_PIXELS: f64 = 0.1;
/// ... or when more than this share of its ink is coloured.
const MIXED_COLOURED_INK: f64 = 0.02;
/// A page is a photograph when picture fills more than this share of its tiles ...
const PHOTO_PICTURE: f64 = 0.6;
/// ... or more than this share, with less than [`PHOTO_BARE_PAPER`] of its tiles bare paper
/// (even, within [`BARE_STD`] levels, and the paper's grey): a page of text always has margins
/// and gaps between lines; a photograph has none.
const PHOTO_WITHOUT_PAPER: f64 = 0.2;
const PHOTO_BARE_PAPER: f64 = 0.05;
const BARE_STD: f64 = 12.0;
/// ... or with more than this share of its ink solid: further than 1/50 inch from the mask's
/// edge, where strokes of print and handwriting never reach and the dark areas of a
/// photograph do.
const PHOTO_SOLID_INK: f64 = 0.4;

/// The radius around ink within which pixels are left out of the paper (a stroke's blurred edge)
/// at `dpi`: 1/150 inch, at least a pixel.
pub fn ink_margin(dpi: f64) -> u32 {
    (dpi / 150.0).round().max(1.0) as u32
}

/// Analyses a page: `samples` its pixels, `luma` their grey levels, `mask` its binarisation.
pub fn analyse(
    samples: &Samples<'_>,
    luma: &[u8],
    mask: &Bitmap,
    dpi: f64,
    limits: &Limits,
) -> Result<Analysis> {
    let (w, h) = (samples.width as usize, samples.height as usize);
    if luma.len() != w * h
        || samples.data.len() != w * h * samples.channels
        || (mask.width(), mask.height()) != (samples.width, samples.height)
    {
        return Err(Error::Parameter(
            "analyse: the samples, grey levels and mask differ in size".into(),
        ));
    }
    let pixels = (w * h).max(1);
    let near_ink = dilate(mask, ink_margin(dpi), limits)?;
    let mut solid = mask.clone();
    solid.invert();
    let mut solid = dilate(&solid, (dpi / 50.0).round().max(1.0) as u32, limits)?;
    solid.invert();
    let solid_ink = solid.count_ink() as f64 / mask.count_ink().max(1) as f64;
    let is = |b: &Bitmap, x: usize, y: usize| (b.row(y as u32)[x / 64] >> (63 - x % 64)) & 1 == 1;

    // The paper: the median grey away from ink, then the mean colour of pixels near it.
    let mut paper_hist = [0u64; 256];
    let mut ink_hist = [0u64; 256];
    for y in 0..h {
        for x in 0..w {
            let l = luma[y * w + x] as usize;
            if is(mask, x, y) {
                ink_hist[l] += 1;
            } else if !is(&near_ink, x, y) {
                paper_hist[l] += 1;
            }
        }
    }
    let paper_luma = median(&paper_hist);
    let ink_luma = match ink_hist.iter().any(|&n| n > 0) {
        true => median(&ink_hist),
        false => 0,
    };
    let mut paper_sum = [0u64; 3];
    let mut paper_n = 0u64;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !is(&near_ink, x, y) && luma[i].abs_diff(paper_luma) <= 16 {
                samples
                    .rgb_at(i)
                    .iter()
                    .zip(&mut paper_sum)
                    .for_each(|(&v, s)| *s += u64::from(v));
                paper_n += 1;
            }
        }
    }
    let paper = mean_colour(paper_sum, paper_n, [255; 3]);

    // Tiles: paper pixels, those of them that are not paper, and the ink's grey statistics.
    let side = (dpi / 10.0).round().max(8.0) as usize;
    let (tw, th) = (w.div_ceil(side), h.div_ceil(side));
    let mut tiles = vec![Tile::default(); tw * th];
    // Ink cores (darker than halfway to the paper): their hues, and how many are coloured.
    let core_below = ink_luma.saturating_add(paper_luma.saturating_sub(ink_luma) / 2);
    let range = i32::from(paper_luma) - i32::from(ink_luma);
    let mid_tones = match range >= MID_TONE_RANGE {
        true => (
            i32::from(ink_luma) + range * 3 / 10,
            i32::from(ink_luma) + range * 7 / 10,
        ),
        false => (256, 256),
    };
    let mut core = Moments::default();
    // Per grey level of the cores: count and colour sums, for the darker half's mean.
    let mut core_levels = vec![[0u64; 4]; 256];
    let mut coloured = 0u64;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let tile = &mut tiles[(y / side) * tw + x / side];
            let l = luma[i];
            tile.sum += f64::from(l);
            tile.sq += f64::from(l) * f64::from(l);
            tile.mid += u64::from((mid_tones.0..=mid_tones.1).contains(&i32::from(l)));
            if is(mask, x, y) {
                tile.ink += 1;
                tile.ink_sum += f64::from(l);
                tile.ink_sq += f64::from(l) * f64::from(l);
                if l < core_below {
                    let c = samples.rgb_at(i);
                    core.add(c);
                    let level = &mut core_levels[usize::from(l)];
                    level[0] += 1;
                    level
                        .iter_mut()
                        .skip(1)
                        .zip(c)
                        .for_each(|(s, v)| *s += u64::from(v));
                    let spread = c.iter().max().unwrap_or(&0) - c.iter().min().unwrap_or(&0);
                    coloured += u64::from(spread > COLOURED);
                }
            } else if !is(&near_ink, x, y) {
                tile.paper += 1;
                tile.paper_sum += f64::from(l);
                tile.paper_sq += f64::from(l) * f64::from(l);
                let c = samples.rgb_at(i);
                let off = c
                    .iter()
                    .zip(paper)
                    .any(|(&v, p)| v.abs_diff(p) > PAPER_TOLERANCE);
                tile.off_paper += u64::from(off);
                tile.faint += u64::from(l < paper_luma.saturating_sub(FAINT_LEVELS));
            }
        }
    }
    let picture_tiles = tiles
        .iter()
        .filter(|t| t.is_picture((side * side) as u64))
        .count();
    let picture = picture_tiles as f64 / tiles.len().max(1) as f64;
    // Edge tiles are partly outside the page; only whole ones are counted as bare.
    let whole = |i: usize| (i % tw + 1) * side <= w && (i / tw + 1) * side <= h;
    let bare = (0..tiles.len())
        .filter(|&i| whole(i) && tiles[i].is_bare((side * side) as u64, paper_luma))
        .count() as f64
        / tiles.len().max(1) as f64;
    let faint_tiles = tiles
        .iter()
        .filter(|t| t.faint as f64 > FAINT_PIXELS * t.paper.max(1) as f64)
        .count();
    let faint = faint_tiles as f64 / tiles.len().max(1) as f64;
    let ink_cover = mask.count_ink() as f64 / pixels as f64;
    let coloured_ink = coloured as f64 / core.n.max(1) as f64;
    let one_ink = core.spread() < ONE_INK_SPREAD;
    let ink = darker_half(&core_levels);

    let content = if ink_cover < BLANK_INK && picture_tiles == 0 {
        Content::Blank
    } else if picture > PHOTO_PICTURE
        || (picture > PHOTO_WITHOUT_PAPER
            && (bare < PHOTO_BARE_PAPER || solid_ink > PHOTO_SOLID_INK))
    {
        Content::Photo
    } else if (picture >= MIXED_PICTURE && picture_tiles >= MIN_PICTURE_TILES)
        || (faint >= MIXED_FAINT && faint_tiles >= MIN_PICTURE_TILES)
        || coloured_ink > MIXED_COLOURED_INK
    {
        Content::Mixed
    } else {
        Content::Text
    };
    let verdict = match content {
        Content::Blank => "blank page (kept)",
        Content::Text => "text and line art",
        Content::Mixed => "text with pictures or coloured ink",
        Content::Photo => "photograph",
    };
    let reason = format!(
        "analysis: {verdict}: picture on {:.1}% of the page, faint marks outside the mask on \
         {:.1}%, bare paper on {:.1}%, ink on \
         {:.2}% ({:.0}% of it solid), {:.1}% of the ink coloured{}; paper rgb({},{},{})",
        100.0 * picture,
        100.0 * faint,
        100.0 * bare,
        100.0 * ink_cover,
        100.0 * solid_ink,
        100.0 * coloured_ink,
        if one_ink {
            ""
        } else {
            ", inks of several colours"
        },
        paper[0],
        paper[1],
        paper[2],
    );
    Ok(Analysis {
        near_ink,
        content,
        paper,
        ink,
        one_ink,
        picture,
        ink_cover,
        coloured_ink,
        reason,
    })
}

/// Per tile counts.
#[derive(Clone, Copy, Debug, Default)]
struct Tile {
    sum: f64,
    sq: f64,
    mid: u64,
    paper: u64,
    paper_sum: f64,
    paper_sq: f64,
    off_paper: u64,
    faint: u64,
    ink: u64,
    ink_sum: f64,
    ink_sq: f64,
}

/// The standard deviation of `n` values of sum `sum` and sum of squares `sq`.
fn std(n: u64, sum: f64, sq: f64) -> f64 {
    let (n, mean) = (n as f64, sum / n as f64);
    (sq / n - mean * mean).max(0.0).sqrt()
}

impl Tile {
    /// Whether the tile, of `area` pixels, is bare paper of grey `paper`.
    fn is_bare(&self, area: u64, paper: u8) -> bool {
        let mean = self.sum / area as f64;
        std(area, self.sum, self.sq) < BARE_STD && (mean - f64::from(paper)).abs() < 24.0
    }

    /// Whether the tile, of `area` pixels, holds picture.
    fn is_picture(&self, area: u64) -> bool {
        let off = self.paper * 4 >= area
            && (self.off_paper as f64 > PICTURE_PIXELS * self.paper as f64
                || std(self.paper, self.paper_sum, self.paper_sq) > PAPER_TEXTURE);
        let textured =
            self.ink * 2 > area && std(self.ink, self.ink_sum, self.ink_sq) > TEXTURED_INK;
        off || textured || self.mid as f64 > MID_TONES * area as f64
    }
}

/// Sums and squares of colours' red and blue less green.
#[derive(Clone, Copy, Debug, Default)]
struct Moments {
    n: u64,
    hue_sum: [f64; 2],
    hue_sq: [f64; 2],
}

impl Moments {
    fn add(&mut self, c: [u8; 3]) {
        self.n += 1;
        let [r, g, b] = c.map(f64::from);
        for (k, d) in [r - g, b - g].into_iter().enumerate() {
            self.hue_sum[k] += d;
            self.hue_sq[k] += d * d;
        }
    }

    /// The larger standard deviation of red less green and of blue less green.
    fn spread(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let n = self.n as f64;
        (0..2)
            .map(|k| {
                let m = self.hue_sum[k] / n;
                (self.hue_sq[k] / n - m * m).max(0.0).sqrt()
            })
            .fold(0.0, f64::max)
    }
}

/// The mean colour of the darker half of the pixels counted in `levels` (per grey level: count
/// and colour sums); black when there are none.
fn darker_half(levels: &[[u64; 4]]) -> [u8; 3] {
    let total: u64 = levels.iter().map(|l| l[0]).sum();
    let (mut n, mut sum) = (0u64, [0u64; 3]);
    for level in levels {
        if n > 0 && 2 * n >= total {
            break;
        }
        n += level[0];
        sum.iter_mut().zip(&level[1..]).for_each(|(s, &v)| *s += v);
    }
    mean_colour(sum, n, [0; 3])
}

fn mean_colour(sum: [u64; 3], n: u64, empty: [u8; 3]) -> [u8; 3] {
    if n == 0 {
        return empty;
    }
    sum.map(|s| ((s + n / 2) / n).min(255) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Threshold;
    use crate::page::RgbImage;
    use crate::prepare::binarize::binarize;

    /// A 300 dpi page of `w` x `h` paper (250, 248, 240) with black "text" bars, plus whatever
    /// `paint` adds.
    fn page(w: u32, h: u32, paint: impl Fn(u32, u32) -> Option<[u8; 3]>) -> (RgbImage, Bitmap) {
        let limits = Limits::default();
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let text = (y % 40) < 12 && (x % 16) < 9 && y > 40 && y < h - 40;
                let c = if let Some(c) = paint(x, y) {
                    c
                } else if text {
                    [20, 20, 25]
                } else {
                    [250, 248, 240]
                };
                data.extend(c);
            }
        }
        let image = RgbImage {
            width: w,
            height: h,
            data,
        };
        let (mask, _) = binarize(&image.to_gray(), 300.0, Threshold::Auto, &limits).unwrap();
        (image, mask)
    }

    fn run(image: &RgbImage, mask: &Bitmap) -> Analysis {
        let luma = image.to_gray().data;
        analyse(&Samples::rgb(image), &luma, mask, 300.0, &Limits::default()).unwrap()
    }

    #[test]
    fn plain_text_is_text_and_the_paper_and_ink_are_measured() {
        let (image, mask) = page(600, 600, |_, _| None);
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Text, "{}", a.reason);
        assert_eq!(a.paper, [250, 248, 240]);
        assert_eq!(a.ink, [20, 20, 25]);
        assert!(a.one_ink);
    }

    #[test]
    fn a_picture_makes_the_page_mixed_and_a_page_of_picture_a_photo() {
        // A textured photograph: a hash of the position in every channel.
        let photo = |x: u32, y: u32| {
            let v = (f64::from(x) / 7.0).sin() * (f64::from(y) / 11.0).cos();
            let l = (128.0 + 120.0 * v) as u8;
            Some([l, l / 4 * 3, l / 2 + 20])
        };
        let (image, mask) = page(600, 600, |x, y| {
            (x > 100 && x < 300 && y > 100 && y < 250).then(|| photo(x, y).unwrap())
        });
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Mixed, "{}", a.reason);
        let (image, mask) = page(600, 600, photo);
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Photo, "{}", a.reason);
    }

    #[test]
    fn coloured_ink_makes_the_page_mixed_with_several_inks() {
        let (image, mask) = page(600, 600, |x, y| {
            ((y % 40) < 12 && (x % 16) < 9 && x > 300 && y > 40 && y < 560).then_some([20, 40, 170])
        });
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Mixed, "{}", a.reason);
        assert!(!a.one_ink);
    }

    #[test]
    fn faint_print_the_mask_leaves_out_makes_the_page_mixed() {
        // Dark text above, print only 25 levels below the paper beneath it.
        let (image, mask) = page(600, 600, |x, y| {
            (y > 300 && (y % 40) < 12 && (x % 16) < 9 && y < 560).then_some([225, 223, 215])
        });
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Mixed, "{}", a.reason);
        assert!(a.reason.contains("faint marks outside the mask on"));
    }

    #[test]
    fn inputs_of_different_sizes_are_an_error() {
        let (image, mask) = page(64, 64, |_, _| None);
        let luma = image.to_gray().data;
        let samples = Samples::rgb(&image);
        let limits = Limits::default();
        assert!(analyse(&samples, &luma[1..], &mask, 300.0, &limits).is_err());
        let other = Bitmap::new(63, 64, &limits).unwrap();
        assert!(analyse(&samples, &luma, &other, 300.0, &limits).is_err());
    }

    #[test]
    fn an_empty_page_is_blank() {
        // Paper with one speck of dust.
        let (image, mask) = page(600, 600, |x, y| {
            Some(match (100..103).contains(&x) && (100..103).contains(&y) {
                true => [0, 0, 0],
                false => [250, 248, 240],
            })
        });
        assert!(mask.count_ink() > 0);
        let a = run(&image, &mask);
        assert_eq!(a.content, Content::Blank, "{}", a.reason);
    }
}
