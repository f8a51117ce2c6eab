//! Compress a folder of scans into a folder of PDFs mirroring it, two files at a time, resuming
//! from the manifest of an earlier run, and print the summary.
//!
//! `cargo run --release --example compress_folder -- SCANS OUT`

use std::path::PathBuf;

use scanpress::batch::{self, BatchOptions, Outcome};
use scanpress::report::BatchReport;
use scanpress::{Format, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(scans), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: compress_folder SCANS OUT");
        std::process::exit(2);
    };
    let options = Options::default().with_format(Format::Pdf);
    let jobs = batch::plan(&[scans], &out, Format::Pdf)?;
    let batch_options = BatchOptions {
        jobs: 2,
        manifest: Some(out.join(".scanpress-manifest.jsonl")),
        ..BatchOptions::default()
    };
    let progress = |job: &batch::Job, outcome: &Outcome| {
        if let Outcome::Failed(reason) = outcome {
            eprintln!("FAILED {}: {reason}", job.input.display());
        }
    };
    let results = batch::run(&jobs, &options, &batch_options, &progress)?;
    let report = BatchReport {
        results: &results,
        link: options.link,
    };
    println!("{}", report.summary_line());
    std::process::exit(i32::from(report.summary().failed > 0));
}
