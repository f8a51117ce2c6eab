//! Options and limits. Every struct here is `#[non_exhaustive]` with public fields, `Default` and
//! `with_*` setters, so new settings never break callers.

use crate::error::{Error, Result};

/// Bounds on what an input may declare, checked before anything is allocated for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest width or height in pixels.
    pub max_dimension: u32,
    /// Largest number of pixels in one page.
    pub max_pixels: u64,
    /// Largest number of pages in one document.
    pub max_pages: u32,
    /// Largest buffer of compressed data read for one page, in bytes.
    pub max_input_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // 1 m at 1200 dpi is about 47,000 pixels.
            max_dimension: 1 << 16,
            // A0 at 600 dpi is about 650 Mpixel.
            max_pixels: 1 << 30,
            max_pages: 100_000,
            max_input_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_dimension`].
    pub fn with_max_dimension(mut self, v: u32) -> Self {
        self.max_dimension = v;
        self
    }

    /// Sets [`Limits::max_pixels`].
    pub fn with_max_pixels(mut self, v: u64) -> Self {
        self.max_pixels = v;
        self
    }

    /// Checks a declared page size.
    pub fn check_pixels(&self, width: u32, height: u32) -> Result<()> {
        if width > self.max_dimension || height > self.max_dimension {
            return Err(Error::Limits(format!(
                "page of {width}x{height} pixels exceeds the {}-pixel dimension limit",
                self.max_dimension
            )));
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(Error::Limits(format!(
                "page of {width}x{height} = {pixels} pixels exceeds the {}-pixel limit",
                self.max_pixels
            )));
        }
        Ok(())
    }

    /// Checks a declared count of compressed bytes.
    pub fn check_input_bytes(&self, bytes: u64) -> Result<()> {
        if bytes > self.max_input_bytes {
            return Err(Error::Limits(format!(
                "{bytes} bytes of compressed data exceed the {}-byte limit",
                self.max_input_bytes
            )));
        }
        Ok(())
    }
}

/// How a page is coded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// Chosen per page from the content and the output format: bilevel pages, and grey or
    /// colour pages of text alone, binarised, in JBIG2 (symbol coding where it pays) in PDF and
    /// `.jb2` files, G4 in TIFF; in PDF, grey and colour pages with pictures or coloured ink as
    /// [`Codec::Mrc`], photographs as [`Codec::Jpeg`].
    #[default]
    Auto,
    /// CCITT Group 4 (T.6).
    G4,
    /// JBIG2 (T.88), each page one lossless generic region.
    Jbig2Generic,
    /// JBIG2 (T.88) with symbol coding: recurring and similar glyphs coded once and refined,
    /// never substituted; each page the smaller of that and one generic region.
    Jbig2,
    /// JBIG1 (T.82), in a `.jbg` file.
    Jbig1,
    /// Progressive JPEG of the whole page (PDF only): for photographs.
    Jpeg,
    /// Mixed raster content (PDF only): the text a pixel-exact JBIG2 mask, painted in the ink's
    /// colours over a low-resolution JPEG of the page without it.
    Mrc,
}

impl std::str::FromStr for Codec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Codec::Auto),
            "g4" => Ok(Codec::G4),
            "jbig2-generic" => Ok(Codec::Jbig2Generic),
            "jbig2" => Ok(Codec::Jbig2),
            "jbig1" => Ok(Codec::Jbig1),
            "jpeg" => Ok(Codec::Jpeg),
            "mrc" => Ok(Codec::Mrc),
            _ => Err(Error::Parameter(format!("unknown codec {s}"))),
        }
    }
}

/// The output container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// PDF, the default: every PC can open it.
    Pdf,
    /// Multi-page TIFF.
    Tiff,
    /// Standalone JBIG2 file.
    Jb2,
    /// JBIG1 bi-level image entity (`.jbg`), one page.
    Jbg,
}

impl Format {
    /// The format for an output path, from its extension.
    pub fn from_extension(path: &std::path::Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("tif" | "tiff") => Ok(Format::Tiff),
            Some("pdf") => Ok(Format::Pdf),
            Some("jb2" | "jbig2") => Ok(Format::Jb2),
            Some("jbg" | "bie") => Ok(Format::Jbg),
            Some(other) => Err(Error::Parameter(format!(
                "output extension .{other} is not supported in this version; use .pdf, .tif, \
                 .jb2 or .jbg"
            ))),
            None => Err(Error::Parameter(format!(
                "output {} has no extension to choose a format from",
                path.display()
            ))),
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Tiff => "tif",
            Format::Jb2 => "jb2",
            Format::Jbg => "jbg",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "tiff" | "tif" => Ok(Format::Tiff),
            "pdf" => Ok(Format::Pdf),
            "jb2" => Ok(Format::Jb2),
            "jbg" => Ok(Format::Jbg),
            _ => Err(Error::Parameter(format!(
                "format {s} is not supported in this version; use pdf, tiff, jb2 or jbg"
            ))),
        }
    }
}

/// How grey and colour pages are turned into bilevel ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Threshold {
    /// Sauvola (adaptive) for grey and colour scans.
    #[default]
    Auto,
    /// One global threshold chosen by Otsu's method.
    Otsu,
    /// Sauvola's adaptive threshold, window scaled to the resolution.
    Sauvola,
    /// A fixed global threshold: grey values below it are black.
    Fixed(u8),
}

impl std::str::FromStr for Threshold {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Threshold::Auto),
            "otsu" => Ok(Threshold::Otsu),
            "sauvola" => Ok(Threshold::Sauvola),
            n => n.parse::<u8>().map(Threshold::Fixed).map_err(|_| {
                Error::Parameter(format!("threshold {n} is not auto, otsu, sauvola or 0-255"))
            }),
        }
    }
}

/// A link speed, for the report's transfer times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkRate {
    /// Bits per second.
    pub bits_per_second: u64,
}

impl Default for LinkRate {
    /// The practice's 64 kbit/s leased line.
    fn default() -> Self {
        LinkRate {
            bits_per_second: 64_000,
        }
    }
}

impl LinkRate {
    /// Seconds to send `bytes` over this link.
    pub fn seconds(self, bytes: u64) -> f64 {
        bytes as f64 * 8.0 / self.bits_per_second as f64
    }
}

impl std::str::FromStr for LinkRate {
    type Err = Error;
    /// Parses `9600`, `64k`, `2M` (bits per second).
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        let (digits, scale) = match lower.strip_suffix('k') {
            Some(d) => (d, 1_000),
            None => match lower.strip_suffix('m') {
                Some(d) => (d, 1_000_000),
                None => (lower.as_str(), 1),
            },
        };
        let value: f64 = digits
            .parse()
            .map_err(|_| Error::Parameter(format!("link rate {s} is not like 9600, 64k or 2M")))?;
        let bits = (value * scale as f64).round();
        if !(1.0..=1e12).contains(&bits) {
            return Err(Error::Parameter(format!("link rate {s} is out of range")));
        }
        Ok(LinkRate {
            bits_per_second: bits as u64,
        })
    }
}

/// Everything that steers a compression.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The codec for bilevel pages.
    pub codec: Codec,
    /// The output container; `None` means from the output file's extension.
    pub format: Option<Format>,
    /// How grey and colour pages are binarised.
    pub threshold: Threshold,
    /// Decode every encoded page again and compare before writing (on by default).
    pub verify: bool,
    /// Sync each output (and a batch's manifest) to disk before counting it done, so that it
    /// survives a power cut (on by default); off, the system writes them out in its own time.
    pub sync: bool,
    /// Link speed for the report.
    pub link: LinkRate,
    /// Input limits.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            codec: Codec::Auto,
            format: None,
            threshold: Threshold::Auto,
            verify: true,
            sync: true,
            link: LinkRate::default(),
            limits: Limits::default(),
        }
    }
}

impl Options {
    /// Sets [`Options::codec`].
    pub fn with_codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }

    /// Sets [`Options::format`].
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets [`Options::threshold`].
    pub fn with_threshold(mut self, threshold: Threshold) -> Self {
        self.threshold = threshold;
        self
    }

    /// Sets [`Options::verify`].
    pub fn with_verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// Sets [`Options::sync`].
    pub fn with_sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// Sets [`Options::link`].
    pub fn with_link(mut self, link: LinkRate) -> Self {
        self.link = link;
        self
    }

    /// Sets [`Options::limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_rates_parse() {
        assert_eq!("64k".parse::<LinkRate>().unwrap().bits_per_second, 64_000);
        assert_eq!("9600".parse::<LinkRate>().unwrap().bits_per_second, 9600);
        assert_eq!("2M".parse::<LinkRate>().unwrap().bits_per_second, 2_000_000);
        assert!("fast".parse::<LinkRate>().is_err());
        assert!("0".parse::<LinkRate>().is_err());
        assert_eq!(LinkRate::default().seconds(8000), 1.0);
    }

    #[test]
    fn limits_reject_before_allocating() {
        let l = Limits::default();
        assert!(l.check_pixels(2480, 3508).is_ok());
        assert!(l.check_pixels(70_000, 10).is_err());
        assert!(l.check_pixels(60_000, 60_000).is_err());
    }

    #[test]
    fn thresholds_parse() {
        assert_eq!("otsu".parse::<Threshold>().unwrap(), Threshold::Otsu);
        assert_eq!("128".parse::<Threshold>().unwrap(), Threshold::Fixed(128));
        assert!("300".parse::<Threshold>().is_err());
    }
}
