//! JBIG1 against JBIG-KIT: `jbgtopbm` decodes our BIEs to exactly the page, on every bilevel
//! page of the corpus; our decoder decodes `pbmtojbg`'s sequential BIEs (default options, and -p
//! variations: typical prediction off, the two-line template) exactly as the page; and the sizes
//! against `pbmtojbg -q`, which ours never exceed.

mod common;

use std::process::Command;

use common::*;
use scanpress::codec::jbig1::{decode, encode, incremental};
use scanpress::{Bitmap, Limits};

/// JBIG-KIT's decoding of a BIE.
fn jbgtopbm(bie: &[u8], scratch: &TempDir) -> Bitmap {
    let input = scratch.path("in.jbg");
    let output = scratch.path("out.pbm");
    std::fs::write(&input, bie).unwrap();
    run(Command::new("jbgtopbm").arg(&input).arg(&output));
    Bitmap::from_pbm(&std::fs::read(&output).unwrap(), &Limits::default()).unwrap()
}

/// JBIG-KIT's sequential BIE of a page, with `args`.
fn pbmtojbg(page: &Bitmap, args: &[&str], scratch: &TempDir) -> Vec<u8> {
    let mut with_q = vec!["-q"];
    with_q.extend_from_slice(args);
    pbmtojbg_layers(page, &with_q, scratch)
}

/// JBIG-KIT's BIE of a page with `args` (resolution layers by default).
fn pbmtojbg_layers(page: &Bitmap, args: &[&str], scratch: &TempDir) -> Vec<u8> {
    let input = scratch.path("in.pbm");
    let output = scratch.path("out.jbg");
    std::fs::write(&input, page.to_pbm()).unwrap();
    run(Command::new("pbmtojbg").args(args).arg(&input).arg(&output));
    std::fs::read(&output).unwrap()
}

#[test]
fn jbig_kit_and_we_read_each_others_bies_on_every_corpus_page() {
    if !have_tool("jbgtopbm") || !have_tool("pbmtojbg") {
        return;
    }
    let scratch = TempDir::new("jbig1");
    let limits = Limits::default();
    let (mut ours_total, mut theirs_total) = (0usize, 0usize);
    eprintln!("| page | scanpress | pbmtojbg -q | ratio |");
    eprintln!("|---|---:|---:|---:|");
    for (name, page, _) in corpus_bilevel_pages() {
        let ours = encode::encode(&page, &encode::Params::default(), &limits).unwrap();
        assert_eq!(
            jbgtopbm(&ours, &scratch).first_difference(&page),
            None,
            "{name}: jbgtopbm of ours"
        );
        assert_eq!(
            decode::decode(&ours, &limits).unwrap(),
            page,
            "{name}: ours"
        );
        let theirs = pbmtojbg(&page, &[], &scratch);
        assert_eq!(
            decode::decode(&theirs, &limits)
                .unwrap()
                .first_difference(&page),
            None,
            "{name}: ours of pbmtojbg"
        );
        eprintln!(
            "| {name} | {} | {} | {:.3} |",
            ours.len(),
            theirs.len(),
            ours.len() as f64 / theirs.len() as f64
        );
        // The same layers and options (one layer, 35 stripes, TPBON, AT up to 8): never larger.
        assert!(
            ours.len() <= theirs.len(),
            "{name}: larger than pbmtojbg -q"
        );
        ours_total += ours.len();
        theirs_total += theirs.len();
    }
    eprintln!(
        "| **total** | **{ours_total}** | **{theirs_total}** | **{:.3}** |",
        ours_total as f64 / theirs_total.max(1) as f64
    );
}

#[test]
fn every_template_and_option_reads_both_ways() {
    if !have_tool("jbgtopbm") || !have_tool("pbmtojbg") {
        return;
    }
    let scratch = TempDir::new("jbig1-options");
    let limits = Limits::default();
    let Some((_, page, _)) = corpus_bilevel_pages()
        .into_iter()
        .find(|p| p.0.starts_with("dev_ocrmypdf_kodak_handwriting"))
    else {
        return;
    };
    for two_line in [false, true] {
        for tpbon in [false, true] {
            for stripe_rows in [Some(1), Some(7), Some(128), Some(100_000), None] {
                let params = encode::Params {
                    two_line,
                    tpbon,
                    stripe_rows,
                    max_at: 8,
                    layers: 0,
                };
                let ours = encode::encode(&page, &params, &limits).unwrap();
                assert_eq!(jbgtopbm(&ours, &scratch), page, "{params:?}");
                assert_eq!(decode::decode(&ours, &limits).unwrap(), page, "{params:?}");
            }
        }
    }
    // Resolution layers: each stripe order, each prediction switched off, more and fewer layers.
    for args in [
        &[][..],
        &["-o", "0"],
        &["-o", "4"],
        &["-o", "6"],
        &["-p", "8"],
        &["-p", "12"],
        &["-p", "24"],
        &["-p", "92"],
        &["-d", "1"],
        &["-d", "5"],
        &["-s", "3"],
        &["-m", "0"],
        &["-r"],
        &["-r", "-s", "3", "-o", "4"],
        &["-C", "a comment"],
    ] {
        let theirs = pbmtojbg_layers(&page, args, &scratch);
        assert_eq!(
            decode::decode(&theirs, &limits).unwrap(),
            page,
            "pbmtojbg {args:?}"
        );
    }
    // JBIG-KIT's options: -p sets TPBON (8) and LRLTWO (64); -m the AT pixel's reach; -s L0.
    for args in [
        &["-p", "0"][..],
        &["-p", "8"],
        &["-p", "64"],
        &["-p", "72"],
        &["-m", "0"],
        &["-m", "127"],
        &["-s", "1"],
        &["-s", "5000"],
    ] {
        let theirs = pbmtojbg(&page, args, &scratch);
        assert_eq!(
            decode::decode(&theirs, &limits).unwrap(),
            page,
            "pbmtojbg {args:?}"
        );
    }
}

/// Truncated, corrupted and absurd BIEs give errors, never a panic or a huge allocation.
#[test]
fn hostile_bies_give_clear_errors() {
    let limits = Limits::default();
    let data = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/jbig1_decode/seed-pbmtojbg-q"),
    )
    .unwrap();
    let good = decode::decode(&data, &limits).unwrap();
    // Every truncation either fails or, cut inside the last stripe's trailing bytes, still gives
    // a bitmap of the declared size.
    for len in 0..data.len() {
        if let Ok(b) = decode::decode(&data[..len], &limits) {
            assert_eq!((b.width(), b.height()), (good.width(), good.height()));
        }
    }
    // Flipped bytes anywhere.
    for i in 0..data.len() {
        for bit in [0x01u8, 0x80, 0xff] {
            let mut bad = data.clone();
            bad[i] ^= bit;
            let _ = decode::decode(&bad, &limits);
        }
    }
    let header = |w: u32, h: u32, l0: u32, d: u8, planes: u8| {
        let mut b = vec![0, d, planes, 0];
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&l0.to_be_bytes());
        b.extend_from_slice(&[8, 0, 0, 0x08]);
        b
    };
    let message = |b: &[u8]| decode::decode(b, &limits).unwrap_err().to_string();
    assert!(message(&header(u32::MAX, u32::MAX, 1, 0, 1)).contains("limit"));
    assert!(message(&header(0, 10, 1, 0, 1)).contains("zero"));
    assert!(message(&header(10, 10, 0, 0, 1)).contains("zero"));
    assert!(message(&header(10, 10, 1, 3, 1)).contains("truncated"));
    let mut hitolo = header(10, 10, 1, 3, 1);
    hitolo[18] = 0x08;
    assert!(message(&hitolo).contains("HITOLO"));
    let mut above = header(10, 10, 1, 3, 1);
    above[0] = 2;
    assert!(message(&above).contains("lowest"));
    assert!(message(&header(10, 10, 1, 0, 8)).contains("planes"));
    assert!(message(&header(10, 10, 1, 0, 1)).contains("truncated"));
    let mut unknown = header(10, 10, 1, 0, 1);
    unknown.extend_from_slice(&[0xff, 0x09]);
    assert!(message(&unknown).contains("marker"));
    let mut abort = header(10, 10, 1, 0, 1);
    abort.extend_from_slice(&[0xff, 0x04]);
    assert!(message(&abort).contains("ABORT"));
    let mut newlen = header(10, 10, 10, 0, 1);
    newlen.extend_from_slice(&[0xff, 0x05, 0, 0, 0, 20]);
    assert!(message(&newlen).contains("NEWLEN"));
    let mut comment = header(10, 10, 10, 0, 1);
    comment.extend_from_slice(&[0xff, 0x07, 0xff, 0xff, 0xff, 0xff]);
    assert!(message(&comment).contains("COMMENT"));
    let mut at = header(10, 10, 10, 0, 1);
    at.extend_from_slice(&[0xff, 0x06, 0, 0, 0, 0, 9, 0]);
    assert!(message(&at).contains("ATMOVE"));
    // A NEWLEN that shortens the page is obeyed.
    let mut short = header(16, 10, 10, 0, 1);
    short.extend_from_slice(&[0xff, 0x02, 0xff, 0x05, 0, 0, 0, 4]);
    assert_eq!(decode::decode(&short, &limits).unwrap().height(), 4);
    // And one that ends the image before the stripes its header declared.
    let mut early = header(16, 10, 4, 0, 1);
    early.extend_from_slice(&[0xff, 0x02, 0xff, 0x05, 0, 0, 0, 4]);
    assert_eq!(decode::decode(&early, &limits).unwrap().height(), 4);
}

/// TIFF with JBIG compression (34661): libtiff reads our multi-page TIFF-JBIG page for page, and
/// we read what libtiff's `tiffcp -c jbig` writes under either fill order.
#[test]
fn tiff_jbig_reads_both_ways_with_libtiff() {
    if !have_tool("tiffcp") {
        return;
    }
    let Some(dir) = corpus_dir() else { return };
    let scratch = TempDir::new("tiff-jbig");
    let source = dir.join("files/dev_ccitt1-8_fax_8pages_g3-2d.tif");
    let data = std::fs::read(&source).unwrap();
    let pages = our_bitmaps(&data, "fax.tif");
    let options = scanpress::Options::default()
        .with_codec(scanpress::Codec::Jbig1)
        .with_format(scanpress::Format::Tiff);
    let (tiff, reports) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
    assert!(reports.iter().all(|r| r.codec == "JBIG1"));
    let ours = scratch.path("ours-jbig.tif");
    std::fs::write(&ours, &tiff).unwrap();
    assert_eq!(libtiff_pages(&ours, &scratch), pages, "libtiff reads ours");
    for fill in ["lsb2msb", "msb2lsb"] {
        let plain = scratch.path("plain.tif");
        let jbig = scratch.path("libtiff-jbig.tif");
        run(Command::new("tiffcp")
            .args(["-c", "none", "-f", fill])
            .arg(&source)
            .arg(&plain));
        run(Command::new("tiffcp")
            .args(["-c", "jbig"])
            .arg(&plain)
            .arg(&jbig));
        let theirs = std::fs::read(&jbig).unwrap();
        assert_eq!(
            our_bitmaps(&theirs, "jbig.tif"),
            pages,
            "ours of libtiff's, {fill}"
        );
    }
}

/// The corpus's eight JBIG-KIT BIEs (the CCITT test pages in four resolution layers, with TPBON,
/// TPDON and DPON) decode exactly as jbgtopbm decodes them.
#[test]
fn the_corpus_bies_decode_as_jbgtopbm_decodes_them() {
    if !have_tool("jbgtopbm") {
        return;
    }
    let scratch = TempDir::new("jbig1-corpus");
    for file in corpus_files(&[".jbg"]) {
        let data = std::fs::read(&file).unwrap();
        let ours = decode::decode(&data, &Limits::default()).unwrap();
        assert_eq!(ours, jbgtopbm(&data, &scratch), "{}", file.display());
    }
}

/// Our resolution layers: jbgtopbm decodes our layered BIE of every corpus page exactly, and the
/// sizes against pbmtojbg with the same number of layers.
#[test]
fn jbgtopbm_reads_our_resolution_layers_on_every_corpus_page() {
    if !have_tool("jbgtopbm") || !have_tool("pbmtojbg") {
        return;
    }
    let scratch = TempDir::new("jbig1-layers");
    let limits = Limits::default();
    let (mut ours_total, mut theirs_total) = (0usize, 0usize);
    eprintln!("| page | layers | scanpress | pbmtojbg -d | ratio |");
    eprintln!("|---|---:|---:|---:|---:|");
    for (name, page, _) in corpus_bilevel_pages() {
        let layers = encode::preview_layers(page.width());
        let params = encode::Params {
            layers,
            ..Default::default()
        };
        let ours = encode::encode(&page, &params, &limits).unwrap();
        assert_eq!(
            decode::decode(&ours, &limits).unwrap(),
            page,
            "{name}: ours"
        );
        assert_eq!(jbgtopbm(&ours, &scratch), page, "{name}: jbgtopbm");
        let theirs = pbmtojbg_layers(&page, &["-d", &layers.to_string()], &scratch);
        eprintln!(
            "| {name} | {layers} | {} | {} | {:.3} |",
            ours.len(),
            theirs.len(),
            ours.len() as f64 / theirs.len() as f64
        );
        assert!(
            ours.len() <= theirs.len(),
            "{name}: larger than pbmtojbg -d {layers}"
        );
        ours_total += ours.len();
        theirs_total += theirs.len();
    }
    eprintln!(
        "| **total** | | **{ours_total}** | **{theirs_total}** | **{:.3}** |",
        ours_total as f64 / theirs_total.max(1) as f64
    );
}

/// Where each layer of a layer-by-layer BIE ends: after its stripes' SDNORM markers, counted in
/// the bytes (our BIEs' only other markers, ATMOVEs before the lowest layer's stripes, hold no
/// 0xFF).
fn layer_ends(bie: &[u8], stripes: usize) -> Vec<u64> {
    let ends: Vec<u64> = bie
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == &[0xff, 0x02])
        .map(|(i, _)| i as u64 + 2)
        .collect();
    ends.chunks(stripes).map(|c| *c.last().unwrap()).collect()
}

/// The viewer's decoder fed our layered BIEs a few bytes at a time shows each layer exactly when
/// its last byte has arrived, at the page's size, and the page at the end, on every bilevel
/// corpus page; the seconds to each layer at 64 kbit/s.
#[test]
fn the_incremental_decoder_shows_each_layer_when_its_last_byte_arrives() {
    let limits = Limits::default();
    eprintln!("| page | dpi | layers | bytes to each layer | first view | whole page |");
    eprintln!("|---|---:|---:|---|---:|---:|");
    for (name, page, dpi) in corpus_bilevel_pages() {
        let layers = encode::preview_layers(page.width());
        let params = encode::Params {
            layers,
            ..Default::default()
        };
        let bie = encode::encode(&page, &params, &limits).unwrap();
        let header = scanpress::codec::jbig1::bie::Header::read(&bie).unwrap();
        let stripes = u64::from(header.height).div_ceil(u64::from(header.l0) << layers);
        let expected = layer_ends(&bie, stripes as usize);
        assert_eq!(expected.len(), usize::from(layers) + 1, "{name}");
        assert_eq!(*expected.last().unwrap(), bie.len() as u64);
        let first_stripe = bie.windows(2).position(|w| w == [0xff, 0x02]).unwrap() as u64 + 2;
        let mut decoder = incremental::IncrementalDecoder::new(limits.clone());
        let mut received = 0u64;
        for chunk in bie.chunks(97) {
            decoder.push(chunk).unwrap();
            received += chunk.len() as u64;
            // The page fills in stripe by stripe, before the lowest layer is whole.
            assert_eq!(
                decoder.stripes_done() > 0,
                received >= first_stripe,
                "{name}"
            );
            if received >= first_stripe && received < first_stripe + 97 {
                assert!(
                    decoder.preview().is_some(),
                    "{name}: nothing after the first stripe"
                );
            }
            let due = expected.iter().filter(|&&end| end <= received).count();
            let shown = decoder.layer_ends().len();
            assert_eq!(shown, due, "{name} at {received} bytes");
            if expected.contains(&received) || received == bie.len() as u64 {
                let preview = decoder.preview().unwrap();
                assert_eq!(
                    (preview.width(), preview.height()),
                    (page.width(), page.height())
                );
            }
        }
        assert_eq!(decoder.layer_ends(), &expected[..], "{name}");
        assert!(decoder.is_complete());
        assert_eq!(decoder.preview().unwrap(), page, "{name}");
        let seconds = |b: u64| b as f64 / 8000.0;
        eprintln!(
            "| {name} | {:.0} | {layers} | {expected:?} | {:.2} s | {:.2} s |",
            dpi.0.min(dpi.1),
            seconds(expected[0]),
            seconds(bie.len() as u64)
        );
    }
}

/// JBIG-KIT's layered BIEs through the viewer's decoder, fed one byte at a time, then truncated
/// and corrupted ones: the same page, or errors, never a panic.
#[test]
fn the_incremental_decoder_reads_jbig_kit_and_survives_bad_streams() {
    let limits = Limits::default();
    for file in corpus_files(&[".jbg"]).into_iter().take(2) {
        let data = std::fs::read(&file).unwrap();
        let mut decoder = incremental::IncrementalDecoder::new(limits.clone());
        for b in &data {
            decoder.push(std::slice::from_ref(b)).unwrap();
        }
        assert!(decoder.is_complete());
        assert_eq!(
            decoder.preview().unwrap(),
            decode::decode(&data, &limits).unwrap()
        );
        for cut in [5, 20, 100, data.len() / 2] {
            let mut d = incremental::IncrementalDecoder::new(limits.clone());
            d.push(&data[..cut]).unwrap();
            assert!(!d.is_complete());
        }
        for i in (0..data.len()).step_by(97) {
            let mut bad = data.clone();
            bad[i] ^= 0xa5;
            let mut d = incremental::IncrementalDecoder::new(limits.clone());
            let _ = d.push(&bad);
        }
    }
}

/// The pipeline's `.jbg` output: resolution layers planned for a preview, and the report's bytes
/// to each layer, which the incremental decoder confirms.
#[test]
fn jbg_output_reports_the_bytes_to_each_layer() {
    let Some(dir) = corpus_dir() else { return };
    let data = std::fs::read(dir.join("files/dev_lept_feyn_article_g4.tif")).unwrap();
    let options = scanpress::Options::default().with_format(scanpress::Format::Jbg);
    let (bie, reports) = scanpress::pipeline::compress_bytes(&data, None, &options).unwrap();
    let report = &reports[0];
    assert_eq!(report.codec, "JBIG1");
    assert_eq!(
        report.layer_bytes.len(),
        3,
        "two halvings for a 300 dpi page"
    );
    assert_eq!(*report.layer_bytes.last().unwrap(), bie.len() as u64);
    let mut decoder = incremental::IncrementalDecoder::new(Limits::default());
    decoder.push(&bie).unwrap();
    assert_eq!(decoder.layer_ends(), &report.layer_bytes[..]);
}
