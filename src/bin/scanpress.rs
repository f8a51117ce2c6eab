//! The `scanpress` command line: compress, decode and inspect scans, single files or folder trees.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use scanpress::batch::{self, BatchOptions, Outcome, Shard};
use scanpress::options::{Codec, Format, LinkRate, Options, Threshold};
use scanpress::prepare::analyse::analyse;
use scanpress::prepare::binarize::binarize;
use scanpress::prepare::layers::Samples;
use scanpress::report::{BatchReport, format_rate};
use scanpress::{Error, pipeline};

#[derive(Parser)]
#[command(
    name = "scanpress",
    version,
    about = "Pixel-exact recompression of scanned documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compress scans: one file to one file, or files and folders into a folder mirroring them.
    Compress(Deferred<CompressArgs>),
    /// Decode one page of any input to PBM, PNG or G4 TIFF.
    Decode(Deferred<DecodeArgs>),
    /// Describe the pages of an input and what they cost on the link.
    Info(Deferred<InfoArgs>),
}

/// A subcommand's arguments, described to clap only when that subcommand is the one given
/// ([`clap::Command::defer`]), its help included: describing every subcommand's arguments at
/// each start was a third of the instructions clap ran for a `decode` (35,000 of 100,000) and 4
/// page faults: 1-2% of decoding a small page (docs/jbig1-speed-log.md, the fifteenth look).
struct Deferred<T>(T);

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

#[derive(Args)]
struct CompressArgs {
    /// Input files or folders.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (one input file) or folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Codec: auto (JBIG2 in PDF and .jb2, G4 in TIFF, JBIG1 in .jbg; in PDF, grey and colour
    /// pages with pictures or coloured ink as mrc, photographs as jpeg), g4, jbig2,
    /// jbig2-generic, jbig1, mrc (PDF) or jpeg (PDF).
    #[arg(long, default_value = "auto")]
    codec: Codec,
    /// Output format (default: from the output extension; pdf for folders).
    #[arg(long)]
    format: Option<Format>,
    /// Binarisation of grey and colour pages: auto, otsu, sauvola or 0-255.
    #[arg(long, default_value = "auto")]
    threshold: Threshold,
    /// Link rate for the report: 9600, 64k, 2M.
    #[arg(long, default_value = "64k")]
    link: LinkRate,
    /// Skip decoding every page again to check it (not recommended).
    #[arg(long)]
    no_verify: bool,
    /// Leave writing outputs (and the manifest) out to the system, as most converters do,
    /// rather than syncing each before it counts as done: faster, but after a power cut
    /// outputs may be empty; run again with --force then.
    #[arg(long)]
    no_sync: bool,
    /// Overwrite outputs that exist, and redo files an earlier run finished.
    #[arg(long)]
    force: bool,
    /// Files compressed at a time (default: one a core).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Write a report of every file and page: FILE.json or FILE.csv.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Only the files of shard I of N (I from 0), by a stable hash of their relative paths.
    #[arg(long)]
    shard: Option<Shard>,
    /// The manifest of finished files to resume from (default for folders:
    /// OUT/.scanpress-manifest.jsonl, or -I-of-N.jsonl for a shard).
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(Args)]
struct DecodeArgs {
    /// Input file.
    input: PathBuf,
    /// Output: .pbm, .png or .tif.
    #[arg(short, long)]
    output: PathBuf,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    page: u32,
}

#[derive(Args)]
struct InfoArgs {
    /// Input file.
    input: PathBuf,
    /// Link rate: 9600, 64k, 2M.
    #[arg(long, default_value = "64k")]
    link: LinkRate,
}

fn main() -> ExitCode {
    // A closed pipe (`scanpress ... | head`) ends the program quietly, as for other Unix tools,
    // rather than as a failed print.
    #[cfg(unix)]
    // SAFETY: restoring the default action of a signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compress(args) => compress(args.0),
        Command::Decode(args) => decode(args.0).map(|()| true),
        Command::Info(args) => info(args.0).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e @ Error::Parameter(_)) => {
            eprintln!("scanpress: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("scanpress: {e}");
            ExitCode::from(1)
        }
    }
}

fn compress(args: CompressArgs) -> Result<bool, Error> {
    let single_file = args.inputs.len() == 1 && args.inputs[0].is_file() && !args.output.is_dir();
    let format = match args.format {
        Some(f) => f,
        None if single_file => Format::from_extension(&args.output)?,
        None => Format::Pdf,
    };
    let options = Options::default()
        .with_codec(args.codec)
        .with_format(format)
        .with_threshold(args.threshold)
        .with_verify(!args.no_verify)
        .with_sync(!args.no_sync)
        .with_link(args.link);
    let jobs = batch::plan(&args.inputs, &args.output, format)?;
    // A folder's run keeps a manifest in the output folder, one a shard, to resume from.
    let manifest = args.manifest.clone().or_else(|| {
        (!single_file).then(|| {
            let name = match args.shard {
                Some(s) => format!(".scanpress-manifest-{}-of-{}.jsonl", s.index, s.count),
                None => ".scanpress-manifest.jsonl".to_string(),
            };
            args.output.join(name)
        })
    });
    let batch_options = BatchOptions {
        jobs: args.jobs,
        force: args.force,
        shard: args.shard,
        manifest,
    };
    let link = options.link;
    let terminal = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(jobs.len() as u64);
    if terminal {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress = |job: &batch::Job, outcome: &Outcome| {
        bar.suspend(|| match outcome {
            Outcome::Done(report) => print!("{}", report.to_text(link)),
            Outcome::DoneEarlier(_) => println!("{}: done in an earlier run", job.input.display()),
            Outcome::Failed(reason) => eprintln!("FAILED {}: {reason}", job.input.display()),
        });
        bar.inc(1);
    };
    let results = batch::run(&jobs, &options, &batch_options, &progress)?;
    bar.finish_and_clear();
    let report = BatchReport {
        results: &results,
        link,
    };
    if let Some(path) = &args.report {
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => report.to_csv()?,
            _ => report.to_json()?,
        };
        pipeline::write_atomically(path, text.as_bytes())?;
    }
    println!("{}", report.summary_line());
    Ok(report.summary().failed == 0)
}

fn decode(args: DecodeArgs) -> Result<(), Error> {
    let data = std::fs::read(&args.input).map_err(|e| Error::io(&args.input, e))?;
    let name = args.input.file_name().and_then(|n| n.to_str());
    let options = Options::default();
    let (bitmap, resolution) = pipeline::decode_page(&data, name, args.page, &options)?;
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("pbm") => {
            return pipeline::replace_with(&args.output, |f| bitmap.into_pbm(f));
        }
        Some("png") => {
            let gray =
                image::GrayImage::from_raw(bitmap.width(), bitmap.height(), bitmap.to_gray())
                    .ok_or_else(|| Error::Parameter("bitmap size".into()))?;
            let mut out = std::io::Cursor::new(Vec::new());
            gray.write_to(&mut out, image::ImageFormat::Png)
                .map_err(|e| Error::Parameter(format!("PNG encoding: {e}")))?;
            out.into_inner()
        }
        Some("tif" | "tiff") => {
            let g4 = pipeline::encode_g4_verified(&bitmap, true)?;
            let mut w = scanpress::output::tiff::TiffWriter::new();
            w.add_g4_page(bitmap.width(), bitmap.height(), &resolution, &g4);
            w.finish()
        }
        _ => {
            return Err(Error::Parameter(format!(
                "{}: decode writes .pbm, .png or .tif",
                args.output.display()
            )));
        }
    };
    pipeline::replace_with(&args.output, |f| f.write_all(&bytes))
}

fn info(args: InfoArgs) -> Result<(), Error> {
    let data = std::fs::read(&args.input).map_err(|e| Error::io(&args.input, e))?;
    let name = args.input.file_name().and_then(|n| n.to_str());
    let options = Options::default();
    let kind = scanpress::input::detect(&data, name)?;
    println!(
        "{}: {kind:?}, {} bytes ({:.1} s at {})",
        args.input.display(),
        data.len(),
        args.link.seconds(data.len() as u64),
        format_rate(args.link)
    );
    for (i, page) in scanpress::input::pages(&data, name, &options.limits)?.enumerate() {
        let page = page?;
        let (w, h) = page.image.dimensions();
        let r = &page.resolution;
        let bytes = page.source_bytes.map_or_else(
            || "?".into(),
            |b| format!("{b} bytes ({:.1} s)", args.link.seconds(b)),
        );
        println!(
            "  page {}: {w}x{h} {}, {:.0}x{:.0} dpi, {bytes}",
            i + 1,
            page.image.kind(),
            r.x,
            r.y
        );
        if let Some(note) = &r.estimated {
            println!("          {note}");
        }
        // What a grey or colour page holds decides how `compress` codes it in PDF.
        if let Some(samples) = Samples::of(&page.image) {
            let luma = page.image.luma();
            let dpi = r.x.min(r.y);
            let (mask, _) = binarize(&luma, dpi, Threshold::Auto, &options.limits)?;
            let analysis = analyse(&samples, &luma.data, &mask, dpi, &options.limits)?;
            println!("          {}", analysis.reason);
        }
    }
    Ok(())
}
