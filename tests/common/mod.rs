//! Shared helpers for the integration tests: the corpus, the external tools, temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use scanpress::{Bitmap, Limits};

/// The corpus folder: `SCANPRESS_CORPUS`, else `../shared/corpus` beside the crate.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SCANPRESS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        require_in_ci(&format!("corpus at {}", dir.display()));
        None
    }
}

/// Corpus files whose names end in one of `extensions`, sorted.
pub fn corpus_files(extensions: &[&str]) -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("files"))
        .expect("corpus files folder")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| {
            let name = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_ascii_lowercase();
            extensions.iter().any(|e| name.ends_with(e))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files with {extensions:?}");
    files
}

/// A missing prerequisite fails the run in CI and is reported and skipped elsewhere.
fn require_in_ci(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required in CI but missing");
    }
    eprintln!("SKIPPED: {what} is missing");
}

/// Whether a command-line tool is on the PATH (required in CI).
pub fn have_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        require_in_ci(&format!("tool {name}"));
    }
    found
}

/// Runs a command, panicking with its output when it fails.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A fresh empty folder under the target directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Decodes every page of a TIFF with libtiff (`tiffcp -c none`), then reads the uncompressed
/// result with the `tiff` crate: libtiff's own view of the pixels.
pub fn libtiff_pages(tif: &Path, scratch: &TempDir) -> Vec<Bitmap> {
    let plain = scratch.path("libtiff-plain.tif");
    run(Command::new("tiffcp")
        .args(["-c", "none", "-f", "msb2lsb"])
        .arg(tif)
        .arg(&plain));
    let data = std::fs::read(&plain).unwrap();
    let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(&data[..])).unwrap();
    let mut pages = Vec::new();
    loop {
        let (w, h) = decoder.dimensions().unwrap();
        let tiff::decoder::DecodingResult::U8(bytes) = decoder.read_image().unwrap() else {
            panic!("libtiff output is not 1-bit")
        };
        // The `tiff` crate maps WhiteIsZero to BlackIsZero: a one bit is white.
        pages.push(
            Bitmap::from_packed_rows(
                w,
                h,
                &bytes,
                w.div_ceil(8) as usize,
                false,
                &Limits::default(),
            )
            .unwrap(),
        );
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().unwrap();
    }
    pages
}

/// The pages of an input as read, each of which must be bilevel.
pub fn bilevel_pages(data: &[u8]) -> Vec<Bitmap> {
    scanpress::input::pages(data, None, &Limits::default())
        .unwrap()
        .map(|p| match p.unwrap().image {
            scanpress::PageImage::Bilevel(b) => b,
            other => panic!("{} page", other.kind()),
        })
        .collect()
}

/// The bilevel pages scanpress makes of an input (binarising grey and colour ones).
pub fn our_bitmaps(data: &[u8], name: &str) -> Vec<Bitmap> {
    let options = scanpress::Options::default();
    scanpress::input::pages(data, Some(name), &options.limits)
        .unwrap()
        .map(|p| {
            scanpress::pipeline::prepare(p.unwrap(), &options)
                .unwrap()
                .0
        })
        .collect()
}

/// A PDF of numbered object bodies (object 1 the catalog), with a correct cross-reference table.
pub fn pdf_from_objects(objects: &[&[u8]]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {size}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// Every page of the corpus that is bilevel as read (TIFF, PNG, scanner PDF and raw fax files),
/// named `file#page`, with its resolution.
pub fn corpus_bilevel_pages() -> Vec<(String, Bitmap, (f64, f64))> {
    let mut pages = Vec::new();
    for file in corpus_files(&[".tif", ".png", ".pdf", ".g3"]) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&file).unwrap();
        let Ok(reader) = scanpress::input::pages(&data, Some(&name), &Limits::default()) else {
            continue;
        };
        for (i, page) in reader.enumerate() {
            let Ok(page) = page else { continue };
            let dpi = (page.resolution.x, page.resolution.y);
            if let scanpress::PageImage::Bilevel(b) = page.image {
                pages.push((format!("{name}#{}", i + 1), b, dpi));
            }
        }
    }
    pages
}

/// `b` as jbig2enc-rust's packed image, for measuring it side by side.
pub fn jbig2enc_image(b: &Bitmap) -> jbig2enc_rust::jbig2sym::BitImage {
    let (w, h) = (b.width() as usize, b.height() as usize);
    // Contiguous bits, no row padding, MSB first.
    let mut bytes = vec![0u8; (w * h).div_ceil(8)];
    for y in 0..h {
        for x in 0..w {
            if b.get(x as u32, y as u32) {
                let i = y * w + x;
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
    }
    jbig2enc_rust::jbig2sym::BitImage::from_bytes(w, h, &bytes).unwrap()
}

/// `b` as one byte a pixel, 1 for black: jbig2enc-rust's input.
pub fn pixel_bytes(b: &Bitmap) -> Vec<u8> {
    (0..b.height())
        .flat_map(|y| (0..b.width()).map(move |x| u8::from(b.get(x, y))))
        .collect()
}

/// jbig2dec's decoding of every page of a standalone JBIG2 file.
pub fn jbig2dec_pages(jb2: &[u8], scratch: &TempDir) -> Vec<Bitmap> {
    let path = scratch.path("pages.jb2");
    std::fs::write(&path, jb2).unwrap();
    let pbm = scratch.path("pages.pbm");
    run(Command::new("jbig2dec")
        .args(["-t", "pbm", "-o"])
        .arg(&pbm)
        .arg(&path));
    // One binary PBM after another: "P4", width, height, then the rows.
    let data = std::fs::read(&pbm).unwrap();
    let mut pages = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let header: Vec<&[u8]> = data[at..]
            .splitn(4, |b| b.is_ascii_whitespace())
            .take(3)
            .collect();
        let number = |b: &[u8]| -> usize { std::str::from_utf8(b).unwrap().parse().unwrap() };
        assert_eq!(header[0], b"P4", "jbig2dec output is not binary PBM");
        let (w, h) = (number(header[1]), number(header[2]));
        let start = at + header.iter().map(|f| f.len() + 1).sum::<usize>();
        let end = start + w.div_ceil(8) * h;
        pages.push(Bitmap::from_pbm(&data[at..end], &Limits::default()).unwrap());
        at = end;
    }
    pages
}

/// jbig2dec's decoding of a one-page standalone file.
pub fn jbig2dec_page(jb2: &[u8], scratch: &TempDir) -> Bitmap {
    let mut pages = jbig2dec_pages(jb2, scratch);
    assert_eq!(pages.len(), 1, "jbig2dec found {} pages", pages.len());
    pages.remove(0)
}

/// hayro-jbig2's decoding of a page's embedded segments with its /JBIG2Globals.
pub fn hayro_jbig2_page(page: &[u8], globals: Option<&[u8]>) -> Bitmap {
    let settings = hayro_jbig2::DecodeSettings::default();
    let globals = globals.map(|g| hayro_jbig2::Globals::new(g, &settings).unwrap());
    let page = hayro_jbig2::Page::new_embedded(page, globals.as_ref(), &settings).unwrap();
    let mut sink = Sink(
        Bitmap::new(page.width(), page.height(), &Limits::default()).unwrap(),
        0,
        0,
    );
    page.decode(&mut sink).unwrap();
    sink.0
}

/// Receives hayro-jbig2's pixels.
struct Sink(Bitmap, u32, u32);

impl hayro_jbig2::Decoder for Sink {
    fn push_pixel(&mut self, black: bool) {
        if self.1 < self.0.width() && self.2 < self.0.height() {
            self.0.set(self.1, self.2, black);
        }
        self.1 += 1;
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        for _ in 0..chunk_count * 8 {
            self.push_pixel(black);
        }
    }
    fn next_line(&mut self) {
        self.1 = 0;
        self.2 += 1;
    }
}
