//! The `scanpress` command line, end to end.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use scanpress::{Bitmap, Limits};

fn scanpress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scanpress"))
        .args(args)
        .output()
        .expect("run scanpress")
}

fn testdata(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn compress_decode_and_info_one_file() {
    let dir = TempDir::new("cli-one");
    let out = dir.path("manpage.tif");
    let o = scanpress(&[
        "compress",
        &testdata("fax2d-manpage.tif"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains("page 1: 1728x1082 bilevel 204x98 dpi"),
        "{report}"
    );
    assert!(
        report.contains("verified") && report.contains("64 kbit/s"),
        "{report}"
    );

    // Decoding our output gives the pixels of the input.
    let pbm_in = dir.path("in.pbm");
    let pbm_out = dir.path("out.pbm");
    assert!(
        scanpress(&[
            "decode",
            &testdata("fax2d-manpage.tif"),
            "-o",
            pbm_in.to_str().unwrap()
        ])
        .status
        .success()
    );
    assert!(
        scanpress(&[
            "decode",
            out.to_str().unwrap(),
            "-o",
            pbm_out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let a = Bitmap::from_pbm(&std::fs::read(&pbm_in).unwrap(), &Limits::default()).unwrap();
    let b = Bitmap::from_pbm(&std::fs::read(&pbm_out).unwrap(), &Limits::default()).unwrap();
    assert_eq!(a, b);
    assert!(a.count_ink() > 10_000);

    let info = scanpress(&["info", out.to_str().unwrap(), "--link", "9600"]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success() && text.contains("1728x1082 bilevel") && text.contains("9600 bit/s"),
        "{text}"
    );
    // A grey page: info says what it holds, which decides how it is coded.
    let grey = dir.path("grey.png");
    image::GrayImage::from_fn(300, 200, |x, y| {
        image::Luma([if (y / 10) % 3 == 0 && x % 7 < 4 {
            30
        } else {
            235
        }])
    })
    .save(&grey)
    .unwrap();
    let info = scanpress(&["info", grey.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success() && text.contains("analysis: text and line art"),
        "{text}"
    );

    // An existing output is kept unless --force.
    let again = scanpress(&[
        "compress",
        &testdata("fax2d-manpage.tif"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    let forced = scanpress(&[
        "compress",
        &testdata("fax2d-manpage.tif"),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(forced.status.success());
    // --no-sync leaves writing the file out to the system: the same file, replaced whole.
    let synced = std::fs::read(&out).unwrap();
    let unsynced = scanpress(&[
        "compress",
        &testdata("fax2d-manpage.tif"),
        "-o",
        out.to_str().unwrap(),
        "--force",
        "--no-sync",
    ]);
    assert!(unsynced.status.success());
    assert_eq!(std::fs::read(&out).unwrap(), synced);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(scanpress(&["compress"]).status.code(), Some(2));
    assert_eq!(scanpress(&["frobnicate"]).status.code(), Some(2));
    let dir = TempDir::new("cli-usage");
    let o = scanpress(&[
        "compress",
        &testdata("g3test.g3"),
        "-o",
        dir.path("x.gif").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(all_files(&dir.0).is_empty());
}

/// Each subcommand's arguments are described to clap only when it is given: its help and its
/// usage errors still name them.
#[test]
fn each_subcommand_describes_its_own_arguments() {
    for (args, option) in [
        (&["compress", "--help"][..], "--codec"),
        (&["help", "compress"], "--no-verify"),
        (&["decode", "--help"], "--page"),
        (&["info", "--help"], "--link"),
    ] {
        let o = scanpress(args);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && stdout.contains(option),
            "{args:?}: {stdout}"
        );
    }
    let top = scanpress(&["--help"]);
    let stdout = String::from_utf8_lossy(&top.stdout);
    assert!(stdout.contains("Decode one page of any input"), "{stdout}");
    let o = scanpress(&["decode", &testdata("g3test.g3")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--output <OUTPUT>"));
}

/// A batch over good scans, a corrupt file, an empty file, a non-image and an unreadable entry:
/// every good scan converted and verified, exit code 1, each failure named with its reason, and no
/// partial or temporary outputs anywhere.
#[test]
fn batch_over_a_tree_reports_failures_and_leaves_no_partial_outputs() {
    let dir = TempDir::new("cli-batch");
    let input = dir.path("in");
    let output = dir.path("out");
    std::fs::create_dir_all(input.join("2024/march")).unwrap();
    std::fs::copy(
        testdata("fax2d-manpage.tif"),
        input.join("2024/manpage.tif"),
    )
    .unwrap();
    std::fs::copy(testdata("g3test.g3"), input.join("2024/march/fax.g3")).unwrap();
    let tif = std::fs::read(testdata("fax2d-manpage.tif")).unwrap();
    std::fs::write(
        input.join("2024/march/truncated.tif"),
        &tif[..tif.len() / 3],
    )
    .unwrap();
    std::fs::write(input.join("empty.png"), b"").unwrap();
    std::fs::write(input.join("notes.txt"), b"not a scan").unwrap();
    std::os::unix::fs::symlink(input.join("gone.tif"), input.join("unreadable.tif")).unwrap();
    let inputs_before = all_files(&input)
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).ok()))
        .collect::<Vec<_>>();

    let o = scanpress(&[
        "compress",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--format",
        "tiff",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    for (name, reason) in [
        ("truncated.tif", "TIFF"),
        ("empty.png", "empty file"),
        ("notes.txt", "not a TIFF"),
        ("unreadable.tif", "No such file"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.starts_with("FAILED") && l.contains(name))
            .unwrap_or_else(|| panic!("no failure line for {name}: {stderr}"));
        assert!(line.contains(reason), "{line}");
    }
    assert!(
        stdout.contains("2 of 6 files done (2 now, 0 earlier), 4 failed"),
        "{stdout}"
    );
    let mut made = all_files(&output);
    let out = output.to_string_lossy();
    // The manifest of finished files, for a later run to resume from, and the outputs.
    assert_eq!(made.remove(0), format!("{out}/.scanpress-manifest.jsonl"));
    assert_eq!(
        made,
        vec![
            format!("{out}/2024/manpage.tif"),
            format!("{out}/2024/march/fax.tif")
        ]
    );
    for file in &made {
        let pages =
            scanpress::input::pages(&std::fs::read(file).unwrap(), None, &Limits::default())
                .unwrap()
                .count();
        assert_eq!(pages, 1);
    }
    // Inputs untouched.
    for (path, bytes) in inputs_before {
        assert_eq!(std::fs::read(&path).ok(), bytes, "{path} changed");
    }
}

/// Folders become PDFs by default, scanner PDFs included, and their pages read back exactly.
#[test]
fn folders_become_pdfs_by_default() {
    let dir = TempDir::new("cli-pdf");
    let input = dir.path("in");
    let output = dir.path("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(testdata("fax2d-manpage.tif"), input.join("manpage.tif")).unwrap();
    let o = scanpress(&[
        "compress",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = output.join("manpage.pdf");
    // The PDF made from the TIFF is itself an input: a second pass gives the same pages.
    let again = dir.path("again.pdf");
    let o = scanpress(&[
        "compress",
        pdf.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |path: &Path| bilevel_pages(&std::fs::read(path).unwrap());
    let original = read(&input.join("manpage.tif"));
    assert_eq!(read(&pdf), original);
    assert_eq!(read(&again), original);
}

/// build.rs links the program statically (the C library and GCC's unwinder in it, nothing for a
/// dynamic loader to find and map at each start: about half a millisecond a run on a virtual
/// machine) and as a position-dependent executable.
#[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
#[test]
fn the_program_is_static_and_needs_no_relocation() {
    let program = std::fs::read(env!("CARGO_BIN_EXE_scanpress")).unwrap();
    let field = |at: usize, len: usize| {
        program[at..at + len]
            .iter()
            .rev()
            .fold(0usize, |v, &b| v << 8 | usize::from(b))
    };
    // ELF header (little-endian): e_type at 16 (2 is ET_EXEC, 3 ET_DYN, position-independent),
    // the program headers' offset at 32, their size at 54 and number at 56.
    assert_eq!(field(16, 2), 2);
    let (offset, size, count) = (field(32, 8), field(54, 2), field(56, 2));
    let types: Vec<usize> = (0..count).map(|i| field(offset + i * size, 4)).collect();
    assert!(types.contains(&1), "the headers are read: a PT_LOAD");
    // PT_DYNAMIC (2) and PT_INTERP (3): a program the dynamic loader would start.
    assert!(!types.contains(&2) && !types.contains(&3), "{types:?}");
}
