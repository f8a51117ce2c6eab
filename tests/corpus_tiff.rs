//! The corpus through the G4 TIFF path, checked by libtiff.

mod common;

use std::process::Command;

use common::*;
use scanpress::codec::ccitt;
use scanpress::{Format, Options, PageImage};

fn tiff_options() -> Options {
    Options::default().with_format(Format::Tiff)
}

/// Every TIFF, PNG, JPEG, PNM and raw G3 corpus file converts to G4 TIFF with verification on, and
/// libtiff decodes our TIFF to exactly the bitmaps we encoded.
#[test]
fn every_corpus_scan_converts_and_libtiff_reads_it_back() {
    if !have_tool("tiffcp") {
        return;
    }
    let files = corpus_files(&[
        ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".pbm", ".pnm", ".g3",
    ]);
    let scratch = TempDir::new("corpus-g4");
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(file).unwrap();
        let (tif, reports) =
            scanpress::pipeline::compress_bytes(&data, Some(&name), &tiff_options())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let ours = our_bitmaps(&data, &name);
        assert_eq!(reports.len(), ours.len(), "{name}");
        assert!(reports.iter().all(|r| r.verified), "{name}");
        let out = scratch.path("out.tif");
        std::fs::write(&out, &tif).unwrap();
        let theirs = libtiff_pages(&out, &scratch);
        assert_eq!(theirs.len(), ours.len(), "{name}: page count");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(
                a.first_difference(b),
                None,
                "{name} page {}: libtiff decodes our G4 differently",
                i + 1
            );
        }
        eprintln!(
            "{name}: {} pages, {} -> {} bytes",
            ours.len(),
            data.len(),
            tif.len()
        );
    }
}

/// Our decoders read the libtiff-made G3 and G4 corpus files exactly as libtiff does.
#[test]
fn our_ccitt_decoder_matches_libtiff_on_corpus_tiffs() {
    if !have_tool("tiffcp") {
        return;
    }
    let scratch = TempDir::new("corpus-ccitt");
    let mut checked = 0;
    for file in corpus_files(&[".tif", ".tiff"]) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&file).unwrap();
        let ours: Vec<_> = scanpress::input::pages(&data, Some(&name), &Default::default())
            .unwrap()
            .map(|p| p.unwrap())
            .collect();
        if !ours
            .iter()
            .all(|p| matches!(p.image, PageImage::Bilevel(_)))
        {
            continue;
        }
        let theirs = libtiff_pages(&file, &scratch);
        assert_eq!(ours.len(), theirs.len(), "{name}");
        for (i, (page, want)) in ours.iter().zip(&theirs).enumerate() {
            let PageImage::Bilevel(got) = &page.image else {
                unreachable!()
            };
            assert_eq!(got.first_difference(want), None, "{name} page {}", i + 1);
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bilevel TIFFs checked");
}

/// Strip byte counts of a libtiff-written TIFF, page by page.
fn strip_bytes(tif: &std::path::Path) -> Vec<u64> {
    let data = std::fs::read(tif).unwrap();
    let mut d = tiff::decoder::Decoder::new(std::io::Cursor::new(&data[..])).unwrap();
    let mut sizes = Vec::new();
    loop {
        let counts = d.get_tag_u64_vec(tiff::tags::Tag::StripByteCounts).unwrap();
        sizes.push(counts.iter().sum());
        if !d.more_images() {
            break;
        }
        d.next_image().unwrap();
    }
    sizes
}

/// For each of the 8 CCITT test pages our G4 data is within 1% of libtiff's own G4 of the page.
#[test]
fn ccitt_test_pages_code_within_one_percent_of_libtiff() {
    if !have_tool("tiffcp") {
        return;
    }
    let Some(file) = corpus_files(&[".tif"])
        .into_iter()
        .find(|f| f.to_string_lossy().contains("ccitt1-8_fax_8pages"))
    else {
        return;
    };
    let scratch = TempDir::new("ccitt-size");
    let libtiff_g4 = scratch.path("libtiff-g4.tif");
    // One strip a page, as we write.
    run(Command::new("tiffcp")
        .args(["-c", "g4", "-r", "100000"])
        .arg(&file)
        .arg(&libtiff_g4));
    let theirs = strip_bytes(&libtiff_g4);
    let data = std::fs::read(&file).unwrap();
    let pages = our_bitmaps(&data, "fax.tif");
    assert_eq!(pages.len(), 8);
    let (mut total_ours, mut total_theirs) = (0u64, 0u64);
    for (i, (page, &their_bytes)) in pages.iter().zip(&theirs).enumerate() {
        let ours = ccitt::encode_g4(page).len() as u64;
        let ratio = ours as f64 / their_bytes as f64;
        eprintln!(
            "CCITT page {}: ours {ours} bytes, libtiff {their_bytes} bytes ({ratio:.4})",
            i + 1
        );
        assert!(ratio <= 1.01, "page {}: {ours} vs {their_bytes}", i + 1);
        total_ours += ours;
        total_theirs += their_bytes;
    }
    eprintln!("CCITT total: ours {total_ours}, libtiff {total_theirs}");
}
