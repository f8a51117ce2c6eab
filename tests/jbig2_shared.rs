//! Shared symbol dictionaries over groups of pages: the corpus's multi-page documents decode
//! exactly in jbig2dec (standalone files with global segments between pages), hayro-jbig2 and
//! our decoder (PDF streams with /JBIG2Globals); sharing never makes a group larger than coding
//! its pages alone, and makes documents that repeat glyphs, or pages of one font, smaller. (poppler and mupdf read the
//! pipeline's PDFs of these documents in `corpus_pdf.rs`.)

mod common;

use common::*;
use scanpress::codec::jbig2::decode;
use scanpress::codec::jbig2::generic::{self, GenericParams};
use scanpress::codec::jbig2::segments::{self, PageSegment, StandaloneWriter};
use scanpress::codec::jbig2::symbol_coding::{self, GroupSegments};
use scanpress::{Bitmap, Limits};

/// The corpus's multi-page bilevel documents (grey pages binarised as the pipeline does).
const DOCUMENTS: [&str; 4] = [
    "dev_ccitt1-8_fax_8pages_g3-2d.tif",
    "dev_paperless_brother_ads1700w_ccitt_3p.pdf",
    "dev_ocrmypdf_linn_4rotations_jbig2.pdf",
    "dev_pdfjs_issue12963_taxform_jbig2_synthetic.pdf",
];

/// Bytes that segments take in a stream, headers included (at most 16 bytes each).
fn size<'a>(segments: impl IntoIterator<Item = &'a PageSegment>) -> usize {
    segments.into_iter().map(|s| s.data.len() + 16).sum()
}

/// A page's segments: its symbol coding, or one generic region when it has no glyph.
fn page_segments(group: &GroupSegments, index: usize, page: &Bitmap) -> Vec<PageSegment> {
    group.pages[index].clone().unwrap_or_else(|| {
        let params = GenericParams::for_scans();
        let coded = generic::encode(page, &params);
        vec![PageSegment::generic_region(
            page.width(),
            page.height(),
            &params,
            &coded,
        )]
    })
}

#[test]
fn multi_page_documents_share_symbols_and_decode_exactly() {
    let Some(dir) = corpus_dir() else { return };
    let jbig2dec = have_tool("jbig2dec");
    let scratch = TempDir::new("jbig2-shared");
    let params = GenericParams::for_scans();
    let limits = Limits::default();
    eprintln!("| document | pages | shared segments | group | pages alone | ratio |");
    eprintln!("|---|---:|---:|---:|---:|---:|");
    for name in DOCUMENTS {
        let data = std::fs::read(dir.join("files").join(name)).unwrap();
        let pages = our_bitmaps(&data, name);
        let refs: Vec<&Bitmap> = pages.iter().collect();
        let group = symbol_coding::encode_group(&refs, &params, &limits).unwrap();
        let grouped = size(&group.globals) + size(group.pages.iter().flatten().flatten());
        let alone: usize = pages
            .iter()
            .map(|p| {
                size(
                    &symbol_coding::encode_page(p, &params, &limits)
                        .unwrap()
                        .unwrap_or_default(),
                )
            })
            .sum();
        eprintln!(
            "| {name} | {} | {} | {grouped} | {alone} | {:.3} |",
            pages.len(),
            size(&group.globals),
            grouped as f64 / alone as f64
        );
        assert!(grouped <= alone, "{name}: sharing made the group larger");
        if name.contains("rotations") || name.contains("taxform") {
            // Their pages repeat glyphs exactly: rotated copies, a software-rendered form.
            assert!(!group.globals.is_empty(), "{name}: nothing shared");
            assert!(grouped * 100 < alone * 95, "{name}: sharing saved under 5%");
        }

        // PDF streams: our decoder and hayro-jbig2.
        let globals = segments::embedded_globals(&group.globals);
        let globals = (!group.globals.is_empty()).then_some(&globals[..]);
        let mut file = StandaloneWriter::new();
        let shared = file.add_globals(&group.globals);
        for (i, page) in pages.iter().enumerate() {
            let (w, h) = (page.width(), page.height());
            let coded = page_segments(&group, i, page);
            let stream =
                segments::embedded_group_page(w, h, (300.0, 300.0), &coded, group.globals.len());
            let ours = decode::decode_embedded(&stream, globals, &limits).unwrap();
            assert_eq!(
                ours.first_difference(page),
                None,
                "{name} page {}: ours",
                i + 1
            );
            let hayro = hayro_jbig2_page(&stream, globals);
            assert_eq!(
                hayro.first_difference(page),
                None,
                "{name} page {}: hayro",
                i + 1
            );
            file.add_group_page(w, h, (300.0, 300.0), &coded, shared);
        }
        // The standalone file, global segments first: our decoder and jbig2dec.
        let file = file.finish();
        let ours = decode::decode_file(&file, &limits).unwrap();
        assert_eq!(ours.len(), pages.len());
        for (i, (decoded, page)) in ours.iter().zip(&pages).enumerate() {
            assert_eq!(
                decoded.bitmap.first_difference(page),
                None,
                "{name} page {}: ours",
                i + 1
            );
        }
        if jbig2dec {
            let theirs = jbig2dec_pages(&file, &scratch);
            assert_eq!(theirs, pages, "{name}: jbig2dec");
        }
    }
}

/// Two groups in one standalone file, each with its global segments just before its first page
/// (page association 0 between pages, T.88 7.3.2): jbig2dec and our decoder read every page.
#[test]
fn standalone_files_hold_one_shared_dictionary_a_group() {
    let Some(dir) = corpus_dir() else { return };
    let name = "dev_pdfjs_issue12963_taxform_jbig2_synthetic.pdf";
    let pages = our_bitmaps(&std::fs::read(dir.join("files").join(name)).unwrap(), name);
    let params = GenericParams::for_scans();
    let limits = Limits::default();
    let mut file = StandaloneWriter::new();
    let mut shared_groups = 0;
    for group_pages in pages.chunks(pages.len().div_ceil(2)) {
        let refs: Vec<&Bitmap> = group_pages.iter().collect();
        let group = symbol_coding::encode_group(&refs, &params, &limits).unwrap();
        shared_groups += usize::from(!group.globals.is_empty());
        let shared = file.add_globals(&group.globals);
        for (i, page) in group_pages.iter().enumerate() {
            let coded = page_segments(&group, i, page);
            file.add_group_page(page.width(), page.height(), (300.0, 300.0), &coded, shared);
        }
    }
    assert_eq!(shared_groups, 2, "both groups share symbols");
    let file = file.finish();
    let ours: Vec<Bitmap> = decode::decode_file(&file, &limits)
        .unwrap()
        .into_iter()
        .map(|p| p.bitmap)
        .collect();
    assert_eq!(ours, pages, "ours");
    if have_tool("jbig2dec") {
        let scratch = TempDir::new("jbig2-two-groups");
        assert_eq!(jbig2dec_pages(&file, &scratch), pages, "jbig2dec");
    }
}

/// Two pages of one scan and one font (300 dpi pages cut in halves): sharing makes each pair
/// smaller than its halves alone, and they decode exactly.
#[test]
fn pages_of_one_font_share_symbols() {
    let params = GenericParams::for_scans();
    let limits = Limits::default();
    for (name, page, _) in corpus_bilevel_pages() {
        if !(name.contains("feyn") || name.contains("linn_ccitt")) {
            continue;
        }
        let h = page.height() / 2;
        let pages = [
            page.crop(0, 0, page.width(), h),
            page.crop(0, h, page.width(), page.height() - h),
        ];
        let group = symbol_coding::encode_group(&[&pages[0], &pages[1]], &params, &limits).unwrap();
        let grouped = size(&group.globals) + size(group.pages.iter().flatten().flatten());
        let alone: usize = pages
            .iter()
            .map(|p| {
                size(
                    &symbol_coding::encode_page(p, &params, &limits)
                        .unwrap()
                        .unwrap(),
                )
            })
            .sum();
        let shared = size(&group.globals);
        eprintln!("{name}: {grouped} bytes shared ({shared} in shared segments), {alone} alone");
        assert!(!group.globals.is_empty() && grouped < alone, "{name}");
        let globals = segments::embedded_globals(&group.globals);
        for (i, page) in pages.iter().enumerate() {
            let coded = page_segments(&group, i, page);
            let (w, h) = (page.width(), page.height());
            let stream =
                segments::embedded_group_page(w, h, (300.0, 300.0), &coded, group.globals.len());
            let ours = decode::decode_embedded(&stream, Some(&globals), &limits).unwrap();
            assert_eq!(
                ours.first_difference(page),
                None,
                "{name} half {}: ours",
                i + 1
            );
            let hayro = hayro_jbig2_page(&stream, Some(&globals));
            assert_eq!(
                hayro.first_difference(page),
                None,
                "{name} half {}: hayro",
                i + 1
            );
        }
    }
}

/// A group is coded to the same segments on one thread as on several (its pages are clustered,
/// its sharing plans coded and its clusters measured in parallel).
#[test]
fn groups_are_coded_alike_on_any_number_of_threads() {
    let Some(dir) = corpus_dir() else { return };
    let name = "dev_pdfjs_issue12963_taxform_jbig2_synthetic.pdf";
    let pages = our_bitmaps(&std::fs::read(dir.join("files").join(name)).unwrap(), name);
    let refs: Vec<&Bitmap> = pages.iter().collect();
    let params = GenericParams::for_scans();
    let limits = Limits::default();
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let group = pool.install(|| symbol_coding::encode_group(&refs, &params, &limits).unwrap());
        (group.globals, group.pages)
    };
    let one = on(1);
    assert!(!one.0.is_empty(), "the form shares symbols");
    assert_eq!(on(3), one);
}
