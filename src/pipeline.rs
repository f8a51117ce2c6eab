//! read → prepare → encode → verify → write, a page at a time.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::bitmap::Bitmap;
use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::codec::jbig2::generic::GenericParams;
use crate::codec::jbig2::segments::PageSegment;
use crate::codec::jbig2::segments::{Globals, StandaloneWriter, stream_size};
use crate::codec::{jbig1, jbig2};
use crate::error::{Error, Result};
use crate::input;
use crate::options::{Codec, Format, Options};
use crate::output::pdf::{ImageCoding, Jbig2Globals, PdfImage, PdfWriter};
use crate::output::tiff::TiffWriter;
use crate::page::{Page, PageImage, Resolution};
use crate::prepare::binarize::binarize;
use crate::report::{FileReport, PageReport};

mod colour;
use colour::{ColourLayer, ColourLayers};

/// Turns a page into a bitmap, noting every lossy step.
pub fn prepare(page: Page, options: &Options) -> Result<(Bitmap, Vec<String>)> {
    let mut notes = page.notes;
    notes.extend(page.resolution.estimated.iter().cloned());
    let dpi = page.resolution.x.min(page.resolution.y);
    let bitmap = match page.image {
        PageImage::Bilevel(b) => b,
        PageImage::Gray(g) => {
            let (b, note) = binarize(&g, dpi, options.threshold, &options.limits)?;
            notes.push(note);
            b
        }
        PageImage::Rgb(c) => {
            notes.push("colour converted to grey".into());
            let (b, note) = binarize(&c.to_gray(), dpi, options.threshold, &options.limits)?;
            notes.push(note);
            b
        }
    };
    Ok((bitmap, notes))
}

/// Checks that our decoding of `codec` data gave back `bitmap`.
fn check_decoded(decoded: Result<Bitmap>, bitmap: &Bitmap, codec: &str) -> Result<()> {
    let decoded = decoded
        .map_err(|e| Error::Verification(format!("our {codec} data does not decode: {e}")))?;
    match decoded.first_difference(bitmap) {
        None => Ok(()),
        Some((x, y)) => Err(Error::Verification(format!(
            "{codec} data decodes to a different bitmap (first difference at x={x}, y={y})"
        ))),
    }
}

/// Encodes a bitmap as G4 and, when `verify`, decodes it again and compares.
pub fn encode_g4_verified(bitmap: &Bitmap, verify: bool) -> Result<Vec<u8>> {
    let data = ccitt::encode_g4(bitmap);
    if verify {
        let params = DecodeParams::new(Coding::G4, bitmap.width(), Some(bitmap.height()));
        let decoded = ccitt::decode(&data, &params, &crate::Limits::default());
        check_decoded(decoded, bitmap, "G4")?;
    }
    Ok(data)
}

/// JBIG2 pages coded together, sharing a dictionary of the symbols they have in common: few
/// enough that memory stays flat on long documents and that the shared segments, which come
/// before the group's first page, stay small.
const GROUP_PAGES: usize = 8;

/// A page read and prepared, waiting for the rest of its group.
struct Prepared {
    number: u32,
    /// The page's size in pixels.
    pixels: (u32, u32),
    /// What is coded losslessly: the page, or the mask of a mixed raster page; `None` for a
    /// photograph.
    bitmap: Option<Bitmap>,
    /// The lossy colour layers, coded already.
    colour: ColourLayers,
    resolution: Resolution,
    rotate: i32,
    input_kind: &'static str,
    bytes_in: Option<u64>,
    notes: Vec<String>,
}

/// Prepares a page for `format`: binarises it, or for PDF, when `codec` is automatic and the
/// page's content asks for it or when `codec` says so, separates it into mixed raster layers or
/// codes it as a photograph. Every lossy step goes into the notes.
fn prepare_page(page: Page, number: u32, format: Format, options: &Options) -> Result<Prepared> {
    let pixels = page.image.dimensions();
    let input_kind = page.image.kind();
    let (resolution, rotate, bytes_in) = (page.resolution.clone(), page.rotate, page.source_bytes);
    let layered =
        format == Format::Pdf && matches!(options.codec, Codec::Auto | Codec::Mrc | Codec::Jpeg);
    let (bitmap, colour, notes) = if !layered
        || (matches!(page.image, PageImage::Bilevel(_)) && options.codec != Codec::Jpeg)
    {
        let (bitmap, notes) = prepare(page, options)?;
        (Some(bitmap), ColourLayers::None, notes)
    } else {
        colour::prepare(page, options)?
    };
    Ok(Prepared {
        number,
        pixels,
        bitmap,
        colour,
        resolution,
        rotate,
        input_kind,
        bytes_in,
        notes,
    })
}

/// Compresses a document held in memory; `name` helps recognise raw fax data. Returns the output
/// file's bytes and a report for each page.
pub fn compress_bytes(
    data: &[u8],
    name: Option<&str>,
    options: &Options,
) -> Result<(Vec<u8>, Vec<PageReport>)> {
    let format = options.format.unwrap_or(Format::Pdf);
    let codec = bilevel_codec(options.codec, format)?;
    let document = input::open(data, name, &options.limits)?;
    let mut writer = match format {
        Format::Pdf => {
            let mut pdf = PdfWriter::new();
            pdf.set_info(document.info);
            Sink::Pdf(pdf)
        }
        Format::Tiff => Sink::Tiff(TiffWriter::new()),
        Format::Jb2 => Sink::Jb2(StandaloneWriter::new()),
        Format::Jbg => Sink::Jbg(None),
    };
    let group_pages = if codec == BilevelCodec::Jbig2 {
        GROUP_PAGES
    } else {
        1
    };
    let mut reports = Vec::new();
    let mut group = Vec::with_capacity(group_pages);
    for (index, page) in document.pages.enumerate() {
        let number = index as u32 + 1;
        let page = page.map_err(|e| in_page(e, number))?;
        let prepared =
            prepare_page(page, number, format, options).map_err(|e| in_page(e, number))?;
        group.push(prepared);
        if group.len() == group_pages {
            code_group(&mut group, codec, options, &mut writer, &mut reports)?;
        }
    }
    code_group(&mut group, codec, options, &mut writer, &mut reports)?;
    if reports.is_empty() {
        return Err(Error::format("input", "no pages"));
    }
    Ok((writer.finish(), reports))
}

/// Codes, verifies and writes the pages of `group`, emptying it, and reports them. The shared
/// segments of a group are counted in the bytes of its first page.
fn code_group(
    group: &mut Vec<Prepared>,
    codec: BilevelCodec,
    options: &Options,
    writer: &mut Sink,
    reports: &mut Vec<PageReport>,
) -> Result<()> {
    let (numbers, bitmaps): (Vec<u32>, Vec<&Bitmap>) = group
        .iter()
        .filter_map(|p| Some((p.number, p.bitmap.as_ref()?)))
        .unzip();
    let (globals, coded) =
        encode_verified(&bitmaps, &numbers, codec, options.verify, &options.limits)?;
    let (shared, mut shared_bytes) = writer.add_globals(&globals);
    let mut coded = coded.into_iter();
    for page in group.drain(..) {
        let coded = match page.bitmap {
            Some(_) => coded.next(),
            None => None,
        };
        let bytes = writer
            .add_page(&page, coded.as_ref(), shared)
            .map_err(|e| in_page(e, page.number))?;
        let layer_bytes = match &coded {
            Some(Coded::Jbig1(_, ends)) if ends.len() > 1 => ends.clone(),
            _ => Vec::new(),
        };
        let bytes_out = bytes
            + match coded {
                Some(_) => std::mem::take(&mut shared_bytes),
                None => 0,
            };
        reports.push(PageReport {
            number: page.number,
            layer_bytes,
            width: page.pixels.0,
            height: page.pixels.1,
            dpi: (page.resolution.x, page.resolution.y),
            input_kind: page.input_kind,
            codec: codec_name(coded.as_ref(), &page.colour),
            bytes_in: page.bytes_in,
            bytes_out,
            verified: options.verify,
            notes: page.notes,
        });
    }
    Ok(())
}

/// The name of a page's coding in the report.
fn codec_name(coded: Option<&Coded>, colour: &ColourLayers) -> String {
    let mask = coded.map_or("", Coded::name);
    let layer = |l: &ColourLayer, what: &str| match l {
        ColourLayer::Plain(_) => format!("plain {what}"),
        ColourLayer::Jpeg(_) => format!("JPEG {what}"),
    };
    match colour {
        ColourLayers::None => mask.to_string(),
        ColourLayers::Photo(_) => "JPEG progressive".to_string(),
        ColourLayers::Mrc {
            background,
            foreground,
        } => format!(
            "MRC: {mask} mask, {}, {}",
            layer(background, "background"),
            layer(foreground, "ink")
        ),
    }
}

/// The bilevel codecs this version writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BilevelCodec {
    G4,
    Jbig2Generic,
    /// JBIG2 with symbol coding where it makes the page smaller.
    Jbig2,
    /// JBIG1, sequential.
    Jbig1,
}

/// The codec for `format`: what `codec` asks for, or for auto what the format holds best.
fn bilevel_codec(codec: Codec, format: Format) -> Result<BilevelCodec> {
    match (codec, format) {
        (Codec::Auto, Format::Tiff) | (Codec::G4, Format::Pdf | Format::Tiff) => {
            Ok(BilevelCodec::G4)
        }
        (Codec::Auto | Codec::Jbig2, Format::Jb2 | Format::Pdf)
        | (Codec::Mrc | Codec::Jpeg, Format::Pdf) => Ok(BilevelCodec::Jbig2),
        (Codec::Mrc | Codec::Jpeg, _) => Err(Error::Parameter(
            "JPEG and mixed raster pages go in PDF files".into(),
        )),
        (Codec::Jbig2Generic, Format::Jb2 | Format::Pdf) => Ok(BilevelCodec::Jbig2Generic),
        (Codec::Jbig2Generic | Codec::Jbig2, Format::Tiff) => Err(Error::Parameter(
            "JBIG2 goes in PDF or .jb2 files, not TIFF".into(),
        )),
        (Codec::G4, Format::Jb2) => Err(Error::Parameter("a .jb2 file holds JBIG2, not G4".into())),
        (Codec::Auto | Codec::Jbig1, Format::Jbg) | (Codec::Jbig1, Format::Tiff) => {
            Ok(BilevelCodec::Jbig1)
        }
        (Codec::Jbig1, _) => Err(Error::Parameter(
            "JBIG1 goes in .jbg and TIFF files (PDF has no JBIG1 filter)".into(),
        )),
        (_, Format::Jbg) => Err(Error::Parameter("a .jbg file holds JBIG1".into())),
    }
}

/// A page's coded data.
enum Coded {
    G4(Vec<u8>),
    /// A BIE, and where each of its resolution layers ends.
    Jbig1(Vec<u8>, Vec<u64>),
    /// The segments of a JBIG2 page after its page information, whether they are symbol coded
    /// (else one generic region), and whether they refer to the group's shared segments (their
    /// `refers_to` index those first, as [`jbig2::segments::embedded_group_page`] says).
    Jbig2 {
        segments: Vec<PageSegment>,
        symbols: bool,
        shared: bool,
    },
}

impl Coded {
    /// The codec's name in the report.
    fn name(&self) -> &'static str {
        match self {
            Coded::G4(_) => "G4",
            Coded::Jbig1(..) => "JBIG1",
            Coded::Jbig2 { symbols: true, .. } => "JBIG2 symbol",
            Coded::Jbig2 { symbols: false, .. } => "JBIG2 generic",
        }
    }
}

/// Encodes a group of pages, numbered `numbers`, with `codec` and, when `verify`,
/// decodes each again with our own decoder and compares; errors name the pages. Returns the segments the group's pages
/// share (for JBIG2 symbol coding) and each page's data.
///
/// A JBIG2 page is one generic region ([`GenericParams::for_scans`]) or, for
/// [`BilevelCodec::Jbig2`], symbol coded with the group ([`jbig2::symbol_coding`]) when that is
/// smaller; the group is coded generic throughout when the shared segments would cost more than
/// they save. Pages are verified as the segments that will be written.
fn encode_verified(
    bitmaps: &[&Bitmap],
    numbers: &[u32],
    codec: BilevelCodec,
    verify: bool,
    limits: &crate::Limits,
) -> Result<(Vec<PageSegment>, Vec<Coded>)> {
    if codec == BilevelCodec::G4 {
        let coded = bitmaps.iter().zip(numbers).map(|(b, &number)| {
            encode_g4_verified(b, verify)
                .map(Coded::G4)
                .map_err(|e| in_page(e, number))
        });
        return Ok((Vec::new(), coded.collect::<Result<_>>()?));
    }
    if codec == BilevelCodec::Jbig1 {
        let coded = bitmaps.iter().zip(numbers).map(|(b, &number)| {
            let params = jbig1::encode::Params {
                layers: jbig1::encode::preview_layers(b.width()),
                ..Default::default()
            };
            let (bie, ends) = jbig1::encode::encode_with_layer_ends(b, &params, limits)
                .map_err(|e| in_page(e, number))?;
            if verify {
                let decoded = jbig1::decode::decode(&bie, limits);
                check_decoded(decoded, b, "JBIG1").map_err(|e| in_page(e, number))?;
            }
            Ok(Coded::Jbig1(bie, ends))
        });
        return Ok((Vec::new(), coded.collect::<Result<_>>()?));
    }
    let params = GenericParams::for_scans();
    let generic = || -> Vec<Vec<PageSegment>> {
        bitmaps
            .par_iter()
            .map(|b| {
                let coded = jbig2::generic::encode(b, &params);
                vec![PageSegment::generic_region(
                    b.width(),
                    b.height(),
                    &params,
                    &coded,
                )]
            })
            .collect()
    };
    // Generic and symbol coding on as many threads as there are: the same bytes.
    let (generic, group) = match codec {
        BilevelCodec::Jbig2 => {
            let (generic, group) = rayon::join(generic, || {
                jbig2::symbol_coding::encode_group(bitmaps, &params, limits)
            });
            (generic, Some(group))
        }
        _ => (generic(), None),
    };
    let mut globals = Vec::new();
    let mut chosen: Vec<(Vec<PageSegment>, bool)> =
        generic.into_iter().map(|g| (g, false)).collect();
    if let Some(group) = group {
        let group = group.map_err(|e| match numbers {
            [one] => in_page(e, *one),
            _ => in_pages(e, &format!("pages {numbers:?}")),
        })?;
        let sharing = group.shared_cost();
        let mut symbol_pages = chosen.clone();
        for (page, coded) in symbol_pages.iter_mut().zip(group.pages) {
            if let Some(coded) = coded.filter(|c| stream_size(c) < stream_size(&page.0)) {
                *page = (coded, true);
            }
        }
        let total = |pages: &[(Vec<PageSegment>, bool)]| -> usize {
            pages.iter().map(|p| stream_size(&p.0)).sum()
        };
        if sharing + total(&symbol_pages) < total(&chosen) {
            chosen = symbol_pages;
            globals = group.globals;
        }
    }
    let shared_data = jbig2::segments::embedded_globals(&globals);
    // Each page's segments, whether symbol coded, and whether it refers to the shared ones.
    let pages: Vec<(Vec<PageSegment>, bool, bool)> = chosen
        .into_iter()
        .map(|(mut segments, symbols)| {
            let refers_to_globals =
                |s: &PageSegment| s.refers_to.iter().any(|&r| r < globals.len());
            let shared = segments.iter().any(refers_to_globals);
            if symbols && !shared {
                // The page stands alone: its references count from its own first segment.
                for s in &mut segments {
                    s.refers_to.iter_mut().for_each(|r| *r -= globals.len());
                }
            }
            (segments, symbols, shared)
        })
        .collect();
    if verify {
        // Every page decoded again, on as many threads as there are; the first failure named.
        let checked: Vec<Result<()>> = (bitmaps, &pages, numbers)
            .into_par_iter()
            .map(|(bitmap, (segments, _, shared), &number)| {
                let (w, h) = (bitmap.width(), bitmap.height());
                let count = if *shared { globals.len() } else { 0 };
                let page = jbig2::segments::embedded_group_page(w, h, (0.0, 0.0), segments, count);
                let shared = shared.then_some(&shared_data[..]);
                let decoded = jbig2::decode::decode_embedded(&page, shared, limits);
                check_decoded(decoded, bitmap, "JBIG2").map_err(|e| in_page(e, number))
            })
            .collect();
        checked.into_iter().collect::<Result<()>>()?;
    }
    if !pages.iter().any(|&(_, _, shared)| shared) {
        globals.clear();
    }
    let coded = pages
        .into_iter()
        .map(|(segments, symbols, shared)| Coded::Jbig2 {
            segments,
            symbols,
            shared,
        })
        .collect();
    Ok((globals, coded))
}

/// Where the group's shared segments went in the output.
#[derive(Clone, Copy)]
enum Shared {
    None,
    /// A /JBIG2Globals stream holding that many segments.
    Pdf(Jbig2Globals, usize),
    /// Global segments in the `.jb2` file.
    Jb2(Globals),
}

/// The output file being built.
enum Sink {
    Pdf(PdfWriter),
    Tiff(TiffWriter),
    Jb2(StandaloneWriter),
    /// A `.jbg` file: one BIE, one page.
    Jbg(Option<Vec<u8>>),
}

impl Sink {
    /// Writes a group's shared JBIG2 segments, if any, for its pages to refer to; gives where
    /// they went and their size in bytes.
    fn add_globals(&mut self, globals: &[PageSegment]) -> (Shared, u64) {
        match self {
            _ if globals.is_empty() => (Shared::None, 0),
            Sink::Pdf(pdf) => {
                let data = jbig2::segments::embedded_globals(globals);
                let stream = pdf.add_jbig2_globals(&data);
                (Shared::Pdf(stream, globals.len()), data.len() as u64)
            }
            Sink::Jb2(jb2) => {
                let before = jb2.written();
                let shared = Shared::Jb2(jb2.add_globals(globals));
                (shared, (jb2.written() - before) as u64)
            }
            Sink::Tiff(_) | Sink::Jbg(_) => (Shared::None, 0),
        }
    }

    /// Adds a page, its bitmap `coded` (`None` for a photograph) with segments that may refer
    /// to the group's `shared` ones, and gives the size in bytes of its coded images; the format
    /// must hold its codec, as [`bilevel_codec`] ensures.
    fn add_page(&mut self, page: &Prepared, coded: Option<&Coded>, shared: Shared) -> Result<u64> {
        let (w, h) = page.pixels;
        let (resolution, rotate) = (&page.resolution, page.rotate);
        let dpi = (resolution.x, resolution.y);
        if let (Sink::Pdf(pdf), ColourLayers::Photo(jpeg)) = (&mut *self, &page.colour) {
            pdf.add_page_sized(&jpeg.pdf_image(), page.pixels, resolution, rotate);
            return Ok(jpeg.len());
        }
        let coded = coded.ok_or_else(|| Error::Parameter("a page without a bitmap".into()))?;
        let bytes = match (self, coded) {
            (Sink::Pdf(pdf), coded) => {
                let (coding, data) = pdf_image_data(coded, (w, h), dpi, shared)?;
                let image = PdfImage {
                    width: w,
                    height: h,
                    coding,
                    data: &data,
                };
                match &page.colour {
                    ColourLayers::Mrc {
                        background,
                        foreground,
                    } => {
                        let (paper, ink) = (background.paper(), foreground.ink());
                        pdf.add_mrc_page(&paper, &image, &ink, resolution, rotate);
                        data.len() + (background.len() + foreground.len()) as usize
                    }
                    _ => {
                        pdf.add_page(&image, resolution, rotate);
                        data.len()
                    }
                }
            }
            (Sink::Tiff(tiff), Coded::G4(coded)) => {
                tiff.add_g4_page(w, h, resolution, coded);
                coded.len()
            }
            (
                Sink::Jb2(jb2),
                Coded::Jbig2 {
                    segments,
                    shared: s,
                    ..
                },
            ) => {
                let globals = match shared {
                    Shared::Jb2(globals) if *s => globals,
                    _ => Globals::default(),
                };
                let before = jb2.written();
                jb2.add_group_page(w, h, dpi, segments, globals);
                jb2.written() - before
            }
            (Sink::Tiff(tiff), Coded::Jbig1(bie, _)) => {
                tiff.add_jbig_page(w, h, resolution, bie);
                bie.len()
            }
            (Sink::Jbg(bie @ None), Coded::Jbig1(data, _)) => {
                *bie = Some(data.clone());
                data.len()
            }
            (Sink::Jbg(Some(_)), Coded::Jbig1(..)) => {
                return Err(Error::Parameter(
                    "a .jbg file holds one page; write several pages to PDF, TIFF or .jb2".into(),
                ));
            }
            (Sink::Tiff(_) | Sink::Jbg(_), Coded::Jbig2 { .. })
            | (Sink::Jb2(_) | Sink::Jbg(_), Coded::G4(_))
            | (Sink::Jb2(_), Coded::Jbig1(..)) => {
                return Err(Error::Parameter(format!(
                    "{} pages cannot go in this format",
                    coded.name()
                )));
            }
        };
        Ok(bytes as u64)
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Sink::Pdf(pdf) => pdf.finish(),
            Sink::Tiff(tiff) => tiff.finish(),
            Sink::Jb2(jb2) => jb2.finish(),
            Sink::Jbg(bie) => bie.unwrap_or_default(),
        }
    }
}

/// A bilevel page's image in a PDF: its coding and its data (for JBIG2, the embedded stream,
/// referring to the group's `shared` segments where it uses them).
fn pdf_image_data(
    coded: &Coded,
    (w, h): (u32, u32),
    dpi: (f64, f64),
    shared: Shared,
) -> Result<(ImageCoding, Cow<'_, [u8]>)> {
    match coded {
        Coded::G4(data) => Ok((ImageCoding::G4 { byte_align: false }, Cow::Borrowed(data))),
        Coded::Jbig2 {
            segments,
            shared: s,
            ..
        } => {
            let (globals, count) = match shared {
                Shared::Pdf(stream, count) if *s => (Some(stream), count),
                _ => (None, 0),
            };
            let data = jbig2::segments::embedded_group_page(w, h, dpi, segments, count);
            Ok((ImageCoding::Jbig2 { globals }, Cow::Owned(data)))
        }
        Coded::Jbig1(..) => Err(Error::Parameter(
            "JBIG1 pages cannot go in PDF (it has no JBIG1 filter)".into(),
        )),
    }
}

/// Adds the page number to an error's message.
fn in_page(e: Error, number: u32) -> Error {
    in_pages(e, &format!("page {number}"))
}

/// Adds `pages` ("page 3", "pages 1-8") to an error's message.
fn in_pages(e: Error, pages: &str) -> Error {
    match e {
        Error::Format { format, message } => Error::Format {
            format,
            message: format!("{pages}: {message}"),
        },
        Error::Unsupported { format, message } => Error::Unsupported {
            format,
            message: format!("{pages}: {message}"),
        },
        Error::Verification(m) => Error::Verification(format!("{pages}: {m}")),
        Error::Limits(m) => Error::Limits(format!("{pages}: {m}")),
        other => other,
    }
}

/// Compresses one file to `output`, which appears only when everything succeeded, whole (synced
/// to disk first if [`Options::sync`]).
pub fn compress_file(input: &Path, output: &Path, options: &Options) -> Result<FileReport> {
    let data = fs::read(input).map_err(|e| Error::io(input, e))?;
    let mut options = options.clone();
    if options.format.is_none() {
        options.format = Some(Format::from_extension(output)?);
    }
    let name = input.file_name().and_then(|n| n.to_str());
    let (bytes, pages) = compress_bytes(&data, name, &options)?;
    replace(output, options.sync, |f| f.write_all(&bytes))?;
    Ok(FileReport {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        bytes_in: data.len() as u64,
        bytes_out: bytes.len() as u64,
        pages,
    })
}

/// The temporary name `path` is written under by this process: hidden, beside it.
fn temporary_path(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Parameter(format!("{} is not a file name", path.display())))?;
    Ok(path.with_file_name(format!(
        ".{}.scanpress-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// The name of the output that a temporary file named `file` was to replace, if it is one of
/// [`temporary_path`]'s: `.NAME.scanpress-PID.tmp` gives NAME.
fn temporary_of(file: &str) -> Option<&str> {
    let (name, pid) = file
        .strip_prefix('.')?
        .strip_suffix(".tmp")?
        .rsplit_once(".scanpress-")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

/// Removes temporary files that runs stopped part-way (killed, a power cut) left beside any of
/// `outputs`. Each folder is listed once, however many of the outputs it holds: a batch of
/// thousands of files into one folder would otherwise list it once a file.
pub fn remove_stale_temporaries<'a>(outputs: impl IntoIterator<Item = &'a Path>) {
    let mut folders: HashMap<&Path, HashSet<String>> = HashMap::new();
    for path in outputs {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            continue;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let name = name.to_string_lossy().into_owned();
        folders.entry(dir).or_default().insert(name);
    }
    for (dir, names) in folders {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            if temporary_of(&file.to_string_lossy()).is_some_and(|name| names.contains(name)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it over `path` and syncs
/// the folder, so that `path` either does not change or holds the whole new file, even after a
/// power cut.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |f| f.write_all(bytes))
}

/// [`write_atomically`] with the file's bytes written by `write`, for output made piece by piece.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<()> {
    replace(path, true, write)
}

/// Replaces `path` by a temporary file that `write` fills, renamed over it: `path` never holds
/// part of a file, but unlike [`write_atomically_with`] nothing is synced, which leaves writing
/// the file out to the system as converters such as `jbgtopbm` and `tiffcp` do. For outputs
/// that nothing relies on having survived a power cut (`decode`'s; a batch's manifest relies on
/// its outputs, unless `--no-sync` leaves both unsynced), where syncing took 2 ms of a megabyte
/// page's 30.
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<()> {
    replace(path, false, write)
}

/// Writes a temporary file beside `path` with `write` and renames it over `path`; if `durable`,
/// syncs the file before the rename and the folder after it.
fn replace(
    path: &Path,
    durable: bool,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temporary_path(path)?;
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        write(&mut f)?;
        if durable {
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            // The rename itself is durable once the folder is synced (where folders can be
            // opened).
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            if let Ok(dir) = fs::File::open(dir.unwrap_or(Path::new("."))) {
                let _ = dir.sync_all();
            }
        } else {
            rename_unsynced(&tmp, path)?;
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Renames `tmp`, a file not yet written out, over `path`. Where `path` is a file, on Linux, the
/// two are exchanged in one step (`renameat2`'s `RENAME_EXCHANGE`) and the old file, now at
/// `tmp`, is removed: ext4 writes a file out at once when a plain rename replaces another with it
/// (`auto_da_alloc`, 0.8 ms of decoding a 500 KB page here), which exchanging does not ask for.
/// `path` holds the old file or the new one at every moment either way; elsewhere, or where the
/// file system cannot exchange, a plain rename.
#[allow(unsafe_code)]
fn rename_unsynced(tmp: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes());
        if let (Ok(from), Ok(to)) = (c(tmp), c(path)) {
            // SAFETY: both are NUL-terminated paths that live across the call.
            let exchanged = unsafe {
                libc::renameat2(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            } == 0;
            if exchanged {
                return fs::remove_file(tmp);
            }
        }
    }
    fs::rename(tmp, path)
}

/// Decodes page `number` (from 1) of any input to a bitmap, binarising grey and colour pages as
/// `options` says; also gives the page's resolution.
pub fn decode_page(
    data: &[u8],
    name: Option<&str>,
    number: u32,
    options: &Options,
) -> Result<(Bitmap, Resolution)> {
    let page = input::pages(data, name, &options.limits)?
        .nth(number.saturating_sub(1) as usize)
        .ok_or_else(|| Error::Parameter(format!("there is no page {number}")))??;
    let resolution = page.resolution.clone();
    Ok((prepare(page, options)?.0, resolution))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files a folder holds, by name.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn stale_temporaries_beside_the_outputs_go_and_nothing_else() {
        let dir = std::env::temp_dir().join(format!("scanpress-stale-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).unwrap();
        let files = [
            ".a.pdf.scanpress-123.tmp",
            ".b.pdf.scanpress-9.tmp",
            ".a.pdf.scanpress-x.tmp",
            ".a.pdf.scanpress-.tmp",
            "a.pdf",
            "c.tmp",
            "sub/.a.pdf.scanpress-77.tmp",
            "sub/.c.pdf.scanpress-1.tmp",
        ];
        for file in files {
            fs::write(dir.join(file), b"x").unwrap();
        }
        // One left by a run of this program as it names them.
        let left = temporary_path(&dir.join("c.pdf")).unwrap();
        fs::write(&left, b"x").unwrap();
        let outputs = [dir.join("a.pdf"), dir.join("sub/a.pdf"), dir.join("c.pdf")];
        remove_stale_temporaries(outputs.iter().map(PathBuf::as_path));
        let kept = [
            ".a.pdf.scanpress-.tmp",
            ".a.pdf.scanpress-x.tmp",
            ".b.pdf.scanpress-9.tmp",
            "a.pdf",
            "c.tmp",
            "sub",
        ];
        assert_eq!(names(&dir), kept);
        assert_eq!(names(&dir.join("sub")), [".c.pdf.scanpress-1.tmp"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replacing_without_syncing_swaps_in_the_whole_new_file() {
        let dir = std::env::temp_dir().join(format!("scanpress-replace-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let fill = |bytes: &'static [u8]| move |f: &mut fs::File| f.write_all(bytes);

        // A new output, then one replacing it (exchanged where the system can) and its link.
        let out = dir.join("out.pbm");
        replace_with(&out, fill(b"first")).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"first");
        let link = dir.join("link.pbm");
        fs::hard_link(&out, &link).unwrap();
        replace_with(&out, fill(b"second")).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"second");
        assert_eq!(fs::read(&link).unwrap(), b"first");

        // A symbolic link is replaced, as a rename does, not what it points to.
        #[cfg(unix)]
        {
            let symlink = dir.join("symlink.pbm");
            std::os::unix::fs::symlink(&link, &symlink).unwrap();
            replace_with(&symlink, fill(b"third")).unwrap();
            assert!(fs::symlink_metadata(&symlink).unwrap().is_file());
            assert_eq!(fs::read(&symlink).unwrap(), b"third");
            assert_eq!(fs::read(&link).unwrap(), b"first");
        }

        // A folder in the way is an error, and is kept.
        let folder = dir.join("folder.pbm");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("kept"), b"kept").unwrap();
        assert!(replace_with(&folder, fill(b"fourth")).is_err());
        assert_eq!(fs::read(folder.join("kept")).unwrap(), b"kept");

        // A failed write keeps the old file and leaves no temporary file.
        let failed = replace_with(&out, |f: &mut fs::File| {
            f.write_all(b"part")?;
            Err(std::io::Error::other("cut"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&out).unwrap(), b"second");

        // No temporary file is left beside the outputs.
        let expected = if cfg!(unix) {
            vec!["folder.pbm", "link.pbm", "out.pbm", "symlink.pbm"]
        } else {
            vec!["folder.pbm", "link.pbm", "out.pbm"]
        };
        assert_eq!(names(&dir), expected);
        fs::remove_dir_all(&dir).unwrap();
    }
}
