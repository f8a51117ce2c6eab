//! read → prepare → encode → verify → write, a page at a time.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::bitmap::Bitmap;
use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::codec::jbig2::generic::GenericParams;
use crate::codec::jbig2::segments::PageSegment;
use crate::codec::jbig2::{self, segments::StandaloneWriter};
use crate::error::{Error, Result};
use crate::input;
use crate::options::{Codec, Format, Options};
use crate::output::pdf::{ImageCoding, PdfImage, PdfWriter};
use crate::output::tiff::TiffWriter;
use crate::page::{Page, PageImage, Resolution};
use crate::prepare::binarize::binarize;
use crate::report::{FileReport, PageReport};

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
    };
    let mut reports = Vec::new();
    for (index, page) in document.pages.enumerate() {
        let number = index as u32 + 1;
        let page = page.map_err(|e| in_page(e, number))?;
        let input_kind = page.image.kind();
        let bytes_in = page.source_bytes;
        let resolution = page.resolution.clone();
        let rotate = page.rotate;
        let (bitmap, notes) = prepare(page, options).map_err(|e| in_page(e, number))?;
        let coded = encode_verified(&bitmap, codec, options.verify, &options.limits)
            .map_err(|e| in_page(e, number))?;
        writer
            .add_page(&bitmap, &resolution, rotate, &coded)
            .map_err(|e| in_page(e, number))?;
        reports.push(PageReport {
            number,
            width: bitmap.width(),
            height: bitmap.height(),
            dpi: (resolution.x, resolution.y),
            input_kind,
            codec: coded.name(),
            bytes_in,
            bytes_out: coded.len() as u64,
            verified: options.verify,
            notes,
        });
    }
    if reports.is_empty() {
        return Err(Error::format("input", "no pages"));
    }
    Ok((writer.finish(), reports))
}

/// The bilevel codecs this version writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BilevelCodec {
    G4,
    Jbig2Generic,
    /// JBIG2 with symbol coding where it makes the page smaller.
    Jbig2,
}

/// The codec for `format`: what `codec` asks for, or for auto what the format holds best.
fn bilevel_codec(codec: Codec, format: Format) -> Result<BilevelCodec> {
    match (codec, format) {
        (Codec::Auto, Format::Tiff) | (Codec::G4, Format::Pdf | Format::Tiff) => {
            Ok(BilevelCodec::G4)
        }
        (Codec::Auto | Codec::Jbig2, Format::Jb2 | Format::Pdf) => Ok(BilevelCodec::Jbig2),
        (Codec::Jbig2Generic, Format::Jb2 | Format::Pdf) => Ok(BilevelCodec::Jbig2Generic),
        (Codec::Jbig2Generic | Codec::Jbig2, Format::Tiff) => Err(Error::Parameter(
            "JBIG2 goes in PDF or .jb2 files, not TIFF".into(),
        )),
        (Codec::G4, Format::Jb2) => Err(Error::Parameter("a .jb2 file holds JBIG2, not G4".into())),
    }
}

/// A page's coded data.
enum Coded {
    G4(Vec<u8>),
    /// The segments of a JBIG2 page after its page information, and whether they are symbol
    /// coded (else one generic region).
    Jbig2 {
        segments: Vec<PageSegment>,
        symbols: bool,
    },
}

impl Coded {
    fn len(&self) -> usize {
        match self {
            Coded::G4(data) => data.len(),
            Coded::Jbig2 { segments, .. } => segments.iter().map(|s| s.data.len()).sum(),
        }
    }

    /// The codec's name in the report.
    fn name(&self) -> &'static str {
        match self {
            Coded::G4(_) => "G4",
            Coded::Jbig2 { symbols: true, .. } => "JBIG2 symbol",
            Coded::Jbig2 { symbols: false, .. } => "JBIG2 generic",
        }
    }
}

/// Encodes a page with `codec` and, when `verify`, decodes it again with our own decoder and
/// compares. A JBIG2 page is one generic region ([`GenericParams::for_scans`]) or, for
/// [`BilevelCodec::Jbig2`], symbol coding ([`jbig2::symbol_page`]) when that is smaller; it is
/// verified as the segments that will be written.
fn encode_verified(
    bitmap: &Bitmap,
    codec: BilevelCodec,
    verify: bool,
    limits: &crate::Limits,
) -> Result<Coded> {
    if codec == BilevelCodec::G4 {
        return encode_g4_verified(bitmap, verify).map(Coded::G4);
    }
    let (w, h) = (bitmap.width(), bitmap.height());
    let params = GenericParams::for_scans();
    let generic = jbig2::generic::encode(bitmap, &params);
    let mut segments = vec![PageSegment::generic_region(w, h, &params, &generic)];
    let mut symbols = false;
    if codec == BilevelCodec::Jbig2 {
        if let Some(coded) = jbig2::symbol_page::encode(bitmap, &params, limits)? {
            // Each segment's header costs 11 to 16 bytes besides its data.
            let size = |s: &[PageSegment]| s.iter().map(|s| s.data.len() + 16).sum::<usize>();
            if size(&coded) < size(&segments) {
                segments = coded;
                symbols = true;
            }
        }
    }
    if verify {
        let page = jbig2::segments::embedded_page_segments(w, h, (0.0, 0.0), &segments);
        let decoded = jbig2::decode::decode_embedded(&page, None, limits);
        check_decoded(decoded, bitmap, "JBIG2")?;
    }
    Ok(Coded::Jbig2 { segments, symbols })
}

/// The output file being built.
enum Sink {
    Pdf(PdfWriter),
    Tiff(TiffWriter),
    Jb2(StandaloneWriter),
}

impl Sink {
    /// Adds a coded page; the format must hold its codec, as [`bilevel_codec`] ensures.
    fn add_page(
        &mut self,
        bitmap: &Bitmap,
        resolution: &Resolution,
        rotate: i32,
        coded: &Coded,
    ) -> Result<()> {
        let (w, h) = (bitmap.width(), bitmap.height());
        let dpi = (resolution.x, resolution.y);
        match (self, coded) {
            (Sink::Pdf(pdf), Coded::G4(coded)) => {
                let coding = ImageCoding::G4 { byte_align: false };
                let image = PdfImage {
                    width: w,
                    height: h,
                    coding,
                    data: coded,
                };
                pdf.add_page(&image, resolution, rotate);
            }
            (Sink::Pdf(pdf), Coded::Jbig2 { segments, .. }) => {
                let segments = jbig2::segments::embedded_page_segments(w, h, dpi, segments);
                let coding = ImageCoding::Jbig2 { globals: None };
                let image = PdfImage {
                    width: w,
                    height: h,
                    coding,
                    data: &segments,
                };
                pdf.add_page(&image, resolution, rotate);
            }
            (Sink::Tiff(tiff), Coded::G4(coded)) => tiff.add_g4_page(w, h, resolution, coded),
            (Sink::Jb2(jb2), Coded::Jbig2 { segments, .. }) => {
                jb2.add_page_segments(w, h, dpi, segments)
            }
            (Sink::Tiff(_), Coded::Jbig2 { .. }) | (Sink::Jb2(_), Coded::G4(_)) => {
                return Err(Error::Parameter(format!(
                    "{} pages cannot go in this format",
                    coded.name()
                )));
            }
        }
        Ok(())
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Sink::Pdf(pdf) => pdf.finish(),
            Sink::Tiff(tiff) => tiff.finish(),
            Sink::Jb2(jb2) => jb2.finish(),
        }
    }
}

/// Adds the page number to an error's message.
fn in_page(e: Error, number: u32) -> Error {
    match e {
        Error::Format { format, message } => Error::Format {
            format,
            message: format!("page {number}: {message}"),
        },
        Error::Unsupported { format, message } => Error::Unsupported {
            format,
            message: format!("page {number}: {message}"),
        },
        Error::Verification(m) => Error::Verification(format!("page {number}: {m}")),
        Error::Limits(m) => Error::Limits(format!("page {number}: {m}")),
        other => other,
    }
}

/// Compresses one file to `output`, which appears only when everything succeeded.
pub fn compress_file(input: &Path, output: &Path, options: &Options) -> Result<FileReport> {
    let data = fs::read(input).map_err(|e| Error::io(input, e))?;
    let mut options = options.clone();
    if options.format.is_none() {
        options.format = Some(Format::from_extension(output)?);
    }
    let name = input.file_name().and_then(|n| n.to_str());
    let (bytes, pages) = compress_bytes(&data, name, &options)?;
    write_atomically(output, &bytes)?;
    Ok(FileReport {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        bytes_in: data.len() as u64,
        bytes_out: bytes.len() as u64,
        pages,
    })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`, so that
/// `path` either does not change or holds the whole new file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Parameter(format!("{} is not a file name", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.scanpress-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
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
