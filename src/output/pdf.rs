//! Compact image PDFs (ISO 32000-1): each page one image XObject sized from its resolution.
//!
//! Image and content streams are written as pages arrive; the small dictionaries (catalog, page
//! tree, pages, document information) go at the end into one compressed object stream
//! (7.5.7), indexed by a cross-reference stream (7.5.8), which is what keeps a one-page G4 PDF
//! within a few hundred bytes of its image data.

use std::fmt::Write as _;

use crate::page::Resolution;

/// How a page's image is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageCoding {
    /// CCITT Group 4 (`/CCITTFaxDecode` with `/K -1`), black runs black.
    G4 {
        /// Each coded line starts on a byte (`/EncodedByteAlign`).
        byte_align: bool,
    },
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

    /// Adds a page showing a `width` x `height` bilevel image coded as `coding`, at `resolution`,
    /// turned by `rotate` degrees (a multiple of 90) when shown.
    pub fn add_bilevel_page(
        &mut self,
        width: u32,
        height: u32,
        resolution: &Resolution,
        rotate: i32,
        coding: ImageCoding,
        data: &[u8],
    ) {
        let image = self.next_number();
        let ImageCoding::G4 { byte_align } = coding;
        let align = if byte_align {
            "/EncodedByteAlign true"
        } else {
            ""
        };
        let dict = format!(
            "/Type/XObject/Subtype/Image/Width {width}/Height {height}/ColorSpace/DeviceGray\
             /BitsPerComponent 1/Filter/CCITTFaxDecode\
             /DecodeParms<</K -1/Columns {width}/Rows {height}{align}>>"
        );
        self.write_stream(image, &dict, data);

        let (w_pt, h_pt) = (
            points(f64::from(width), resolution.x),
            points(f64::from(height), resolution.y),
        );
        let contents = self.next_number();
        let ops = format!("q {w_pt} 0 0 {h_pt} 0 0 cm/I Do Q");
        self.write_stream(contents, "", ops.as_bytes());

        let page = self.next_number();
        let rotate = match rotate.rem_euclid(360) {
            0 => String::new(),
            r => format!("/Rotate {r}"),
        };
        self.compressed.push((
            page,
            format!(
                "<</Type/Page/Parent {PAGE_TREE} 0 R/MediaBox[0 0 {w_pt} {h_pt}]{rotate}\
                 /Resources<</XObject<</I {image} 0 R>>>>/Contents {contents} 0 R>>"
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
