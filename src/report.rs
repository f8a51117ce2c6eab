//! What a compression cost and saved: per page and per file, bytes and seconds on the link.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::batch::{Job, Outcome};
use crate::error::{Error, Result};
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
    pub codec: String,
    /// Compressed bytes the page took in the input, where known.
    pub bytes_in: Option<u64>,
    /// Coded bytes of the page in the output (image data only); the first page of a group of
    /// JBIG2 pages that share a dictionary counts the shared segments too, which a reader needs
    /// before it can show that page.
    pub bytes_out: u64,
    /// For a page coded in resolution layers (JBIG1), the bytes of its coded image up to the end
    /// of each layer, lowest first: what a reader needs to show that layer. Empty otherwise.
    pub layer_bytes: Vec<u64>,
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
            if let Some(&first) = p.layer_bytes.first() {
                let _ = writeln!(
                    s,
                    "            first view after {first} bytes ({:.1} s), {} layers",
                    link.seconds(first),
                    p.layer_bytes.len()
                );
            }
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
    if b >= 1_000_000 && b.is_multiple_of(1_000_000) {
        format!("{} Mbit/s", b / 1_000_000)
    } else if b >= 1000 && b.is_multiple_of(1000) {
        format!("{} kbit/s", b / 1000)
    } else {
        format!("{b} bit/s")
    }
}

/// A batch's totals, over the files done now and those an earlier run finished.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Files in the batch (in this shard).
    pub files: usize,
    /// Files compressed now.
    pub done: usize,
    /// Files an earlier run finished.
    pub done_earlier: usize,
    /// Files that failed.
    pub failed: usize,
    /// Pages written.
    pub pages: usize,
    /// Bytes of the inputs done.
    pub bytes_in: u64,
    /// Bytes of their outputs.
    pub bytes_out: u64,
    /// Seconds the inputs take on the link.
    pub seconds_in: f64,
    /// Seconds the outputs take.
    pub seconds_out: f64,
    /// Hours of the link saved.
    pub hours_saved: f64,
}

/// One page of a batch report: one row of the CSV, one element of a file's pages in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct PageRow<'a> {
    input: String,
    output: String,
    status: &'static str,
    reason: &'a str,
    page: u32,
    codec: &'a str,
    input_kind: &'a str,
    width: u32,
    height: u32,
    pixels: u64,
    dpi_x: f64,
    dpi_y: f64,
    bytes_in: Option<u64>,
    bytes_out: u64,
    ratio: Option<f64>,
    /// Seconds at the link rate until the page can first be shown: its lowest resolution layer
    /// for a page in layers, else its whole coded image (with the shared JBIG2 segments of its
    /// group for a group's first page).
    seconds_first_view: f64,
    seconds_page: f64,
    /// Seconds to each resolution layer, `;` between them (pages in layers only).
    seconds_to_layers: String,
    verified: bool,
    lossy_steps: String,
}

/// The report of a batch: every file with its outcome, page by page, and the totals.
pub struct BatchReport<'a> {
    /// The files run and what became of them.
    pub results: &'a [(Job, Outcome)],
    /// The link the seconds are for.
    pub link: LinkRate,
}

impl BatchReport<'_> {
    /// The totals.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.results.len(),
            ..Summary::default()
        };
        for (_, outcome) in self.results {
            match outcome {
                Outcome::Done(r) => {
                    s.done += 1;
                    s.pages += r.pages.len();
                    s.bytes_in += r.bytes_in;
                    s.bytes_out += r.bytes_out;
                }
                Outcome::DoneEarlier(f) => {
                    s.done_earlier += 1;
                    s.pages += f.pages;
                    s.bytes_in += f.bytes_in;
                    s.bytes_out += f.bytes_out;
                }
                Outcome::Failed(_) => s.failed += 1,
            }
        }
        s.seconds_in = self.link.seconds(s.bytes_in);
        s.seconds_out = self.link.seconds(s.bytes_out);
        s.hours_saved = (s.seconds_in - s.seconds_out) / 3600.0;
        s
    }

    /// The closing line of a run.
    pub fn summary_line(&self) -> String {
        let s = self.summary();
        format!(
            "{} of {} files done ({} now, {} earlier), {} failed; {} pages; {} -> {} bytes; \
             {:.1} s -> {:.1} s at {}, {:.2} hours of the line saved",
            s.done + s.done_earlier,
            s.files,
            s.done,
            s.done_earlier,
            s.failed,
            s.pages,
            s.bytes_in,
            s.bytes_out,
            s.seconds_in,
            s.seconds_out,
            format_rate(self.link),
            s.hours_saved
        )
    }

    /// Every page's row; a file not done now has one row with page 0.
    fn rows(&self) -> Vec<PageRow<'_>> {
        let mut rows = Vec::new();
        for (job, outcome) in self.results {
            let file_row = |status, reason| PageRow {
                input: job.input.display().to_string(),
                output: job.output.display().to_string(),
                status,
                reason,
                page: 0,
                codec: "",
                input_kind: "",
                width: 0,
                height: 0,
                pixels: 0,
                dpi_x: 0.0,
                dpi_y: 0.0,
                bytes_in: None,
                bytes_out: 0,
                ratio: None,
                seconds_first_view: 0.0,
                seconds_page: 0.0,
                seconds_to_layers: String::new(),
                verified: false,
                lossy_steps: String::new(),
            };
            match outcome {
                Outcome::Done(report) => {
                    for p in &report.pages {
                        let seconds = self.link.seconds(p.bytes_out);
                        rows.push(PageRow {
                            page: p.number,
                            codec: &p.codec,
                            input_kind: p.input_kind,
                            width: p.width,
                            height: p.height,
                            pixels: u64::from(p.width) * u64::from(p.height),
                            dpi_x: p.dpi.0,
                            dpi_y: p.dpi.1,
                            bytes_in: p.bytes_in,
                            bytes_out: p.bytes_out,
                            ratio: p.bytes_in.map(|b| b as f64 / p.bytes_out.max(1) as f64),
                            seconds_first_view: p
                                .layer_bytes
                                .first()
                                .map_or(seconds, |&b| self.link.seconds(b)),
                            seconds_page: seconds,
                            seconds_to_layers: p
                                .layer_bytes
                                .iter()
                                .map(|&b| format!("{:.2}", self.link.seconds(b)))
                                .collect::<Vec<_>>()
                                .join(";"),
                            verified: p.verified,
                            lossy_steps: p.notes.join("; "),
                            ..file_row("done", "")
                        });
                    }
                }
                Outcome::DoneEarlier(_) => rows.push(file_row("done earlier", "")),
                Outcome::Failed(reason) => rows.push(file_row("failed", reason)),
            }
        }
        rows
    }

    /// The report as JSON: the link rate, every file with its status, reason and pages, and the
    /// totals.
    pub fn to_json(&self) -> Result<String> {
        #[derive(Serialize)]
        struct FileJson<'a> {
            input: String,
            output: String,
            status: &'static str,
            reason: &'a str,
            pages: Vec<PageRow<'a>>,
        }
        #[derive(Serialize)]
        struct Json<'a> {
            link_bits_per_second: u64,
            files: Vec<FileJson<'a>>,
            summary: Summary,
        }
        let mut files: Vec<FileJson<'_>> = Vec::new();
        for row in self.rows() {
            let same = files
                .last()
                .is_some_and(|f| f.input == row.input && row.page > 1);
            if !same {
                files.push(FileJson {
                    input: row.input.clone(),
                    output: row.output.clone(),
                    status: row.status,
                    reason: row.reason,
                    pages: Vec::new(),
                });
            }
            if row.page > 0 {
                files.last_mut().expect("pushed").pages.push(row);
            }
        }
        let json = Json {
            link_bits_per_second: self.link.bits_per_second,
            files,
            summary: self.summary(),
        };
        serde_json::to_string_pretty(&json)
            .map_err(|e| Error::Parameter(format!("report as JSON: {e}")))
    }

    /// The report as CSV: a header, then one row a page (a file not done now: one row, page 0).
    pub fn to_csv(&self) -> Result<String> {
        let fail = |e: csv::Error| Error::Parameter(format!("report as CSV: {e}"));
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in self.rows() {
            w.serialize(row).map_err(fail)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::Parameter(format!("report as CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| Error::Parameter(format!("report as CSV: {e}")))
    }
}
