//! The C API: `include/scanpress.h` is what cbindgen makes of `src/capi.rs` today, and a C program
//! (`tests/c/capi_test.c`) built with gcc against the header and the static and the shared
//! library converts a corpus TIFF to PDF and to JBIG1 with resolution layers, and decodes both fed
//! in small chunks (the JBIG1 file showing a preview before its last byte), under valgrind with no
//! errors or leaks.
#![cfg(feature = "capi")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_header_is_what_cbindgen_makes_of_the_api() {
    let config = cbindgen::Config::from_file(manifest_dir().join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(manifest_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen reads src/capi.rs");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let path = manifest_dir().join("include/scanpress.h");
    if std::env::var_os("SCANPRESS_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "include/scanpress.h is stale: run SCANPRESS_BLESS=1 cargo test --release --test capi"
    );
}

/// Builds the static and shared libraries with the profile these tests were built with, and
/// gives the folder they are in.
fn build_libraries() -> PathBuf {
    let release = !cfg!(debug_assertions);
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--lib"]).current_dir(manifest_dir());
    if release {
        cargo.arg("--release");
    }
    run(&mut cargo);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target"));
    target.join(if release { "release" } else { "debug" })
}

#[test]
fn a_c_program_compresses_and_decodes_through_both_libraries() {
    if !have_tool("gcc") {
        return;
    }
    let libs = build_libraries();
    let scratch = TempDir::new("capi");
    let source = manifest_dir().join("tests/c/capi_test.c");
    let include = manifest_dir().join("include");
    let static_exe = scratch.path("capi_static");
    run(Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-I"])
        .arg(&include)
        .arg(&source)
        .arg(libs.join("libscanpress.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&static_exe));
    let shared_exe = scratch.path("capi_shared");
    run(Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-I"])
        .arg(&include)
        .arg(&source)
        .arg("-L")
        .arg(&libs)
        .arg(format!("-Wl,-rpath,{}", libs.display()))
        .args(["-lscanpress", "-o"])
        .arg(&shared_exe));

    // A corpus TIFF when the corpus is here, else the repo's fax fixture.
    let input = corpus_dir()
        .map(|c| c.join("files/dev_ccitt1_slerexe_letter_g4.tif"))
        .unwrap_or_else(|| manifest_dir().join("testdata/fax2d-manpage.tif"));
    let page = &our_bitmaps(&std::fs::read(&input).unwrap(), "scan.tif")[0];
    let expected = format!(
        "decoded {}x{} {}",
        page.width(),
        page.height(),
        page.count_ink()
    );
    let valgrind = have_tool("valgrind");
    for exe in [&static_exe, &shared_exe] {
        let args = [
            input.clone(),
            scratch.path("from-buffer.pdf"),
            scratch.path("from-file.pdf"),
            PathBuf::from("997"),
        ];
        let stdout = if valgrind {
            run(Command::new("valgrind")
                .args([
                    "--error-exitcode=3",
                    "--leak-check=full",
                    "--errors-for-leak-kinds=definite,indirect",
                    "--quiet",
                ])
                .arg(exe)
                .args(&args))
        } else {
            run(Command::new(exe).args(&args))
        };
        let stdout = String::from_utf8_lossy(&stdout);
        assert!(stdout.contains(&expected), "{}: {stdout}", exe.display());
        let progressive = format!(
            "progressive {}x{} {} first view after",
            page.width(),
            page.height(),
            page.count_ink()
        );
        assert!(stdout.contains(&progressive), "{}: {stdout}", exe.display());
        assert!(stdout.trim_end().ends_with("ok"), "{stdout}");
        // Both outputs are the pipeline's own PDF of the scan, and read back to the page.
        let pdf = std::fs::read(scratch.path("from-buffer.pdf")).unwrap();
        assert_eq!(std::fs::read(scratch.path("from-file.pdf")).unwrap(), pdf);
        assert_eq!(&our_bitmaps(&pdf, "out.pdf")[0], page);
    }

    // The C example of the README builds and runs as it says.
    let example = scratch.path("compress_and_view");
    run(Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(&include)
        .arg(manifest_dir().join("examples/c/compress_and_view.c"))
        .arg(libs.join("libscanpress.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&example));
    let shown = run(Command::new(&example)
        .arg(&input)
        .arg(scratch.path("example.pdf")));
    assert!(String::from_utf8_lossy(&shown).contains("page 1 shown after"));
}
