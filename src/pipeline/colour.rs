//! Grey and colour pages in PDF: analysed (`prepare::analyse`), then coded as a mask painted in
//! one ink on plain paper, as mixed raster content (mask, JPEG background, one ink or a JPEG of
//! the inks), or as a progressive JPEG, with every lossy step in the notes.

use crate::bitmap::Bitmap;
use crate::codec::jpeg::{self, JpegParams};
use crate::error::Result;
use crate::options::{Codec, Options};
use crate::output::pdf::{ImageCoding, Ink, Paper, PdfImage};
use crate::page::Page;
use crate::prepare::analyse::{Content, analyse};
use crate::prepare::binarize::binarize;
use crate::prepare::layers::{self, Layer, Raster, Samples};

/// A JPEG coded for the output.
pub(super) struct JpegLayer {
    data: Vec<u8>,
    width: u32,
    height: u32,
    components: u8,
}

impl JpegLayer {
    /// Its size in bytes.
    pub(super) fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// The image for a PDF page.
    pub(super) fn pdf_image(&self) -> PdfImage<'_> {
        PdfImage {
            width: self.width,
            height: self.height,
            coding: ImageCoding::Dct {
                components: self.components,
            },
            data: &self.data,
        }
    }
}

/// A colour layer of a mixed raster page, coded.
pub(super) enum ColourLayer {
    Plain([u8; 3]),
    Jpeg(JpegLayer),
}

impl ColourLayer {
    /// Its coded size in bytes (none for a plain colour).
    pub(super) fn len(&self) -> u64 {
        match self {
            ColourLayer::Plain(_) => 0,
            ColourLayer::Jpeg(j) => j.len(),
        }
    }

    /// As the paper of a PDF page.
    pub(super) fn paper(&self) -> Paper<'_> {
        match self {
            ColourLayer::Plain(c) => Paper::Plain(*c),
            ColourLayer::Jpeg(j) => Paper::Image(j.pdf_image()),
        }
    }

    /// As the ink of a PDF page.
    pub(super) fn ink(&self) -> Ink<'_> {
        match self {
            ColourLayer::Plain(c) => Ink::Colour(*c),
            ColourLayer::Jpeg(j) => Ink::Image(j.pdf_image()),
        }
    }
}

/// The lossy layers of a page.
pub(super) enum ColourLayers {
    /// None: the bitmap is the page.
    None,
    /// Mixed raster content: the bitmap is the mask.
    Mrc {
        background: ColourLayer,
        foreground: ColourLayer,
    },
    /// The page is this JPEG.
    Photo(JpegLayer),
}

/// JPEG settings for the layers: the background's smooth areas and tints stand a low quality;
/// the foreground is tiny whatever its quality; photographs keep more.
const BACKGROUND_JPEG: u8 = 30;
const FOREGROUND_JPEG: u8 = 30;
const PHOTO_JPEG: u8 = 60;
/// The mean error of 16x16 blocks' mean grey, in levels, above which a JPEG layer fails
/// verification ([`jpeg::verify`]): above what quality 30 and clipping do to a page of noise,
/// far below what a wrong, blank or garbled image gives.
const JPEG_MEAN_ERROR: f64 = 24.0;

/// A photograph's resolution: at most 150 dpi (a 200 dpi scan is halved; a whole colour page at
/// 200 dpi is some 700 KB as a JPEG of quality 60, 90 s on the line).
fn photo_factor(dpi: f64) -> u32 {
    (dpi / 150.0).ceil().max(1.0) as u32
}

/// Codes a colour layer as a progressive JPEG and, when `verify`, decodes and compares it.
fn code_jpeg(raster: &Raster, quality: u8, dpi: f64, verify: bool) -> Result<JpegLayer> {
    let samples = raster.samples();
    let params = JpegParams {
        quality,
        subsample_chroma: raster.channels == 3,
        dpi: dpi.round().clamp(1.0, 65535.0) as u16,
    };
    let data = jpeg::encode_progressive(&samples, &params)?;
    if verify {
        jpeg::verify(&data, &samples, JPEG_MEAN_ERROR)?;
    }
    Ok(JpegLayer {
        data,
        width: raster.width,
        height: raster.height,
        components: raster.channels as u8,
    })
}

fn code_layer(layer: Layer, quality: u8, dpi: f64, verify: bool) -> Result<ColourLayer> {
    Ok(match layer {
        Layer::Plain(c) => ColourLayer::Plain(c),
        Layer::Image(r) => ColourLayer::Jpeg(code_jpeg(&r, quality, dpi, verify)?),
    })
}

/// A page as a photograph: shrunk to about 150 dpi and coded as a progressive JPEG.
fn photo(samples: &Samples<'_>, dpi: f64, options: &Options) -> Result<(JpegLayer, String)> {
    let factor = photo_factor(dpi);
    let mut all = Bitmap::new(samples.width, samples.height, &options.limits)?;
    all.invert();
    let raster = layers::shrink_where(samples, factor, &[&all], [255; 3])?;
    let out_dpi = dpi / f64::from(factor);
    let layer = code_jpeg(&raster, PHOTO_JPEG, out_dpi, options.verify)?;
    let note = format!("progressive JPEG quality {PHOTO_JPEG} at {out_dpi:.0} dpi");
    Ok((layer, note))
}

/// Prepares a grey or colour page (or a bilevel one forced to JPEG) for PDF, as `options.codec`
/// (auto, mrc or jpeg) says: gives the bitmap to code losslessly (the mask; none for a
/// photograph), the colour layers, and the notes.
pub(super) fn prepare(
    page: Page,
    options: &Options,
) -> Result<(Option<Bitmap>, ColourLayers, Vec<String>)> {
    let mut notes = page.notes;
    notes.extend(page.resolution.estimated.iter().cloned());
    let dpi = page.resolution.x.min(page.resolution.y);
    // A bilevel page (forced to JPEG) has no samples of its own: its grey levels serve.
    let luma = page.image.luma();
    let samples = Samples::of(&page.image).unwrap_or(Samples::gray(&luma));
    if options.codec == Codec::Jpeg {
        let (layer, note) = photo(&samples, dpi, options)?;
        notes.push(note);
        return Ok((None, ColourLayers::Photo(layer), notes));
    }
    let (mask, binarised) = binarize(&luma, dpi, options.threshold, &options.limits)?;
    let analysis = analyse(&samples, &luma.data, &mask, dpi, &options.limits)?;
    notes.push(analysis.reason.clone());
    let colour = match (options.codec, analysis.content) {
        (Codec::Auto, Content::Photo) => {
            let (layer, note) = photo(&samples, dpi, options)?;
            notes.push(note);
            return Ok((None, ColourLayers::Photo(layer), notes));
        }
        (Codec::Auto, Content::Blank | Content::Text) => {
            // The mask says it all; painted as a stencil in the ink's colour on the paper's, it
            // keeps their tints for nothing, and readers draw it crisp (poppler smooths a 1-bit
            // image drawn at its own size, which costs OCR words).
            notes.push(format!("mask {binarised}"));
            notes.push("paper and ink one colour each, sent as their colours".into());
            ColourLayers::Mrc {
                background: ColourLayer::Plain(analysis.paper),
                foreground: ColourLayer::Plain(analysis.ink),
            }
        }
        _ => {
            let split = layers::separate(&samples, &luma.data, &mask, &analysis, dpi)?;
            notes.push(format!("mask {binarised}"));
            let bdpi = dpi / f64::from(layers::background_factor(dpi));
            let fdpi = dpi / f64::from(layers::foreground_factor(dpi));
            notes.push(match &split.background {
                Layer::Plain(_) => "background plain paper, sent as its colour".into(),
                Layer::Image(_) => format!(
                    "background without the ink at {bdpi:.0} dpi, progressive JPEG quality \
                     {BACKGROUND_JPEG}"
                ),
            });
            notes.push(match &split.foreground {
                Layer::Plain(_) => "ink one colour".into(),
                Layer::Image(_) => format!(
                    "ink colours at {fdpi:.0} dpi, progressive JPEG quality {FOREGROUND_JPEG}"
                ),
            });
            ColourLayers::Mrc {
                background: code_layer(split.background, BACKGROUND_JPEG, bdpi, options.verify)?,
                foreground: code_layer(split.foreground, FOREGROUND_JPEG, fdpi, options.verify)?,
            }
        }
    };
    Ok((Some(mask), colour, notes))
}
