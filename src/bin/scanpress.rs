//! The `scanpress` command line: compress, decode and inspect scans, single files or folder trees.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use scanpress::options::{Codec, Format, LinkRate, Options, Threshold};
use scanpress::report::format_rate;
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
    Compress(CompressArgs),
    /// Decode one page of any input to PBM, PNG or G4 TIFF.
    Decode(DecodeArgs),
    /// Describe the pages of an input and what they cost on the link.
    Info(InfoArgs),
}

#[derive(Args)]
struct CompressArgs {
    /// Input files or folders.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (one input file) or folder.
    #[arg(short, long)]
    output: PathBuf,
    /// Codec: auto (JBIG2 in PDF and .jb2, G4 in TIFF), g4, jbig2 or jbig2-generic.
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
    /// Overwrite outputs that exist.
    #[arg(long)]
    force: bool,
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compress(args) => compress(args),
        Command::Decode(args) => decode(args).map(|()| true),
        Command::Info(args) => info(args).map(|()| true),
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

/// Lists the files below `dir`, sorted, so runs are repeatable.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !hidden {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// Pairs every input file with its output path.
fn plan(args: &CompressArgs, format: Format) -> Result<Vec<(PathBuf, PathBuf)>, Error> {
    let single_file = args.inputs.len() == 1 && args.inputs[0].is_file();
    if single_file && !args.output.is_dir() {
        return Ok(vec![(args.inputs[0].clone(), args.output.clone())]);
    }
    if args.output.exists() && !args.output.is_dir() {
        return Err(Error::Parameter(format!(
            "{} is a file; several inputs or a folder need an output folder",
            args.output.display()
        )));
    }
    let mut jobs = Vec::new();
    for input in &args.inputs {
        if input.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files).map_err(|e| Error::io(input, e))?;
            for file in files {
                let rel = file.strip_prefix(input).unwrap_or(&file);
                let out = args.output.join(rel).with_extension(format.extension());
                jobs.push((file, out));
            }
        } else if input.exists() {
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            jobs.push((
                input.clone(),
                args.output.join(name).with_extension(format.extension()),
            ));
        } else {
            return Err(Error::Parameter(format!(
                "{} does not exist",
                input.display()
            )));
        }
    }
    Ok(jobs)
}

fn compress(args: CompressArgs) -> Result<bool, Error> {
    let format = match args.format {
        Some(f) => f,
        None if args.inputs.len() == 1 && args.inputs[0].is_file() && !args.output.is_dir() => {
            Format::from_extension(&args.output)?
        }
        None => Format::Pdf,
    };
    let options = Options::default()
        .with_codec(args.codec)
        .with_format(format)
        .with_threshold(args.threshold)
        .with_verify(!args.no_verify)
        .with_link(args.link);
    let jobs = plan(&args, format)?;
    let (mut ok, mut failed) = (0usize, Vec::new());
    let (mut bytes_in, mut bytes_out, mut pages) = (0u64, 0u64, 0usize);
    for (input, output) in &jobs {
        if output.exists() && !args.force {
            failed.push((
                input.clone(),
                format!("{} exists (use --force)", output.display()),
            ));
            continue;
        }
        if let Some(parent) = output.parent()
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            failed.push((input.clone(), format!("{}: {e}", parent.display())));
            continue;
        }
        match pipeline::compress_file(input, output, &options) {
            Ok(report) => {
                print!("{}", report.to_text(options.link));
                ok += 1;
                bytes_in += report.bytes_in;
                bytes_out += report.bytes_out;
                pages += report.pages.len();
            }
            Err(e) => failed.push((input.clone(), e.to_string())),
        }
    }
    for (input, reason) in &failed {
        eprintln!("FAILED {}: {reason}", input.display());
    }
    let link = options.link;
    println!(
        "{ok} of {} files done, {} failed; {pages} pages; {bytes_in} -> {bytes_out} bytes; \
         {:.1} s -> {:.1} s at {}",
        jobs.len(),
        failed.len(),
        link.seconds(bytes_in),
        link.seconds(bytes_out),
        format_rate(link)
    );
    Ok(failed.is_empty())
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
        Some("pbm") => bitmap.to_pbm(),
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
    pipeline::write_atomically(&args.output, &bytes)
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
    }
    Ok(())
}
