//! Compact image PDFs (ISO 32000-1): each page one image XObject sized from its resolution.
//!
//! Image and content streams are written as pages arrive; the small dictionaries (catalog, page
//! tree, pages, document information) go at the end into one compressed object stream
//! (7.5.7), indexed by a cross-reference stream (7.5.8), which is what keeps a one-page G4 PDF
//! within a few hundred bytes of its image data.

use std::fmt::Write as _;

use crate::page::Resolution;

/// How an image is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageCoding {
    /// Bilevel, CCITT Group 4 (`/CCITTFaxDecode` with `/K -1`), black runs black.
    G4 {
        /// Each coded line starts on a byte (`/EncodedByteAlign`).
        byte_align: bool,
    },
    /// Bilevel, JBIG2 in the embedded organisation (`/JBIG2Decode`, 7.4.7), with the global
    /// segments shared through [`PdfWriter::add_jbig2_globals`], if any.
    Jbig2 {
        /// The shared `/JBIG2Globals` stream.
        globals: Option<Jbig2Globals>,
    },
    /// Baseline or progressive JPEG (`/DCTDecode`) of grey (1 component) or RGB (3).
    Dct {
        /// 1 or 3.
        components: u8,
    },
}

/// A `/JBIG2Globals` stream written once and shared by the pages that use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jbig2Globals(u32);

/// An image for a page: its size in pixels, its coding and its coded bytes.
#[derive(Clone, Copy, Debug)]
pub struct PdfImage<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The coding of `data`.
    pub coding: ImageCoding,
    /// The coded bytes.
    pub data: &'a [u8],
}

impl PdfImage<'_> {
    /// The image XObject dictionary (8.9.5) without /Length; `mask` makes a bilevel image an
    /// /ImageMask stencil (8.9.6.2), which paints its black pixels in the current colour.
    fn dict(&self, mask: bool) -> String {
        let (w, h) = (self.width, self.height);
        let bilevel = if mask {
            "/ImageMask true"
        } else {
            "/ColorSpace/DeviceGray/BitsPerComponent 1"
        };
        match self.coding {
            ImageCoding::G4 { byte_align } => {
                let align = if byte_align {
                    "/EncodedByteAlign true"
                } else {
                    ""
                };
                format!(
                    "/Subtype/Image/Width {w}/Height {h}{bilevel}/Filter/CCITTFaxDecode\
                     /DecodeParms<</K -1/Columns {w}/Rows {h}{align}>>"
                )
            }
            ImageCoding::Jbig2 { globals } => {
                let globals = globals
                    .map(|Jbig2Globals(n)| format!("/DecodeParms<</JBIG2Globals {n} 0 R>>"))
                    .unwrap_or_default();
                format!("/Subtype/Image/Width {w}/Height {h}{bilevel}/Filter/JBIG2Decode{globals}")
            }
            ImageCoding::Dct { components } => {
                let space = if components == 1 {
                    "DeviceGray"
                } else {
                    "DeviceRGB"
                };
                format!(
                    "/Subtype/Image/Width {w}/Height {h}/ColorSpace/{space}/BitsPerComponent 8\
                     /Filter/DCTDecode"
                )
            }
        }
    }
}

/// What a mixed raster page shows under its mask.
#[derive(Clone, Copy, Debug)]
pub enum Paper<'a> {
    /// One colour over the whole page.
    Plain([u8; 3]),
    /// An image stretched over the page, usually at a lower resolution than the mask.
    Image(PdfImage<'a>),
}

/// What a mixed raster page paints through its mask.
#[derive(Clone, Copy, Debug)]
pub enum Ink<'a> {
    /// One colour.
    Colour([u8; 3]),
    /// An image of the ink's colours stretched over the page, shown where the mask is black.
    Image(PdfImage<'a>),
}

/// Document information carried over from the source (ISO 32000-1 14.3.3), as PDF strings
/// already escaped, e.g. `("Title", "(Letter)")`.
pub type DocumentInfo = Vec<(String, String)>;

/// A PDF being built, page by page.
pub struct PdfWriter {
    out: Vec<u8>,
    /// Byte offset of each object written directly, by object number (index 0 unused).
    offsets: Vec<Option<usize>>,
    /// Objects kept for the object stream: (number, body).
    compressed: Vec<(u32, String)>,
    /// Page object numbers, in order.
    pages: Vec<u32>,
    info: DocumentInfo,
}

/// Object numbers fixed in every file.
const CATALOG: u32 = 1;
const PAGE_TREE: u32 = 2;
const INFO: u32 = 3;
const FIRST_FREE: u32 = 4;

impl Default for PdfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PdfWriter {
    /// An empty PDF 1.5 document (object and cross-reference streams need 1.5).
    pub fn new() -> Self {
        // The comment of high bytes marks the file as binary (7.5.2).
        let out = b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n".to_vec();
        PdfWriter {
            out,
            offsets: vec![None; FIRST_FREE as usize],
            compressed: Vec::new(),
            pages: Vec::new(),
            info: Vec::new(),
        }
    }

    /// Sets the document information to carry over (Title, Author, dates...).
    pub fn set_info(&mut self, info: DocumentInfo) {
        self.info = info;
    }

    fn next_number(&mut self) -> u32 {
        self.offsets.push(None);
        (self.offsets.len() - 1) as u32
    }

    fn write_stream(&mut self, number: u32, dict: &str, data: &[u8]) {
        self.offsets[number as usize] = Some(self.out.len());
        let _ = write!(
            VecWriter(&mut self.out),
            "{number} 0 obj\n<<{dict}/Length {}>>stream\n",
            data.len()
        );
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes the global segments JBIG2 pages may share, once.
    pub fn add_jbig2_globals(&mut self, data: &[u8]) -> Jbig2Globals {
        let number = self.next_number();
        self.write_stream(number, "", data);
        Jbig2Globals(number)
    }

    /// Adds a page that shows `image`, sized from `resolution`, turned by `rotate` degrees (a
    /// multiple of 90) when shown.
    pub fn add_page(&mut self, image: &PdfImage<'_>, resolution: &Resolution, rotate: i32) {
        self.add_page_sized(image, (image.width, image.height), resolution, rotate);
    }

    /// Adds a page of `pixels` (width, height) at `resolution` that shows `image` stretched over
    /// it: an image kept at a lower resolution than the page it came from.
    pub fn add_page_sized(
        &mut self,
        image: &PdfImage<'_>,
        pixels: (u32, u32),
        resolution: &Resolution,
        rotate: i32,
    ) {
        let number = self.next_number();
        self.write_stream(number, &image.dict(false), image.data);
        let size = page_size(pixels, resolution);
        let ops = format!("q {} 0 0 {} 0 0 cm/I Do Q", size.0, size.1);
        self.finish_page(&size, rotate, &[("I", number)], &ops);
    }

    /// Adds a mixed raster page (ITU-T T.44's three layers): `paper` over the whole page, then
    /// `ink` through the bilevel `mask` (an /ImageMask stencil, 8.9.6.2, or the explicit /Mask of
    /// the ink image, 8.9.6.3). The page is sized from the mask and `resolution`.
    pub fn add_mrc_page(
        &mut self,
        paper: &Paper<'_>,
        mask: &PdfImage<'_>,
        ink: &Ink<'_>,
        resolution: &Resolution,
        rotate: i32,
    ) {
        let size = page_size((mask.width, mask.height), resolution);
        let place = format!("{} 0 0 {} 0 0 cm", size.0, size.1);
        let mut xobjects = Vec::new();
        let mut ops = match paper {
            Paper::Plain(colour) => {
                format!("q {} rg 0 0 {} {} re f Q ", rgb(*colour), size.0, size.1)
            }
            Paper::Image(background) => {
                let b = self.next_number();
                self.write_stream(b, &background.dict(false), background.data);
                xobjects.push(("B", b));
                format!("q {place}/B Do Q ")
            }
        };
        let m = self.next_number();
        self.write_stream(m, &mask.dict(true), mask.data);
        match ink {
            Ink::Colour(colour) => {
                xobjects.push(("M", m));
                let _ = write!(ops, "q {} rg {place}/M Do Q", rgb(*colour));
            }
            Ink::Image(image) => {
                let f = self.next_number();
                let dict = format!("{}/Mask {m} 0 R", image.dict(false));
                self.write_stream(f, &dict, image.data);
                xobjects.push(("F", f));
                let _ = write!(ops, "q {place}/F Do Q");
            }
        }
        self.finish_page(&size, rotate, &xobjects, &ops);
    }

    /// Writes a page's content stream and keeps its dictionary for the object stream.
    fn finish_page(
        &mut self,
        (w_pt, h_pt): &(String, String),
        rotate: i32,
        xobjects: &[(&str, u32)],
        ops: &str,
    ) {
        let contents = self.next_number();
        self.write_stream(contents, "", ops.as_bytes());
        let page = self.next_number();
        let rotate = match rotate.rem_euclid(360) {
            0 => String::new(),
            r => format!("/Rotate {r}"),
        };
        let xobjects: String = xobjects
            .iter()
            .map(|(name, n)| format!("/{name} {n} 0 R"))
            .collect();
        self.compressed.push((
            page,
            format!(
                "<</Type/Page/Parent {PAGE_TREE} 0 R/MediaBox[0 0 {w_pt} {h_pt}]{rotate}\
                 /Resources<</XObject<<{xobjects}>>>>/Contents {contents} 0 R>>"
            ),
        ));
        self.pages.push(page);
    }

    /// Pages added so far.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Writes the dictionaries, the object stream and the cross-reference stream; returns the file.
    pub fn finish(mut self) -> Vec<u8> {
        let kids: String = self.pages.iter().map(|p| format!("{p} 0 R ")).collect();
        self.compressed
            .push((CATALOG, format!("<</Type/Catalog/Pages {PAGE_TREE} 0 R>>")));
        self.compressed.push((
            PAGE_TREE,
            format!(
                "<</Type/Pages/Kids[{}]/Count {}>>",
                kids.trim_end(),
                self.pages.len()
            ),
        ));
        let mut info = format!("<</Producer(scanpress {})", env!("CARGO_PKG_VERSION"));
        for (key, value) in &self.info {
            if key != "Producer" {
                let _ = write!(info, "/{key}{value}");
            }
        }
        info.push_str(">>");
        self.compressed.push((INFO, info));
        self.compressed.sort_by_key(|(n, _)| *n);

        // The object stream (7.5.7): pairs of number and offset, then the bodies.
        let mut index = String::new();
        let mut bodies = String::new();
        for (number, body) in &self.compressed {
            let _ = write!(index, "{number} {} ", bodies.len());
            bodies.push_str(body);
            bodies.push('\n');
        }
        let first = index.len();
        let packed =
            miniz_oxide::deflate::compress_to_vec_zlib(format!("{index}{bodies}").as_bytes(), 9);
        let objstm = self.next_number();
        let dict = format!(
            "/Type/ObjStm/N {}/First {first}/Filter/FlateDecode",
            self.compressed.len()
        );
        self.write_stream(objstm, &dict, &packed);

        // The cross-reference stream (7.5.8): type, offset or object stream, generation or index.
        let xref = self.next_number();
        let size = xref + 1;
        let mut in_stream = vec![None; size as usize];
        for (i, (number, _)) in self.compressed.iter().enumerate() {
            in_stream[*number as usize] = Some(i as u16);
        }
        let xref_at = self.out.len();
        let mut rows = Vec::with_capacity(7 * size as usize);
        for (n, stream_index) in in_stream.iter().enumerate() {
            let (kind, field2, field3): (u8, u32, u16) = if n == xref as usize {
                (1, xref_at as u32, 0)
            } else if let Some(offset) = self.offsets.get(n).copied().flatten() {
                (1, offset as u32, 0)
            } else if let Some(i) = *stream_index {
                (2, objstm, i)
            } else {
                (0, 0, 0xFFFF)
            };
            rows.push(kind);
            rows.extend_from_slice(&field2.to_be_bytes());
            rows.extend_from_slice(&field3.to_be_bytes());
        }
        let id = file_id(&self.out);
        let dict = format!(
            "/Type/XRef/Size {size}/W[1 4 2]/Root {CATALOG} 0 R/Info {INFO} 0 R/ID[<{id}><{id}>]"
        );
        self.write_stream(xref, &dict, &rows);
        let _ = write!(VecWriter(&mut self.out), "startxref\n{xref_at}\n%%EOF\n");
        self.out
    }
}

/// A page's width and height in points for `width` x `height` pixels at `resolution`.
fn page_size((width, height): (u32, u32), resolution: &Resolution) -> (String, String) {
    (
        points(f64::from(width), resolution.x),
        points(f64::from(height), resolution.y),
    )
}

/// An RGB colour as `rg` operands: components from 0 to 1, to three places.
fn rgb(colour: [u8; 3]) -> String {
    let [r, g, b] = colour.map(|c| format!("{}", (f64::from(c) / 0.255).round() / 1000.0));
    format!("{r} {g} {b}")
}

/// Page length in PDF points (1/72 in) for `pixels` at `dpi`, rounded to 1/100 point.
fn points(pixels: f64, dpi: f64) -> String {
    let pt = (pixels * 72.0 / dpi * 100.0).round() / 100.0;
    let s = format!("{pt:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A file identifier (14.4) from the content, so the same input always gives the same bytes:
/// 128-bit FNV-1a, in hex.
fn file_id(bytes: &[u8]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for &b in bytes {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("{h:032X}")
}

/// `fmt::Write` into a byte vector.
struct VecWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A PDF literal string (7.3.4.2) for `text`, in PDFDocEncoding where it fits and UTF-16BE with
/// a byte order mark where it does not.
pub fn pdf_string(text: &str) -> String {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        let mut out = String::from("(");
        for c in text.chars() {
            if matches!(c, '(' | ')' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in text.encode_utf16() {
            let _ = write!(out, "{unit:04X}");
        }
        out.push('>');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_short_decimals() {
        assert_eq!(points(2550.0, 300.0), "612");
        assert_eq!(points(1728.0, 204.0), "609.88");
        assert_eq!(points(1082.0, 98.0), "794.94");
    }

    #[test]
    fn strings_escape_and_fall_back_to_utf16() {
        assert_eq!(pdf_string("a(b)\\c"), "(a\\(b\\)\\\\c)");
        assert_eq!(pdf_string("Ärzte"), "<FEFF00C40072007A00740065>");
    }

    #[test]
    fn empty_document_is_well_formed_and_deterministic() {
        let a = PdfWriter::new().finish();
        let b = PdfWriter::new().finish();
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-1.5") && a.ends_with(b"%%EOF\n"));
        let doc = lopdf::Document::load_mem(&a).unwrap();
        assert_eq!(doc.get_pages().len(), 0);
    }
}
