//! Scanner PDFs through `lopdf`. A page that shows one image is read by extracting that image
//! losslessly, never by rendering it: the general filters (Flate, LZW with predictors, RunLength,
//! ASCIIHex, ASCII85) are lopdf's, CCITT is ours, JPEG goes through the `image` crate, JBIG2 through
//! `hayro-jbig2` and JPEG 2000 through `hayro-jpeg2000`. Section numbers are ISO 32000-1's.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::bitmap::Bitmap;
use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::output::pdf::{DocumentInfo, pdf_string};
use crate::page::{Page, PageImage, Resolution};

const FORMAT: &str = "PDF";

fn pdf_error(e: lopdf::Error) -> Error {
    Error::format(FORMAT, e.to_string())
}

/// The pages of a PDF, decoded one at a time.
pub struct PdfPages<'a> {
    data: &'a [u8],
    doc: Document,
    pages: Vec<ObjectId>,
    next: usize,
    limits: Limits,
}

impl<'a> PdfPages<'a> {
    /// Opens a PDF held in memory. Encrypted files open when their user password is empty.
    pub fn new(data: &'a [u8], limits: &Limits) -> Result<Self> {
        let load = |force_reconstruct| {
            let options = lopdf::LoadOptions {
                max_decompressed_size: usize::try_from(limits.max_input_bytes).ok(),
                force_reconstruct,
                ..Default::default()
            };
            Document::load_mem_with_options(data, options).map_err(|e| match e {
                lopdf::Error::Decryption(d) => Error::unsupported(
                    FORMAT,
                    format!(
                        "encrypted with a password ({d}); open it with the password and re-save"
                    ),
                ),
                other => pdf_error(other),
            })
        };
        // A cross-reference table that points at the wrong places still loads; rebuilding it
        // from the objects themselves, as poppler and mupdf do, finds what the pages need.
        let mut doc = match load(false) {
            Ok(doc) if pages_resolve(&doc) => doc,
            Ok(doc) => load(true).unwrap_or(doc),
            Err(e) => load(true).map_err(|_| e)?,
        };
        if doc.is_encrypted() {
            doc.decrypt("").map_err(|e| {
                Error::unsupported(FORMAT, format!("encrypted with a user password: {e}"))
            })?;
        }
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.len() as u64 > u64::from(limits.max_pages) {
            return Err(Error::Limits(format!("{} pages", pages.len())));
        }
        Ok(PdfPages {
            data,
            doc,
            pages,
            next: 0,
            limits: limits.clone(),
        })
    }

    /// The document information to carry over: Title, Author, Subject, Keywords, Creator and the
    /// dates (14.3.3), as PDF strings.
    pub fn info(&self) -> DocumentInfo {
        let Ok(info) = self
            .doc
            .trailer
            .get(b"Info")
            .and_then(|o| self.doc.dereference(o))
            .and_then(|(_, o)| o.as_dict())
        else {
            return Vec::new();
        };
        let keys = [
            "Title",
            "Author",
            "Subject",
            "Keywords",
            "Creator",
            "CreationDate",
            "ModDate",
        ];
        keys.iter()
            .filter_map(|&key| {
                let (_, value) = self.doc.dereference(info.get(key.as_bytes()).ok()?).ok()?;
                let text = lopdf::decode_text_string(value).ok()?;
                Some((key.to_string(), pdf_string(&text)))
            })
            .collect()
    }
}

impl Iterator for PdfPages<'_> {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Result<Page>> {
        let id = *self.pages.get(self.next)?;
        let index = self.next;
        self.next += 1;
        Some(match read_page(&self.doc, id, &self.limits) {
            Ok(Extracted::Page(page)) => Ok(page),
            Ok(Extracted::NeedsRendering { dpi, why }) => {
                render_page(self.data, index, dpi, why, &self.limits)
            }
            Err(e) => Err(e),
        })
    }
}

/// What reading a page without rendering gives.
enum Extracted {
    /// The page's one image, losslessly.
    Page(Page),
    /// The page must be rendered, at this resolution, for this reason.
    NeedsRendering { dpi: f64, why: String },
}

/// The resolution pages are rendered at when they hold no image to take it from.
const DEFAULT_RENDER_DPI: f64 = 300.0;

/// Renders page `index` with hayro at `dpi`, white paper under it.
fn render_page(data: &[u8], index: usize, dpi: f64, why: String, limits: &Limits) -> Result<Page> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::vello_cpu::color::palette::css::WHITE;
    let pdf = hayro::hayro_syntax::Pdf::new(data.to_vec())
        .map_err(|e| Error::format(FORMAT, format!("renderer cannot open the file: {e:?}")))?;
    let pages = pdf.pages();
    let page = pages
        .get(index)
        .ok_or_else(|| Error::format(FORMAT, format!("renderer finds no page {}", index + 1)))?;
    let (w_pt, h_pt) = page.render_dimensions();
    let scale = (dpi / 72.0) as f32;
    let (w, h) = ((w_pt * scale) as u32, (h_pt * scale) as u32);
    limits.check_pixels(w, h)?;
    if w == 0 || h == 0 || w > u32::from(u16::MAX) || h > u32::from(u16::MAX) {
        return Err(Error::format(
            FORMAT,
            format!("page of {w_pt}x{h_pt} points cannot be rendered"),
        ));
    }
    let pixmap = hayro::render(
        page,
        &hayro::RenderCache::new(),
        &InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &hayro::PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        },
    );
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    // Opaque white paper under everything: premultiplied and straight RGB are the same.
    let data = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Ok(Page {
        image: PageImage::from_rgb(width, height, data, limits)?,
        resolution: Resolution {
            x: dpi,
            y: dpi,
            estimated: None,
        },
        source_bytes: None,
        notes: vec![format!("rendered at {dpi:.0} dpi: {why}")],
        // The renderer has turned the page already.
        rotate: 0,
    })
}

/// Whether every page's dictionary, contents and image XObjects can be found.
fn pages_resolve(doc: &Document) -> bool {
    doc.get_pages().values().all(|&id| {
        let Ok(page) = doc.get_dictionary(id) else {
            return false;
        };
        let contents_ok = doc
            .get_page_contents(id)
            .iter()
            .all(|&c| doc.get_object(c).is_ok());
        let xobjects = inherited(doc, page, b"Resources")
            .and_then(|r| r.as_dict().ok())
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| doc.dereference(x).ok())
            .and_then(|(_, x)| x.as_dict().ok());
        contents_ok && xobjects.is_none_or(|x| x.iter().all(|(_, o)| doc.dereference(o).is_ok()))
    })
}

/// A page attribute, looked up the page tree as 7.7.3.4 allows.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut dict = page;
    for _ in 0..64 {
        if let Ok(value) = dict.get(key) {
            return doc.dereference(value).ok().map(|(_, v)| v);
        }
        let parent = dict.get(b"Parent").ok()?.as_reference().ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// A 2-D affine matrix `[a b c d e f]` (8.3.4).
type Matrix = [f64; 6];

/// What a content stream paints: the image XObjects by resource name, each with the
/// transformation in force when it is painted, and whether anything else is drawn.
struct Painted {
    images: Vec<(Vec<u8>, Matrix)>,
    other_marks: bool,
}

fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// What a content stream paints (8.4.4 `q`, `Q`, `cm`; 8.8 `Do`; 9.3.6 `Tr`).
fn painted(content: &[u8]) -> Result<Painted> {
    let ops = lopdf::content::Content::decode(content).map_err(pdf_error)?;
    // The graphics state that matters here: the transformation and the text rendering mode.
    let mut stack: Vec<(Matrix, i64)> = Vec::new();
    let mut ctm: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut render_mode = 0;
    let mut painted = Vec::new();
    let mut other_marks = false;
    for op in &ops.operations {
        match op.operator.as_str() {
            "q" if stack.len() < 256 => stack.push((ctm, render_mode)),
            "Q" => (ctm, render_mode) = stack.pop().unwrap_or((ctm, render_mode)),
            "Tr" => {
                render_mode = op
                    .operands
                    .first()
                    .and_then(|o| o.as_i64().ok())
                    .unwrap_or(0)
            }
            // Text in modes 3 and 7 is invisible (9.3.6): the OCR layer of a searchable scan.
            "Tj" | "TJ" | "'" | "\"" if render_mode == 3 || render_mode == 7 => {}
            "cm" => {
                let m: Vec<f64> = op.operands.iter().filter_map(number).collect();
                if let Ok(m) = <[f64; 6]>::try_from(m) {
                    ctm = multiply(&m, &ctm);
                }
            }
            "Do" => {
                if let Some(Ok(name)) = op.operands.first().map(Object::as_name) {
                    painted.push((name.to_vec(), ctm));
                }
            }
            // Painting operators other than images: text, paths, shadings, inline images.
            "Tj" | "TJ" | "'" | "\"" | "f" | "F" | "f*" | "S" | "s" | "B" | "B*" | "b" | "b*"
            | "sh" | "BI" => other_marks = true,
            _ => {}
        }
    }
    Ok(Painted {
        images: painted,
        other_marks,
    })
}

fn read_page(doc: &Document, id: ObjectId, limits: &Limits) -> Result<Extracted> {
    let page = doc.get_dictionary(id).map_err(pdf_error)?;
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(number)
        .map_or(0, |r| (r as i32).rem_euclid(360) / 90 * 90);
    let content = doc
        .get_page_content_with_limit(
            id,
            usize::try_from(limits.max_input_bytes).unwrap_or(usize::MAX),
        )
        .map_err(pdf_error)?;
    let Painted {
        images: painted,
        other_marks,
    } = painted(&content)?;
    let resources = inherited(doc, page, b"Resources").and_then(|r| r.as_dict().ok());
    let xobjects = resources
        .and_then(|r| r.get(b"XObject").ok())
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, x)| x.as_dict().ok());
    let mut images = Vec::new();
    let mut forms = false;
    for (name, ctm) in &painted {
        let Some(stream) = xobjects
            .and_then(|x| x.get(name).ok())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_stream().ok())
        else {
            // A damaged or truncated file: rendering would silently leave the image out.
            return Err(Error::format(
                FORMAT,
                format!(
                    "the page paints /{}, which cannot be found",
                    String::from_utf8_lossy(name)
                ),
            ));
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image") {
            images.push((stream, ctm));
        } else {
            forms = true;
        }
    }
    // The placed size of an image: the lengths of the unit vectors the CTM maps it from.
    let placed_inches = |ctm: &Matrix| (ctm[0].hypot(ctm[1]) / 72.0, ctm[2].hypot(ctm[3]) / 72.0);
    let single = match images[..] {
        [(stream, ctm)] if !other_marks && !forms => Some((stream, ctm)),
        _ => None,
    };
    let Some((stream, ctm)) = single else {
        // Render at the resolution of the sharpest image, within reason; an image's explicit or
        // soft mask (8.9.6.3, 11.6.5.3), placed with it, counts too: a mixed raster page's text
        // may be the /Mask of its ink image.
        let dpi = images
            .iter()
            .flat_map(|(stream, ctm)| {
                let masks = [b"Mask".as_slice(), b"SMask"].map(|key| {
                    let mask = doc.dereference(stream.dict.get(key).ok()?).ok()?.1;
                    Some(&mask.as_stream().ok()?.dict)
                });
                std::iter::once(Some(&stream.dict))
                    .chain(masks)
                    .flatten()
                    .map(move |dict| (dict, *ctm))
            })
            .filter_map(|(dict, ctm)| {
                let w = int_ref(doc, dict, b"Width")? as f64;
                let (w_in, _) = placed_inches(ctm);
                (w_in > 0.0).then_some(w / w_in)
            })
            .fold(None, |best: Option<f64>, d| {
                Some(best.map_or(d, |b| b.max(d)))
            })
            .map_or(DEFAULT_RENDER_DPI, |d| d.clamp(100.0, 600.0).round());
        let why = format!(
            "the page holds {} image(s){}{}",
            images.len(),
            if forms { ", form XObjects" } else { "" },
            if other_marks {
                " and visible text or vector marks"
            } else {
                ""
            }
        );
        return Ok(Extracted::NeedsRendering { dpi, why });
    };
    let mut notes = Vec::new();
    let image = decode_image(doc, stream, &mut notes, limits)?;
    let (w, h) = image.dimensions();
    let (w_in, h_in) = placed_inches(ctm);
    let declared = (w_in > 0.0 && h_in > 0.0).then(|| (f64::from(w) / w_in, f64::from(h) / h_in));
    Ok(Extracted::Page(Page {
        image,
        resolution: Resolution::checked(declared, w, h),
        source_bytes: Some(stream.content.len() as u64),
        notes,
        rotate,
    }))
}

/// The filters of a stream, in decoding order.
fn filters(dict: &Dictionary) -> Vec<Vec<u8>> {
    match dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

/// The decode parameters of filter `index`.
fn decode_parms<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    index: usize,
) -> Option<&'a Dictionary> {
    let parms = doc.dereference(dict.get(b"DecodeParms").ok()?).ok()?.1;
    match parms {
        Object::Dictionary(d) => Some(d),
        Object::Array(a) => doc.dereference(a.get(index)?).ok()?.1.as_dict().ok(),
        _ => None,
    }
}

fn int(dict: Option<&Dictionary>, key: &[u8]) -> Option<i64> {
    dict?.get(key).ok()?.as_i64().ok()
}

/// An integer entry that may be an indirect reference.
fn int_ref(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<i64> {
    doc.dereference(dict.get(key).ok()?).ok()?.1.as_i64().ok()
}

fn boolean(dict: Option<&Dictionary>, key: &[u8]) -> bool {
    dict.and_then(|d| d.get(key).ok())
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false)
}

/// Decodes an image XObject (8.9.5) to a page image, noting in `notes` any repair it needed.
fn decode_image(
    doc: &Document,
    stream: &Stream,
    notes: &mut Vec<String>,
    limits: &Limits,
) -> Result<PageImage> {
    let dict = &stream.dict;
    let width = u32::try_from(int_ref(doc, dict, b"Width").unwrap_or(0))
        .map_err(|_| Error::format(FORMAT, "image width out of range"))?;
    let height = u32::try_from(int_ref(doc, dict, b"Height").unwrap_or(0))
        .map_err(|_| Error::format(FORMAT, "image height out of range"))?;
    if width == 0 || height == 0 {
        return Err(Error::format(FORMAT, "image without a size"));
    }
    limits.check_pixels(width, height)?;
    let chain = filters(dict);
    let last = chain.last().map(Vec::as_slice);
    let image_filter = matches!(
        last,
        Some(b"CCITTFaxDecode" | b"CCF" | b"DCTDecode" | b"DCT" | b"JBIG2Decode" | b"JPXDecode")
    );
    // The general filters before an image filter (or all of them) are lopdf's.
    let general = if image_filter {
        chain.len() - 1
    } else {
        chain.len()
    };
    let max = usize::try_from(limits.max_input_bytes).unwrap_or(usize::MAX);
    let data = if general == 0 {
        stream.content.clone()
    } else {
        let mut prefix = Dictionary::new();
        let names = chain[..general]
            .iter()
            .map(|n| Object::Name(n.clone()))
            .collect();
        prefix.set("Filter", Object::Array(names));
        let parms = (0..general)
            .map(|i| {
                decode_parms(doc, dict, i)
                    .cloned()
                    .map_or(Object::Null, Object::Dictionary)
            })
            .collect();
        prefix.set("DecodeParms", Object::Array(parms));
        Stream::new(prefix, stream.content.clone())
            .decompressed_content_with_limit(max)
            .map_err(pdf_error)?
    };
    let image_mask = boolean(Some(dict), b"ImageMask");
    // A /Decode of [1 0] swaps the meaning of the samples (8.9.5.2).
    let inverted = dict
        .get(b"Decode")
        .and_then(Object::as_array)
        .ok()
        .and_then(|a| Some(number(a.first()?)? > number(a.get(1)?)?))
        .unwrap_or(false);
    let parms = decode_parms(doc, dict, chain.len().saturating_sub(1));
    match last {
        Some(b"CCITTFaxDecode" | b"CCF") => {
            let (mut bitmap, damaged) = decode_ccitt(&data, parms, width, height, limits)?;
            if damaged > 0 {
                notes.push(crate::input::repaired_lines_note(damaged));
            }
            // Our bitmap marks black runs. With BlackIs1 false (the default) a black run decodes
            // to samples of 0, which DeviceGray and an image mask both show as black.
            if boolean(parms, b"BlackIs1") != inverted {
                bitmap.invert();
            }
            Ok(PageImage::Bilevel(bitmap))
        }
        Some(b"JBIG2Decode") => {
            let mut bitmap = decode_jbig2(doc, &data, parms, width, height, limits)?;
            // JBIG2Decode gives black pixels as samples of 0 (7.4.7): black in DeviceGray and
            // painted in an image mask, like CCITT's default.
            if inverted {
                bitmap.invert();
            }
            Ok(PageImage::Bilevel(bitmap))
        }
        Some(b"DCTDecode" | b"DCT") => decode_jpeg(&data, limits),
        Some(b"JPXDecode") => decode_jpx(&data, limits),
        _ => decode_samples(
            doc, dict, &data, width, height, image_mask, inverted, limits,
        ),
    }
}

fn decode_ccitt(
    data: &[u8],
    parms: Option<&Dictionary>,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<(Bitmap, u32)> {
    // 7.4.6, Table 11.
    let k = int(parms, b"K").unwrap_or(0);
    let columns = u32::try_from(int(parms, b"Columns").unwrap_or(1728))
        .map_err(|_| Error::format(FORMAT, "negative CCITT Columns"))?;
    let coding = match k {
        k if k < 0 => Coding::G4,
        0 => Coding::G3 { two_d: false },
        _ => Coding::G3 { two_d: true },
    };
    let mut params = DecodeParams::new(coding, columns, Some(height));
    params.byte_align = boolean(parms, b"EncodedByteAlign");
    // EndOfLine false only says EOLs are not required; writers that put them in also pad lines
    // the way fax machines do, which skipping to each EOL handles (as poppler does).
    params.eols = boolean(parms, b"EndOfLine") || starts_with_eol(data);
    params.conceal_damage = true;
    let (bitmap, damaged) = ccitt::decode_concealing(data, &params, limits)?;
    if columns == width {
        Ok((bitmap, damaged))
    } else {
        Ok((bitmap.crop(0, 0, width, height), damaged))
    }
}

/// Whether the data opens with an EOL: eleven or more zero bits, then a one (T.4 4.1.2).
fn starts_with_eol(data: &[u8]) -> bool {
    let zero_bytes = data.iter().take_while(|&&b| b == 0).count();
    data.get(zero_bytes)
        .is_some_and(|b| zero_bytes * 8 + b.leading_zeros() as usize >= 11)
}

fn decode_jbig2(
    doc: &Document,
    data: &[u8],
    parms: Option<&Dictionary>,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<Bitmap> {
    let globals = parms
        .and_then(|p| p.get(b"JBIG2Globals").ok())
        .and_then(|g| doc.dereference(g).ok())
        .and_then(|(_, g)| g.as_stream().ok())
        .map(|s| {
            s.decompressed_content()
                .unwrap_or_else(|_| s.content.clone())
        });
    // Our decoder first; what it does not decode yet (Huffman coding, halftones)
    // goes to hayro-jbig2.
    let page = match crate::codec::jbig2::decode::decode_embedded(data, globals.as_deref(), limits)
    {
        Err(Error::Unsupported { .. }) => decode_embedded_jbig2(data, globals.as_deref(), limits)?,
        other => other?,
    };
    Ok(page.crop(0, 0, width, height))
}

/// Decodes a JBIG2 page in the embedded organisation (T.88 D.3), with its global segments, through
/// hayro-jbig2: the fallback for what our decoder does not decode, and an independent check.
pub(crate) fn decode_embedded_jbig2(
    data: &[u8],
    globals: Option<&[u8]>,
    limits: &Limits,
) -> Result<Bitmap> {
    let settings = hayro_jbig2::DecodeSettings::default();
    let jbig2_error = |e: hayro_jbig2::DecodeError| Error::format("JBIG2", format!("{e:?}"));
    let globals = match globals {
        Some(g) => Some(hayro_jbig2::Globals::new(g, &settings).map_err(jbig2_error)?),
        None => None,
    };
    let page =
        hayro_jbig2::Page::new_embedded(data, globals.as_ref(), &settings).map_err(jbig2_error)?;
    limits.check_pixels(page.width(), page.height())?;
    let mut sink = BitmapSink::new(page.width(), page.height(), limits)?;
    page.decode(&mut sink).map_err(jbig2_error)?;
    Ok(sink.bitmap)
}

/// Receives hayro-jbig2's pixels into a [`Bitmap`].
struct BitmapSink {
    bitmap: Bitmap,
    x: u32,
    y: u32,
}

impl BitmapSink {
    fn new(width: u32, height: u32, limits: &Limits) -> Result<Self> {
        Ok(BitmapSink {
            bitmap: Bitmap::new(width, height, limits)?,
            x: 0,
            y: 0,
        })
    }
}

impl hayro_jbig2::Decoder for BitmapSink {
    fn push_pixel(&mut self, black: bool) {
        if self.x < self.bitmap.width() && self.y < self.bitmap.height() {
            self.bitmap.set(self.x, self.y, black);
        }
        self.x += 1;
    }

    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count * 8 {
            self.push_pixel(black);
        }
    }

    fn next_line(&mut self) {
        self.x = 0;
        self.y += 1;
    }
}

fn decode_jpeg(data: &[u8], limits: &Limits) -> Result<PageImage> {
    Ok(crate::input::raster::read(data, limits)?.image)
}

fn decode_jpx(data: &[u8], limits: &Limits) -> Result<PageImage> {
    let jpx_error = |e: hayro_jpeg2000::DecodeError| Error::format("JPEG 2000", format!("{e:?}"));
    let settings = hayro_jpeg2000::DecodeSettings::default();
    let image = hayro_jpeg2000::Image::new(data, &settings).map_err(jpx_error)?;
    let (width, height) = (image.width(), image.height());
    limits.check_pixels(width, height)?;
    let channels = usize::from(image.color_space().num_channels()) + usize::from(image.has_alpha());
    let mut context = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(jpx_error)?;
    let samples = decoded.data_u8();
    let pixels = width as usize * height as usize;
    if samples.len() < pixels * channels {
        return Err(Error::format("JPEG 2000", "fewer samples than pixels"));
    }
    match channels {
        1 | 2 => {
            let data = samples.chunks_exact(channels).map(|p| p[0]).collect();
            PageImage::from_gray(width, height, data, limits)
        }
        3 | 4 => {
            let data = samples
                .chunks_exact(channels)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            PageImage::from_rgb(width, height, data, limits)
        }
        n => Err(Error::unsupported("JPEG 2000", format!("{n} channels"))),
    }
}

/// How raw samples map to colour (8.6).
enum ColorSpace {
    Gray,
    Rgb,
    Cmyk,
    /// A one-component space whose samples are amounts of ink (Separation): 1 is full ink.
    Ink,
    /// A palette of RGB entries over a base space, already converted.
    Indexed(Vec<[u8; 3]>),
}

fn color_space(doc: &Document, object: &Object, depth: u32) -> Result<ColorSpace> {
    if depth > 4 {
        return Err(Error::format(FORMAT, "colour spaces nested too deep"));
    }
    let (_, object) = doc.dereference(object).map_err(pdf_error)?;
    let (name, args): (&[u8], &[Object]) = match object {
        Object::Name(n) => (n, &[]),
        Object::Array(a) => match a.first() {
            Some(Object::Name(n)) => (n, &a[1..]),
            _ => return Err(Error::format(FORMAT, "bad colour space array")),
        },
        _ => return Err(Error::format(FORMAT, "bad colour space")),
    };
    Ok(match name {
        b"DeviceGray" | b"G" | b"CalGray" => ColorSpace::Gray,
        b"DeviceRGB" | b"RGB" | b"CalRGB" | b"Lab" => ColorSpace::Rgb,
        b"DeviceCMYK" | b"CMYK" => ColorSpace::Cmyk,
        b"Separation" => ColorSpace::Ink,
        b"ICCBased" => {
            let n = args
                .first()
                .and_then(|s| doc.dereference(s).ok())
                .and_then(|(_, s)| s.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok()?.as_i64().ok());
            match n {
                Some(1) => ColorSpace::Gray,
                Some(4) => ColorSpace::Cmyk,
                _ => ColorSpace::Rgb,
            }
        }
        b"Indexed" | b"I" => {
            let base = color_space(doc, args.first().unwrap_or(&Object::Null), depth + 1)?;
            let hival = args
                .get(1)
                .and_then(|o| o.as_i64().ok())
                .unwrap_or(0)
                .clamp(0, 255) as usize;
            let lookup: Vec<u8> = match args.get(2).map(|o| doc.dereference(o)) {
                Some(Ok((_, Object::String(s, _)))) => s.clone(),
                Some(Ok((_, Object::Stream(s)))) => s.decompressed_content().map_err(pdf_error)?,
                _ => {
                    return Err(Error::format(
                        FORMAT,
                        "Indexed colour space without a lookup",
                    ));
                }
            };
            let per = match base {
                ColorSpace::Gray | ColorSpace::Ink => 1,
                ColorSpace::Rgb => 3,
                ColorSpace::Cmyk => 4,
                ColorSpace::Indexed(_) => {
                    return Err(Error::format(FORMAT, "Indexed over Indexed"));
                }
            };
            let palette = (0..=hival)
                .map(|i| {
                    let e = lookup
                        .get(i * per..i * per + per)
                        .unwrap_or(&[0, 0, 0, 0][..per]);
                    to_rgb(&base, e)
                })
                .collect();
            ColorSpace::Indexed(palette)
        }
        other => {
            return Err(Error::unsupported(
                FORMAT,
                format!("colour space {}", String::from_utf8_lossy(other)),
            ));
        }
    })
}

fn to_rgb(space: &ColorSpace, s: &[u8]) -> [u8; 3] {
    match space {
        ColorSpace::Gray => [s[0]; 3],
        ColorSpace::Ink => [255 - s[0]; 3],
        ColorSpace::Rgb => [s[0], s[1], s[2]],
        ColorSpace::Cmyk => {
            let k = 255 - u32::from(s[3]);
            [0, 1, 2].map(|i| ((255 - u32::from(s[i])) * k / 255) as u8)
        }
        ColorSpace::Indexed(p) => p.get(usize::from(s[0])).copied().unwrap_or([0; 3]),
    }
}

/// Uncompressed samples (after the general filters) to a page image.
#[allow(clippy::too_many_arguments)]
fn decode_samples(
    doc: &Document,
    dict: &Dictionary,
    data: &[u8],
    width: u32,
    height: u32,
    image_mask: bool,
    inverted: bool,
    limits: &Limits,
) -> Result<PageImage> {
    let bpc = if image_mask {
        1
    } else {
        int_ref(doc, dict, b"BitsPerComponent").unwrap_or(8)
    };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(Error::format(FORMAT, format!("{bpc} bits per component")));
    }
    let space = if image_mask {
        ColorSpace::Gray
    } else {
        let cs = dict
            .get(b"ColorSpace")
            .map_err(|_| Error::format(FORMAT, "image without a colour space"))?;
        color_space(doc, cs, 0)?
    };
    let components = match space {
        ColorSpace::Gray | ColorSpace::Ink | ColorSpace::Indexed(_) => 1,
        ColorSpace::Rgb => 3,
        ColorSpace::Cmyk => 4,
    };
    let bpc = bpc as usize;
    let row_bytes = (width as usize * components * bpc).div_ceil(8);
    if data.len() < row_bytes * height as usize {
        return Err(Error::format(FORMAT, "image data shorter than its size"));
    }
    if bpc == 1 && components == 1 && !matches!(space, ColorSpace::Indexed(_)) {
        // Samples of 0 are black in DeviceGray and painted in an image mask.
        let black_is_one = matches!(space, ColorSpace::Ink) != inverted;
        let bitmap =
            Bitmap::from_packed_rows(width, height, data, row_bytes, black_is_one, limits)?;
        return Ok(PageImage::Bilevel(bitmap));
    }
    let max = (1u32 << bpc) - 1;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    let mut sample = [0u8; 4];
    for row in data.chunks_exact(row_bytes).take(height as usize) {
        for x in 0..width as usize {
            for (c, s) in sample.iter_mut().enumerate().take(components) {
                let i = x * components + c;
                let v = match bpc {
                    16 => u32::from(row[2 * i]) << 8 | u32::from(row[2 * i + 1]),
                    8 => u32::from(row[i]),
                    _ => {
                        let bit = i * bpc;
                        (u32::from(row[bit / 8]) >> (8 - bpc - bit % 8)) & max
                    }
                };
                let v = if inverted { max - v } else { v };
                *s = match space {
                    ColorSpace::Indexed(_) => v.min(255) as u8,
                    _ => (v * 255 / max) as u8,
                };
            }
            rgb.extend(to_rgb(&space, &sample[..components.max(1)]));
        }
    }
    PageImage::from_rgb(width, height, rgb, limits)
}
