//! JBIG2 generic regions against independent decoders on every bilevel page of the corpus:
//! jbig2dec (standalone files) and hayro-jbig2 (PDF streams); our decoder against hayro-jbig2 on
//! the corpus's own JBIG2 streams; and the sizes against G4 and jbig2enc-rust. (poppler and
//! mupdf read our JBIG2 PDFs of every corpus page in `corpus_pdf.rs`.)

mod common;

use std::process::Command;

use common::*;
use lopdf::{Document, Object};
use scanpress::codec::ccitt;
use scanpress::codec::jbig2::generic::{GenericParams, Template};
use scanpress::codec::jbig2::{decode, generic, segments};
use scanpress::{Bitmap, Limits};

/// Every bilevel page of the corpus, coded as the pipeline codes it, decodes to exactly itself in
/// jbig2dec and hayro-jbig2; and the sizes, page by page and in total, against raw G4 and
/// jbig2enc-rust's generic encoder (template 0, its default settings).
#[test]
fn every_bilevel_corpus_page_decodes_exactly_elsewhere_and_is_smaller() {
    if !have_tool("jbig2dec") {
        return;
    }
    let pages = corpus_bilevel_pages();
    assert!(
        pages.len() >= 30 || corpus_dir().is_none(),
        "{} pages",
        pages.len()
    );
    let scratch = TempDir::new("jbig2-corpus");
    let params = GenericParams::for_scans();
    let (mut ours_total, mut theirs_total, mut g4_total, mut pdf_total) = (0, 0, 0, 0);
    eprintln!("| page | scanpress .jb2 | jbig2enc-rust .jb2 | G4 | scanpress in PDF | PDF / G4 |");
    eprintln!("|---|---:|---:|---:|---:|---:|");
    for (name, page, dpi) in &pages {
        let (w, h) = (page.width(), page.height());
        let coded = generic::encode(page, &params);
        let mut file = segments::StandaloneWriter::new();
        file.add_page(w, h, *dpi, &params, &coded);
        let jb2 = file.finish();
        assert_eq!(
            jbig2dec_page(&jb2, &scratch).first_difference(page),
            None,
            "{name}: jbig2dec"
        );
        let embedded = segments::embedded_page(w, h, *dpi, &params, &coded);
        assert_eq!(
            hayro_jbig2_page(&embedded, None).first_difference(page),
            None,
            "{name}: hayro-jbig2"
        );
        assert_eq!(
            decode::decode_embedded(&embedded, None, &Limits::default()).unwrap(),
            *page,
            "{name}: ours"
        );

        let config = jbig2enc_rust::Jbig2Config::generic();
        let theirs =
            jbig2enc_rust::jbig2enc::encode_generic_region(&jbig2enc_image(page), &config).unwrap();
        let g4 = ccitt::encode_g4(page).len();
        // Whole one-page files against each other; the PDF stream (page information and region
        // segments) against the raw G4 data.
        eprintln!(
            "| {name} | {} | {} | {g4} | {} | {:.3} |",
            jb2.len(),
            theirs.len(),
            embedded.len(),
            embedded.len() as f64 / g4 as f64
        );
        ours_total += jb2.len();
        theirs_total += theirs.len();
        g4_total += g4;
        pdf_total += embedded.len();
    }
    if pages.is_empty() {
        return;
    }
    eprintln!(
        "| **total ({} pages)** | **{ours_total}** | **{theirs_total}** | **{g4_total}** | **{pdf_total}** | **{:.3}** |",
        pages.len(),
        pdf_total as f64 / g4_total as f64
    );
    assert!(
        ours_total <= theirs_total,
        "{ours_total} > jbig2enc-rust's {theirs_total}"
    );
    assert!(
        pdf_total as f64 <= 0.75 * g4_total as f64,
        "{pdf_total} > 0.75 x G4 {g4_total}"
    );
}

/// jbig2dec reads every template, with moved AT pixels and TPGDON on and off, on a corpus page.
#[test]
fn jbig2dec_reads_every_template_and_at_placement() {
    if !have_tool("jbig2dec") {
        return;
    }
    let Some((name, page, dpi)) = corpus_bilevel_pages()
        .into_iter()
        .find(|p| p.0.starts_with("dev_ocrmypdf_kodak_handwriting"))
    else {
        return;
    };
    let scratch = TempDir::new("jbig2-templates");
    for template in [Template::T0, Template::T1, Template::T2, Template::T3] {
        for tpgdon in [false, true] {
            for at in [None, Some([(-6, 0), (4, -3), (-17, -1), (9, -2)])] {
                let mut params = GenericParams::nominal(template);
                params.tpgdon = tpgdon;
                if let Some(at) = at {
                    params.at = at;
                }
                let coded = generic::encode(&page, &params);
                let mut file = segments::StandaloneWriter::new();
                file.add_page(page.width(), page.height(), dpi, &params, &coded);
                let decoded = jbig2dec_page(&file.finish(), &scratch);
                assert_eq!(decoded.first_difference(&page), None, "{name} {params:?}");
            }
        }
    }
}

/// The JBIG2 image streams of the corpus PDFs (jbig2enc/OCRmyPDF generic and symbol-coded, one
/// with its symbol dictionary in JBIG2Globals; PDFium): our decoder gives exactly what
/// hayro-jbig2 gives, for every one. (Poppler checks the PDF reader's result in `corpus_pdf.rs`.)
#[test]
fn our_decoder_reads_the_corpus_jbig2_streams() {
    let (mut ours, mut unsupported) = (0, 0);
    for file in corpus_files(&[".pdf"]) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let doc = Document::load_mem(&std::fs::read(&file).unwrap()).unwrap();
        for (id, object) in &doc.objects {
            let Object::Stream(stream) = object else {
                continue;
            };
            let filter = stream.dict.get(b"Filter").ok();
            let is_jbig2 = match filter {
                Some(Object::Name(n)) => n == b"JBIG2Decode",
                Some(Object::Array(a)) => {
                    a.len() == 1 && a[0].as_name().is_ok_and(|n| n == b"JBIG2Decode")
                }
                _ => false,
            };
            if !is_jbig2 {
                continue;
            }
            let globals = stream
                .dict
                .get(b"DecodeParms")
                .and_then(Object::as_dict)
                .and_then(|p| p.get(b"JBIG2Globals"))
                .and_then(|g| doc.dereference(g))
                .and_then(|(_, g)| g.as_stream())
                .ok()
                .map(|g| {
                    g.decompressed_content()
                        .unwrap_or_else(|_| g.content.clone())
                });
            match decode::decode_embedded(&stream.content, globals.as_deref(), &Limits::default()) {
                Ok(page) => {
                    let theirs = hayro_jbig2_page(&stream.content, globals.as_deref());
                    assert_eq!(page.first_difference(&theirs), None, "{name} object {id:?}");
                    ours += 1;
                }
                Err(scanpress::Error::Unsupported { message, .. }) => {
                    eprintln!("{name} object {id:?}: {message}");
                    unsupported += 1;
                }
                Err(e) => panic!("{name} object {id:?}: {e}"),
            }
        }
    }
    eprintln!("{ours} streams decoded by ours, {unsupported} unsupported");
    assert_eq!(unsupported, 0);
    assert!(ours >= 11 || corpus_dir().is_none(), "{ours} streams");
}

/// `--codec jbig2-generic` and the PDF default (JBIG2, symbol coded where that is smaller): PDF
/// and `.jb2` outputs that poppler and jbig2dec give back the page from; G4 cannot go in a .jb2
/// file.
#[test]
fn jbig2_pdf_and_jb2_outputs_decode_elsewhere() {
    if !have_tool("pdfimages") || !have_tool("jbig2dec") || !have_tool("qpdf") {
        return;
    }
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif");
    let data = std::fs::read(&fixture).unwrap();
    let page = our_bitmaps(&data, "fax2d-manpage.tif").remove(0);
    let scratch = TempDir::new("jbig2-outputs");
    for (options, codecs) in [
        (
            scanpress::Options::default(),
            &["JBIG2 symbol", "JBIG2 generic"][..],
        ),
        (
            scanpress::Options::default().with_codec(scanpress::Codec::Jbig2Generic),
            &["JBIG2 generic"][..],
        ),
    ] {
        let (pdf, reports) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
        assert!(
            codecs.contains(&reports[0].codec.as_str()),
            "{}",
            reports[0].codec
        );
        assert!(reports[0].verified);
        let pdf_path = scratch.path("page.pdf");
        std::fs::write(&pdf_path, &pdf).unwrap();
        run(Command::new("qpdf").arg("--check").arg(&pdf_path));
        run(Command::new("pdfimages")
            .arg(&pdf_path)
            .arg(scratch.path("img")));
        let extracted = std::fs::read(scratch.path("img-000.pbm")).unwrap();
        let extracted = Bitmap::from_pbm(&extracted, &Limits::default()).unwrap();
        assert_eq!(extracted.first_difference(&page), None);
    }

    let options = scanpress::Options::default().with_format(scanpress::Format::Jb2);
    let (jb2, _) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
    assert_eq!(jbig2dec_page(&jb2, &scratch).first_difference(&page), None);
    let decoded = decode::decode_file(&jb2, &Limits::default()).unwrap();
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0].bitmap, page);
    // .jb2 files are an input too, resolution and all: the fixture is a 204 x 98 dpi fax.
    let read = scanpress::input::pages(&jb2, None, &Limits::default())
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].image, scanpress::PageImage::Bilevel(page));
    assert!(
        (read[0].resolution.x - 204.0).abs() < 0.1,
        "{:?}",
        read[0].resolution
    );
    assert!(
        (read[0].resolution.y - 98.0).abs() < 0.1,
        "{:?}",
        read[0].resolution
    );

    let bad = scanpress::Options::default()
        .with_codec(scanpress::Codec::G4)
        .with_format(scanpress::Format::Jb2);
    assert!(matches!(
        scanpress::pipeline::compress_bytes(&data, None, &bad),
        Err(scanpress::Error::Parameter(_))
    ));
}

/// jbig2enc-rust's pixel-exact symbol presets (exact-match symbols; and the measured planner,
/// which may refine and aggregate) on corpus pages: our decoder gives back the page, as
/// hayro-jbig2 does.
#[test]
fn our_decoder_reads_jbig2enc_rust_symbol_coding() {
    let pages: Vec<_> = corpus_bilevel_pages()
        .into_iter()
        .filter(|p| p.0.starts_with("dev_ccitt1_slerexe") || p.0.starts_with("dev_ocrmypdf_kodak"))
        .collect();
    for (name, page, _) in &pages {
        let (w, h) = (page.width(), page.height());
        let pixels = pixel_bytes(page);
        for (preset, config) in [
            ("text_lossless", jbig2enc_rust::Jbig2Config::text_lossless()),
            (
                "text_lossless_max_compression",
                jbig2enc_rust::Jbig2Config::text_lossless_max_compression(),
            ),
        ] {
            let context = jbig2enc_rust::Jbig2Context::with_config(config, true);
            let t0 = std::time::Instant::now();
            let out =
                jbig2enc_rust::encode_single_image_with_config(&pixels, w, h, context).unwrap();
            let globals = out.global_data.as_deref();
            let ours = decode::decode_embedded(&out.page_data, globals, &Limits::default())
                .unwrap_or_else(|e| panic!("{name} {preset}: {e}"));
            assert_eq!(ours.first_difference(page), None, "{name} {preset}: ours");
            assert_eq!(
                hayro_jbig2_page(&out.page_data, globals).first_difference(page),
                None,
                "{name} {preset}: hayro"
            );
            eprintln!(
                "{name} {preset}: {} bytes ({} global), {:?}",
                out.page_data.len() + globals.map_or(0, <[u8]>::len),
                globals.map_or(0, <[u8]>::len),
                t0.elapsed()
            );
        }
    }
}

/// cjb2's (DjVuLibre, lossless by default) file size for `page`.
fn cjb2_size(page: &Bitmap, dpi: u32, scratch: &TempDir) -> usize {
    let pbm = scratch.path("cjb2.pbm");
    std::fs::write(&pbm, page.to_pbm()).unwrap();
    let djvu = scratch.path("cjb2.djvu");
    run(Command::new("cjb2")
        .args(["-dpi", &dpi.to_string()])
        .arg(&pbm)
        .arg(&djvu));
    std::fs::metadata(&djvu).unwrap().len() as usize
}

/// Symbol coding on every bilevel page of the corpus: jbig2dec (standalone file), hayro-jbig2
/// and our decoder (PDF stream) give back exactly the page; and the sizes against raw G4, our
/// generic coding, jbig2enc-rust's best pixel-exact preset and DjVuLibre's cjb2.
#[test]
fn symbol_coded_corpus_pages_decode_exactly_and_sizes() {
    if !have_tool("jbig2dec") || !have_tool("cjb2") {
        return;
    }
    use scanpress::codec::jbig2::symbol_coding;
    let scratch = TempDir::new("jbig2-symbols");
    let params = GenericParams::for_scans();
    let limits = Limits::default();
    let mut totals = [0usize; 6];
    eprintln!(
        "| page | G4 | JBIG2 generic | JBIG2 symbol | scanpress (smaller) | jbig2enc-rust max | cjb2 |"
    );
    eprintln!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, page, dpi) in corpus_bilevel_pages() {
        let (w, h) = (page.width(), page.height());
        let generic =
            segments::embedded_page(w, h, dpi, &params, &generic::encode(&page, &params)).len();
        let symbol = match symbol_coding::encode_page(&page, &params, &limits).unwrap() {
            Some(segs) => {
                let stream = segments::embedded_page_segments(w, h, dpi, &segs);
                assert_eq!(
                    decode::decode_embedded(&stream, None, &limits).unwrap(),
                    page,
                    "{name}: ours"
                );
                assert_eq!(
                    hayro_jbig2_page(&stream, None).first_difference(&page),
                    None,
                    "{name}: hayro"
                );
                let mut file = segments::StandaloneWriter::new();
                file.add_page_segments(w, h, dpi, &segs);
                assert_eq!(
                    jbig2dec_page(&file.finish(), &scratch).first_difference(&page),
                    None,
                    "{name}: jbig2dec"
                );
                stream.len()
            }
            None => generic,
        };
        let pixels = pixel_bytes(&page);
        let config = jbig2enc_rust::Jbig2Config::text_lossless_max_compression();
        let context = jbig2enc_rust::Jbig2Context::with_config(config, true);
        let theirs =
            jbig2enc_rust::encode_single_image_with_config(&pixels, w, h, context).unwrap();
        let theirs = theirs.page_data.len() + theirs.global_data.map_or(0, |g| g.len());
        let cjb2 = cjb2_size(&page, dpi.0.round() as u32, &scratch);
        let g4 = ccitt::encode_g4(&page).len();
        let ours = symbol.min(generic);
        eprintln!("| {name} | {g4} | {generic} | {symbol} | {ours} | {theirs} | {cjb2} |");
        for (t, v) in totals
            .iter_mut()
            .zip([g4, generic, symbol, ours, theirs, cjb2])
        {
            *t += v;
        }
    }
    let [g4, generic, symbol, ours, theirs, cjb2] = totals;
    if g4 == 0 {
        return;
    }
    eprintln!(
        "| **total** | **{g4}** | **{generic}** | **{symbol}** | **{ours}** ({:.3} G4) | **{theirs}** ({:.3}) | **{cjb2}** ({:.3}) |",
        ours as f64 / g4 as f64,
        theirs as f64 / g4 as f64,
        cjb2 as f64 / g4 as f64
    );
    assert!(ours as f64 <= 0.62 * g4 as f64, "{ours} > 0.62 x G4 {g4}");
    assert!(ours < theirs, "{ours} >= jbig2enc-rust's {theirs}");
}
