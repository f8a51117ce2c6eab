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
        let jb2 = jbig2::segments::standalone_file(&[(&page, (300.0, 300.0))]);
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
