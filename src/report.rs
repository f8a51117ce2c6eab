//! What a compression cost and saved: per page and per file, bytes and seconds on the link.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::options::LinkRate;

/// One page of the output.
#[derive(Clone, Debug, PartialEq)]
pub struct PageReport {
    /// Page number in the document, from 1.
    pub number: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution written to the output, dpi.
    pub dpi: (f64, f64),
    /// "bilevel", "grey" or "colour": what the input page was.
    pub input_kind: &'static str,
    /// The codec used.
    pub codec: &'static str,
    /// Compressed bytes the page took in the input, where known.
    pub bytes_in: Option<u64>,
    /// Coded bytes of the page in the output (image data only); the first page of a group of
    /// JBIG2 pages that share a dictionary counts the shared segments too, which a reader needs
    /// before it can show that page.
    pub bytes_out: u64,
    /// Whether the coded page was decoded again and compared.
    pub verified: bool,
    /// Every lossy step taken and every guess made (binarisation, estimated resolution).
    pub notes: Vec<String>,
}

/// One input file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileReport {
    /// The input.
    pub input: PathBuf,
    /// The output written.
    pub output: PathBuf,
    /// Size of the input file.
    pub bytes_in: u64,
    /// Size of the output file.
    pub bytes_out: u64,
    /// The pages.
    pub pages: Vec<PageReport>,
}

impl FileReport {
    /// A human-readable table: one line a page, then the file total, with seconds at `link`.
    pub fn to_text(&self, link: LinkRate) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} -> {}", self.input.display(), self.output.display());
        for p in &self.pages {
            let source = match p.bytes_in {
                Some(b) => format!("{b} bytes ({:.1} s)", link.seconds(b)),
                None => "? bytes".to_string(),
            };
            let _ = writeln!(
                s,
                "  page {}: {}x{} {} {:.0}x{:.0} dpi, {source} -> {} {} bytes ({:.1} s){}",
                p.number,
                p.width,
                p.height,
                p.input_kind,
                p.dpi.0,
                p.dpi.1,
                p.codec,
                p.bytes_out,
                link.seconds(p.bytes_out),
                if p.verified {
                    ", verified"
                } else {
                    ", NOT verified"
                },
            );
            for n in &p.notes {
                let _ = writeln!(s, "            {n}");
            }
        }
        let _ = writeln!(
            s,
            "  file: {} -> {} bytes ({:.1}x), {:.1} s -> {:.1} s at {}",
            self.bytes_in,
            self.bytes_out,
            self.bytes_in as f64 / self.bytes_out.max(1) as f64,
            link.seconds(self.bytes_in),
            link.seconds(self.bytes_out),
            format_rate(link)
        );
        s
    }
}

/// "64 kbit/s", "9600 bit/s", "2 Mbit/s".
pub fn format_rate(link: LinkRate) -> String {
    let b = link.bits_per_second;
    if b >= 1_000_000 && b % 1_000_000 == 0 {
        format!("{} Mbit/s", b / 1_000_000)
    } else if b >= 1000 && b % 1000 == 0 {
        format!("{} kbit/s", b / 1000)
    } else {
        format!("{b} bit/s")
    }
}
