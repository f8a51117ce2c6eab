//! [`Page`]: one decoded page of an input document, with its resolution.

use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::Limits;

/// An 8-bit grey image, `0 = black`, `255 = white`, rows packed without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` samples, row after row.
    pub data: Vec<u8>,
}

/// An 8-bit RGB image, samples interleaved, rows packed without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `3 * width * height` samples, row after row.
    pub data: Vec<u8>,
}

impl RgbImage {
    /// Luma, pixel by pixel ([`luma_of`]).
    pub fn to_gray(&self) -> GrayImage {
        let data = self
            .data
            .chunks_exact(3)
            .map(|p| luma_of([p[0], p[1], p[2]]))
            .collect();
        GrayImage {
            width: self.width,
            height: self.height,
            data,
        }
    }
}

/// The grey of an RGB colour: ITU-R BT.601 luma, in integers so every platform gives the same.
pub fn luma_of(colour: [u8; 3]) -> u8 {
    let [r, g, b] = colour.map(u32::from);
    ((r * 299 + g * 587 + b * 114 + 500) / 1000) as u8
}

/// The pixels of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageImage {
    /// Already bilevel.
    Bilevel(Bitmap),
    /// Grey.
    Gray(GrayImage),
    /// Colour.
    Rgb(RgbImage),
}

impl PageImage {
    /// The simplest kind that holds `width` x `height` grey samples exactly: bilevel when every
    /// pixel is pure black or white (so no binarisation, and nothing lossy, happens later).
    pub fn from_gray(width: u32, height: u32, data: Vec<u8>, limits: &Limits) -> Result<PageImage> {
        let gray = GrayImage {
            width,
            height,
            data,
        };
        if gray.data.iter().all(|&v| v == 0 || v == 255) {
            let mut bitmap = Bitmap::new(gray.width, gray.height, limits)?;
            crate::simd::pack_threshold_image(&gray.data, gray.width, 128, &mut bitmap);
            return Ok(PageImage::Bilevel(bitmap));
        }
        Ok(PageImage::Gray(gray))
    }

    /// The simplest kind that holds `width` x `height` RGB samples exactly: grey (or bilevel)
    /// when every pixel is grey.
    pub fn from_rgb(width: u32, height: u32, data: Vec<u8>, limits: &Limits) -> Result<PageImage> {
        if data.chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]) {
            let gray = data.chunks_exact(3).map(|p| p[0]).collect();
            return PageImage::from_gray(width, height, gray, limits);
        }
        Ok(PageImage::Rgb(RgbImage {
            width,
            height,
            data,
        }))
    }

    /// Width and height in pixels.
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            PageImage::Bilevel(b) => (b.width(), b.height()),
            PageImage::Gray(g) => (g.width, g.height),
            PageImage::Rgb(c) => (c.width, c.height),
        }
    }

    /// The grey levels of the page (BT.601 luma for colour), borrowed where it is grey already.
    pub fn luma(&self) -> std::borrow::Cow<'_, GrayImage> {
        match self {
            PageImage::Bilevel(b) => std::borrow::Cow::Owned(GrayImage {
                width: b.width(),
                height: b.height(),
                data: b.to_gray(),
            }),
            PageImage::Gray(g) => std::borrow::Cow::Borrowed(g),
            PageImage::Rgb(c) => std::borrow::Cow::Owned(c.to_gray()),
        }
    }

    /// "bilevel", "grey" or "colour".
    pub fn kind(&self) -> &'static str {
        match self {
            PageImage::Bilevel(_) => "bilevel",
            PageImage::Gray(_) => "grey",
            PageImage::Rgb(_) => "colour",
        }
    }
}

/// A sample with straight alpha composited over white paper.
fn over_white(value: u8, alpha: u8) -> u8 {
    let (v, a) = (u32::from(value), u32::from(alpha));
    ((v * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Grey-alpha samples composited over white paper.
pub(crate) fn gray_over_white(gray_alpha: &[u8]) -> Vec<u8> {
    gray_alpha
        .chunks_exact(2)
        .map(|p| over_white(p[0], p[1]))
        .collect()
}

/// RGBA samples composited over white paper, as RGB.
pub(crate) fn rgb_over_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [0, 1, 2].map(|i| over_white(p[i], p[3])))
        .collect()
}

/// A page's resolution in dots per inch, and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// Horizontal dpi.
    pub x: f64,
    /// Vertical dpi.
    pub y: f64,
    /// Why the file's own value was not used, when it was not.
    pub estimated: Option<String>,
}

/// Resolutions a scanner is commonly set to, for estimates.
const COMMON_DPI: [f64; 9] = [
    100.0, 150.0, 200.0, 240.0, 300.0, 400.0, 600.0, 800.0, 1200.0,
];

/// The long side of the paper assumed when a resolution has to be estimated: between A4 (11.69 in)
/// and US Letter (11 in).
const ASSUMED_LONG_SIDE_INCHES: f64 = 11.4;

impl Resolution {
    /// Checks a resolution read from a file (`None` when the file gives none) against the page size,
    /// and falls back to an estimate when it is missing or absurd: scanners write 72 dpi on 300 dpi
    /// pages, or 1200 dpi on 300 dpi pages, and the page would come out meters wide or stamp-sized.
    pub fn checked(declared: Option<(f64, f64)>, width: u32, height: u32) -> Resolution {
        let long_px = f64::from(width.max(height));
        if let Some((x, y)) = declared {
            let plausible_dpi = |d: f64| d.is_finite() && (50.0..=2400.0).contains(&d);
            let long_in = f64::from(width) / x.max(1e-9);
            let long_in = long_in.max(f64::from(height) / y.max(1e-9));
            if plausible_dpi(x) && plausible_dpi(y) && (3.0..=25.0).contains(&long_in) {
                return Resolution {
                    x,
                    y,
                    estimated: None,
                };
            }
            let guess = Self::estimate(long_px);
            return Resolution {
                x: guess,
                y: guess,
                estimated: Some(format!(
                    "declared {x:.0}x{y:.0} dpi makes a {width}x{height} page {long_in:.1} in long; \
                     using {guess:.0} dpi"
                )),
            };
        }
        let guess = Self::estimate(long_px);
        Resolution {
            x: guess,
            y: guess,
            estimated: Some(format!(
                "no resolution in the file; {guess:.0} dpi estimated from the page size"
            )),
        }
    }

    /// The common scanner resolution nearest to a letter-sized page of `long_px` pixels.
    fn estimate(long_px: f64) -> f64 {
        let raw = long_px / ASSUMED_LONG_SIDE_INCHES;
        COMMON_DPI
            .iter()
            .copied()
            .min_by(|a, b| (a - raw).abs().total_cmp(&(b - raw).abs()))
            .unwrap_or(300.0)
    }
}

/// One page of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The pixels.
    pub image: PageImage,
    /// The resolution.
    pub resolution: Resolution,
    /// Compressed bytes this page took in its source file, where that is known.
    pub source_bytes: Option<u64>,
    /// What reading the page had to repair or guess, for the report.
    pub notes: Vec<String>,
    /// Clockwise rotation in degrees, a multiple of 90, with which the page is shown (PDF /Rotate).
    pub rotate: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_resolutions_are_kept() {
        let r = Resolution::checked(Some((300.0, 300.0)), 2480, 3508);
        assert_eq!((r.x, r.estimated), (300.0, None));
        let fax = Resolution::checked(Some((204.0, 98.0)), 1728, 1082);
        assert_eq!((fax.x, fax.y), (204.0, 98.0));
        let card = Resolution::checked(Some((600.0, 600.0)), 2100, 1200);
        assert!(card.estimated.is_none());
    }

    #[test]
    fn absurd_resolutions_are_estimated_and_said() {
        // 72 dpi on a 300 dpi A4 page, 1200 dpi on a 300 dpi article, 72 dpi on a 400 dpi sheet.
        for (dpi, w, h, want) in [
            (72.0, 2480, 3508, 300.0),
            (1200.0, 2293, 3106, 300.0),
            (72.0, 4123, 5556, 400.0),
        ] {
            let r = Resolution::checked(Some((dpi, dpi)), w, h);
            assert_eq!(r.x, want, "{dpi} {w}x{h}");
            assert!(r.estimated.unwrap().contains("declared"));
        }
        let r = Resolution::checked(None, 1728, 2376);
        assert_eq!(r.x, 200.0);
        assert!(r.estimated.is_some());
    }
}
