//! JBIG2 generic region files of corpus pages, decoded by jbig2dec, with their sizes against G4.

mod common;

use std::process::Command;

use common::*;
use scanpress::Limits;
use scanpress::codec::{ccitt, jbig2};

#[test]
fn jbig2dec_decodes_our_standalone_files_of_corpus_pages() {
    if !have_tool("jbig2dec") {
        return;
    }
    let scratch = TempDir::new("jbig2-generic");
    let names = [
        "dev_ccitt1_slerexe_letter_g4.tif",
        "dev_lept_feyn_article_g4.tif",
    ];
    let files: Vec<_> = corpus_files(&[".tif"])
        .into_iter()
        .filter(|f| names.iter().any(|n| f.ends_with(n)))
        .collect();
    assert!(files.len() == names.len() || corpus_dir().is_none());
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let page = our_bitmaps(&std::fs::read(&file).unwrap(), &name).remove(0);
        let mut file = jbig2::segments::StandaloneWriter::new();
        let params = jbig2::generic::GenericParams::nominal(jbig2::generic::Template::T0);
        let coded = jbig2::generic::encode(&page, &params);
        file.add_page(page.width(), page.height(), (300.0, 300.0), &params, &coded);
        let jb2 = file.finish();
        let path = scratch.path("page.jb2");
        std::fs::write(&path, &jb2).unwrap();
        let pbm = scratch.path("page.pbm");
        run(Command::new("jbig2dec")
            .args(["-t", "pbm", "-o"])
            .arg(&pbm)
            .arg(&path));
        let theirs =
            scanpress::Bitmap::from_pbm(&std::fs::read(&pbm).unwrap(), &Limits::default()).unwrap();
        assert_eq!(theirs.first_difference(&page), None, "{name}");
        let g4 = ccitt::encode_g4(&page).len();
        eprintln!(
            "{name}: JBIG2 generic {} bytes, G4 {g4} bytes ({:.3})",
            jb2.len(),
            jb2.len() as f64 / g4 as f64
        );
        assert!(jb2.len() < g4, "{name}: {} >= {g4}", jb2.len());
    }
}

/// `--codec jbig2-generic` in PDF and `.jb2` output: poppler and jbig2dec give back the page.
#[test]
fn jbig2_generic_pdf_and_jb2_outputs_decode_elsewhere() {
    if !have_tool("pdfimages") || !have_tool("jbig2dec") || !have_tool("qpdf") {
        return;
    }
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif");
    let data = std::fs::read(&fixture).unwrap();
    let page = our_bitmaps(&data, "fax2d-manpage.tif").remove(0);
    let scratch = TempDir::new("jbig2-outputs");
    let options = scanpress::Options::default().with_codec(scanpress::Codec::Jbig2Generic);
    let (pdf, reports) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
    assert_eq!(reports[0].codec, "JBIG2 generic");
    assert!(reports[0].verified);
    let pdf_path = scratch.path("page.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    run(Command::new("qpdf").arg("--check").arg(&pdf_path));
    run(Command::new("pdfimages")
        .arg(&pdf_path)
        .arg(scratch.path("img")));
    let extracted = std::fs::read(scratch.path("img-000.pbm")).unwrap();
    let extracted = scanpress::Bitmap::from_pbm(&extracted, &Limits::default()).unwrap();
    assert_eq!(extracted.first_difference(&page), None);

    let options = options.with_format(scanpress::Format::Jb2);
    let (jb2, _) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
    let jb2_path = scratch.path("page.jb2");
    std::fs::write(&jb2_path, &jb2).unwrap();
    let pbm = scratch.path("page.pbm");
    run(Command::new("jbig2dec")
        .args(["-t", "pbm", "-o"])
        .arg(&pbm)
        .arg(&jb2_path));
    let decoded =
        scanpress::Bitmap::from_pbm(&std::fs::read(&pbm).unwrap(), &Limits::default()).unwrap();
    assert_eq!(decoded.first_difference(&page), None);

    // G4 cannot go in a .jb2 file, nor JBIG2 in TIFF.
    let bad = scanpress::Options::default()
        .with_codec(scanpress::Codec::G4)
        .with_format(scanpress::Format::Jb2);
    assert!(matches!(
        scanpress::pipeline::compress_bytes(&data, None, &bad),
        Err(scanpress::Error::Parameter(_))
    ));
}
