//! The TIFF reader on every compression, bit order, strip layout and photometric interpretation that
//! libtiff and ImageMagick write, each compared with libtiff's own decoding; and bad TIFFs.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use scanpress::{Error, Limits, PageImage};

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fax2d-manpage.tif")
        .to_string_lossy()
        .into_owned()
}

fn read_bilevel(path: &Path) -> Vec<scanpress::Bitmap> {
    bilevel_pages(&std::fs::read(path).unwrap())
}

#[test]
fn bilevel_compressions_and_layouts_match_libtiff() {
    if !have_tool("tiffcp") {
        return;
    }
    let scratch = TempDir::new("variants");
    let reference = libtiff_pages(Path::new(&fixture()), &scratch);
    let variants: &[&[&str]] = &[
        // libtiff reverses the bits of uncompressed and CCITT data under FillOrder 2 only.
        &["-c", "none"],
        &["-c", "packbits", "-f", "msb2lsb"],
        &["-c", "lzw", "-f", "msb2lsb"],
        &["-c", "zip", "-f", "msb2lsb"],
        &["-c", "g3"],
        &["-c", "g3:2d"],
        &["-c", "g3:2d:fill"],
        &["-c", "g3:fill"],
        &["-c", "g4"],
        &["-c", "g4", "-r", "100"],
        &["-c", "g3:2d", "-r", "7"],
        &["-c", "g4", "-f", "lsb2msb"],
        &["-c", "g3", "-f", "lsb2msb", "-r", "50"],
        &["-c", "none", "-f", "lsb2msb"],
    ];
    for args in variants {
        let out = scratch.path("variant.tif");
        run(Command::new("tiffcp").args(*args).arg(fixture()).arg(&out));
        let ours = read_bilevel(&out);
        assert_eq!(ours.len(), 1);
        assert_eq!(
            ours[0].first_difference(&reference[0]),
            None,
            "tiffcp {args:?}"
        );
    }
    // Multi-page: the same page three times in different compressions.
    let pages: Vec<_> = ["g4", "g3:2d", "lzw"]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = scratch.path(&format!("p{i}.tif"));
            run(Command::new("tiffcp")
                .args(["-c", c, "-f", "msb2lsb"])
                .arg(fixture())
                .arg(&p));
            p
        })
        .collect();
    let multi = scratch.path("multi.tif");
    run(Command::new("tiffcp").args(&pages).arg(&multi));
    let ours = read_bilevel(&multi);
    assert_eq!(ours.len(), 3);
    assert!(ours.iter().all(|b| b == &reference[0]));
}

#[test]
fn min_is_black_grey_colour_and_palette_from_imagemagick() {
    if !have_tool("tiffcp") || !Path::new("/usr/bin/convert").exists() {
        return;
    }
    let scratch = TempDir::new("variants-im");
    let reference = libtiff_pages(Path::new(&fixture()), &scratch);
    let convert = |args: &[&str], out: &str| {
        let path = scratch.path(out);
        run(Command::new("/usr/bin/convert")
            .arg(fixture())
            .args(args)
            .arg(&path));
        std::fs::read(path).unwrap()
    };
    // Min-is-black G4: libtiff and we must agree on which pixels are ink.
    let data = convert(
        &[
            "-define",
            "quantum:polarity=min-is-black",
            "-compress",
            "Group4",
        ],
        "miniswhite.tif",
    );
    let page = scanpress::input::pages(&data, None, &Limits::default())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let PageImage::Bilevel(b) = page.image else {
        panic!("min-is-black G4 not bilevel")
    };
    assert_eq!(b.first_difference(&reference[0]), None);

    for (args, name, kind) in [
        (
            &["-depth", "8", "-type", "Grayscale", "-compress", "LZW"][..],
            "grey8.tif",
            "bilevel",
        ),
        (
            &["-depth", "16", "-type", "Grayscale", "-compress", "Zip"][..],
            "grey16.tif",
            "bilevel",
        ),
        (
            &["-type", "TrueColor", "-compress", "JPEG", "-quality", "95"][..],
            "rgb-jpeg.tif",
            "grey",
        ),
        (
            &[
                "-depth",
                "8",
                "-type",
                "TrueColorAlpha",
                "-compress",
                "None",
            ][..],
            "rgba.tif",
            "bilevel",
        ),
        (
            &["-depth", "8", "-colorspace", "CMYK", "-compress", "None"][..],
            "cmyk.tif",
            "bilevel",
        ),
    ] {
        let data = convert(args, name);
        let pages: Vec<_> = scanpress::input::pages(&data, None, &Limits::default())
            .unwrap()
            .map(|p| p.unwrap())
            .collect();
        assert_eq!(pages.len(), 1, "{name}");
        assert_eq!(pages[0].image.dimensions(), (1728, 1082), "{name}");
        // Grey and colour samples of a black-and-white page come back as exact black and white,
        // except through lossy JPEG.
        if kind == "bilevel" {
            let bitmap = scanpress::pipeline::prepare(pages[0].clone(), &Default::default())
                .unwrap()
                .0;
            assert_eq!(bitmap.first_difference(&reference[0]), None, "{name}");
        }
    }
}

#[test]
fn bad_tiffs_give_clear_errors() {
    // Our own little-endian G4 TIFF of the fixture, whose directory layout is known.
    let source = std::fs::read(fixture()).unwrap();
    let (data, _) = scanpress::pipeline::compress_bytes(
        &source,
        None,
        &scanpress::Options::default().with_format(scanpress::Format::Tiff),
    )
    .unwrap();
    let limits = Limits::default();
    let first_error = |bytes: &[u8]| -> Option<Error> {
        match scanpress::input::pages(bytes, None, &limits) {
            Err(e) => Some(e),
            Ok(pages) => pages.filter_map(Result::err).next(),
        }
    };
    // Truncated anywhere.
    for cut in [8, 100, data.len() / 2] {
        let e = first_error(&data[..cut]);
        assert!(e.is_some(), "cut at {cut} read without error");
    }
    // Garbage after a TIFF signature.
    let mut garbage = b"II*\0".to_vec();
    garbage.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    assert!(first_error(&garbage).is_some());

    // Patch tags of the real file: find the IFD entries by tag number.
    let ifd = u32::from_le_bytes(data[4..8].try_into().unwrap()) as usize;
    let count = u16::from_le_bytes(data[ifd..ifd + 2].try_into().unwrap()) as usize;
    let entry = |tag: u16| {
        (0..count)
            .map(|i| ifd + 2 + 12 * i)
            .find(|&at| u16::from_le_bytes(data[at..at + 2].try_into().unwrap()) == tag)
            .unwrap()
    };
    let patched = |tag: u16, value: u32| {
        let mut d = data.clone();
        let at = entry(tag) + 8;
        let kind = u16::from_le_bytes(d[at - 6..at - 4].try_into().unwrap());
        if kind == 3 {
            d[at..at + 2].copy_from_slice(&(value as u16).to_le_bytes());
        } else {
            d[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        d
    };
    // Absurd dimensions: refused by the limits before anything is allocated.
    let e = first_error(&patched(256, 4_000_000)).unwrap();
    assert!(
        matches!(e, Error::Limits(_)) || matches!(e, Error::Format { .. }),
        "{e}"
    );
    // Old-style JPEG: a clear Unsupported error.
    let e = first_error(&patched(259, 6)).unwrap();
    assert!(
        matches!(e, Error::Unsupported { .. }) && e.to_string().contains("old-style JPEG"),
        "{e}"
    );
    // Bogus strip offset and byte count.
    let e = first_error(&patched(273, 0xFFFF_FF00)).unwrap();
    assert!(e.to_string().contains("strip"), "{e}");
    let e = first_error(&patched(279, 0x7FFF_FFFF)).unwrap();
    assert!(
        e.to_string().contains("strip") || matches!(e, Error::Limits(_)),
        "{e}"
    );
    // A height the data cannot fill.
    assert!(first_error(&patched(257, 60_000)).is_some());
}

/// A colour palette TIFF decodes to the colours ImageMagick decodes it to.
#[test]
fn colour_palette_matches_imagemagick() {
    if !Path::new("/usr/bin/convert").exists() {
        if std::env::var_os("CI").is_some() {
            panic!("ImageMagick is required in CI");
        }
        return;
    }
    let scratch = TempDir::new("palette");
    for (depth, colors) in [("8", "200"), ("4", "16"), ("2", "4")] {
        let tif = scratch.path("palette.tif");
        run(Command::new("/usr/bin/convert")
            .args([
                "-size",
                "97x31",
                "gradient:red-blue",
                "-colors",
                colors,
                "-type",
                "Palette",
            ])
            .args(["-depth", depth])
            .arg(&tif));
        let want = run(Command::new("/usr/bin/convert")
            .arg(&tif)
            .args(["-depth", "8", "rgb:-"]));
        let data = std::fs::read(&tif).unwrap();
        let page = scanpress::input::pages(&data, None, &Limits::default())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let PageImage::Rgb(rgb) = page.image else {
            panic!("colour palette page is {}", page.image.kind())
        };
        assert_eq!(rgb.data, want, "depth {depth}");
    }
}
