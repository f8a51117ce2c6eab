//! The PDF reader on the image encodings scanners and converters write: ImageMagick's PDFs in every
//! compression it offers, and hand-made pages for colour spaces, /Decode and /ImageMask.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use scanpress::{Limits, PageImage};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif")
}

/// libtiff's tiff2pdf passes CCITT data through as it is (G3 1-D and 2-D, with EOLs and byte
/// alignment as the TIFF had them, and G4) or recodes it (none, Flate).
#[test]
fn tiff2pdf_pdfs_in_every_encoding_read_exactly() {
    if !have_tool("tiff2pdf") || !have_tool("tiffcp") {
        return;
    }
    let scratch = TempDir::new("pdf-tiff2pdf");
    let reference = &libtiff_pages(&fixture(), &scratch)[0];
    for (tiffcp, tiff2pdf) in [
        (None, &[][..]),
        (Some("g4"), &[][..]),
        (Some("g3:2d"), &[][..]),
        (Some("g3:2d:fill"), &[][..]),
        (None, &["-n"][..]),
        (None, &["-z"][..]),
        (Some("lzw"), &["-n"][..]),
    ] {
        let tif = scratch.path("in.tif");
        match tiffcp {
            Some(c) => {
                run(Command::new("tiffcp")
                    .args(["-c", c])
                    .arg(fixture())
                    .arg(&tif));
            }
            None => {
                std::fs::copy(fixture(), &tif).unwrap();
            }
        }
        let pdf = scratch.path("out.pdf");
        run(Command::new("tiff2pdf")
            .args(tiff2pdf)
            .arg("-o")
            .arg(&pdf)
            .arg(&tif));
        let data = std::fs::read(&pdf).unwrap();
        let pages = bilevel_pages(&data);
        assert_eq!(pages.len(), 1);
        assert_eq!(
            pages[0].first_difference(reference),
            None,
            "tiffcp {tiffcp:?} tiff2pdf {tiff2pdf:?}"
        );
    }
}

/// A one-page PDF showing one image XObject, with a correct cross-reference table.
fn image_pdf(image_dict: &str, data: &[u8], extra: &str) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = vec![
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 8 2]/Resources<</XObject<</I 5 0 R>>>>/Contents 4 0 R>>"
            .to_vec(),
        b"<</Length 20>>stream\nq 8 0 0 2 0 0 cm/I Do Q\nendstream".to_vec(),
        [
            format!("<<{image_dict}/Length {}>>stream\n", data.len()).as_bytes(),
            data,
            b"\nendstream",
        ]
        .concat(),
        extra.as_bytes().to_vec(),
    ];
    let bodies: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
    pdf_from_objects(&bodies)
}

fn first_page(data: &[u8]) -> PageImage {
    scanpress::input::pages(data, None, &Limits::default())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .image
}

/// Row 0 of an 8x2 page: pixels 0-3 dark, 4-7 light; row 1 the other way round.
fn assert_pattern(image: &PageImage, what: &str) {
    let PageImage::Bilevel(b) = image else {
        panic!("{what}: {} page", image.kind())
    };
    let row0: Vec<bool> = (0..8).map(|x| b.get(x, 0)).collect();
    let row1: Vec<bool> = (0..8).map(|x| b.get(x, 1)).collect();
    assert_eq!(
        row0,
        [true, true, true, true, false, false, false, false],
        "{what}"
    );
    assert_eq!(
        row1,
        [false, false, false, false, true, true, true, true],
        "{what}"
    );
}

#[test]
fn colour_spaces_decode_arrays_and_masks() {
    let base = "/Subtype/Image/Width 8/Height 2";
    // 1-bit grey: samples of 0 are black.
    let bits = [0x0F, 0xF0];
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace/DeviceGray/BitsPerComponent 1"),
            &bits,
            "null",
        )),
        "DeviceGray",
    );
    // /Decode [1 0] swaps them.
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace/DeviceGray/BitsPerComponent 1/Decode[1 0]"),
            &[0xF0, 0x0F],
            "null",
        )),
        "Decode [1 0]",
    );
    // An image mask paints its samples of 0.
    assert_pattern(
        &first_page(&image_pdf(&format!("{base}/ImageMask true"), &bits, "null")),
        "ImageMask",
    );
    // Separation: samples are amounts of ink, 1 is full.
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace[/Separation/Black/DeviceGray 6 0 R]/BitsPerComponent 1"),
            &[0xF0, 0x0F],
            "<</FunctionType 2/Domain[0 1]/C0[1]/C1[0]/N 1>>",
        )),
        "Separation",
    );
    // Indexed over RGB with a two-entry palette (black, white), 1 bit an index.
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace[/Indexed/DeviceRGB 1 <000000FFFFFF>]/BitsPerComponent 1"),
            &bits,
            "null",
        )),
        "Indexed",
    );
    // 8-bit CalGray and ICC-based grey, black and white samples.
    let grey8: Vec<u8> = [
        0u8, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0,
    ]
    .to_vec();
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace[/CalGray<</WhitePoint[0.95 1 1.09]>>]/BitsPerComponent 8"),
            &grey8,
            "null",
        )),
        "CalGray",
    );
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace[/ICCBased 6 0 R]/BitsPerComponent 8"),
            &grey8,
            "<</N 1/Length 0>>stream\n\nendstream",
        )),
        "ICCBased",
    );
    // 8-bit CMYK: black is full K.
    let cmyk: Vec<u8> = grey8.iter().flat_map(|&g| [0, 0, 0, 255 - g]).collect();
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/ColorSpace/DeviceCMYK/BitsPerComponent 8"),
            &cmyk,
            "null",
        )),
        "DeviceCMYK",
    );
    // A colour page stays colour.
    let rgb: Vec<u8> = (0..16).flat_map(|i| [i * 16, 0, 255 - i * 16]).collect();
    let page = first_page(&image_pdf(
        &format!("{base}/ColorSpace/DeviceRGB/BitsPerComponent 8"),
        &rgb,
        "null",
    ));
    assert!(matches!(page, PageImage::Rgb(_)));
}

#[test]
fn document_information_is_carried_over() {
    let fixture = std::fs::read(fixture()).unwrap();
    let (first, _) =
        scanpress::pipeline::compress_bytes(&fixture, None, &Default::default()).unwrap();
    // Give the PDF a Title and Author, then compress it again.
    let mut doc = lopdf::Document::load_mem(&first).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let dict = doc.get_object_mut(info).unwrap().as_dict_mut().unwrap();
    // A text string beyond PDFDocEncoding is UTF-16BE with a byte order mark (7.9.2.2).
    let utf16: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(
            "Letter from Dr Ärzte (cardiology)"
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        )
        .collect();
    dict.set(
        "Title",
        lopdf::Object::String(utf16, lopdf::StringFormat::Hexadecimal),
    );
    dict.set("Author", lopdf::Object::string_literal("St Mary's"));
    let mut titled = Vec::new();
    doc.save_to(&mut titled).unwrap();
    let (second, _) =
        scanpress::pipeline::compress_bytes(&titled, None, &Default::default()).unwrap();
    let doc = lopdf::Document::load_mem(&second).unwrap();
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let dict = doc.get_dictionary(info).unwrap();
    let text = |k: &[u8]| lopdf::decode_text_string(dict.get(k).unwrap()).unwrap();
    assert_eq!(text(b"Title"), "Letter from Dr Ärzte (cardiology)");
    assert_eq!(text(b"Author"), "St Mary's");
}

#[test]
fn filter_chains_and_predictors() {
    let base = "/Subtype/Image/Width 8/Height 2/ColorSpace/DeviceGray/BitsPerComponent 1";
    // ASCIIHex over RunLength: a literal run of two bytes, then EOD.
    let run_length = [1u8, 0x0F, 0xF0, 128];
    let hex: String = run_length
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<String>()
        + ">";
    assert_pattern(
        &first_page(&image_pdf(
            &format!("{base}/Filter[/ASCIIHexDecode/RunLengthDecode]"),
            hex.as_bytes(),
            "null",
        )),
        "ASCIIHex + RunLength",
    );
    // Flate with PNG predictors (7.4.4.4): each row starts with its filter type; Sub on row 1.
    let rows = [0u8, 0x0F, 1, 0xF0];
    let flate = miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6);
    assert_pattern(
        &first_page(&image_pdf(
            &format!(
                "{base}/Filter/FlateDecode/DecodeParms<</Predictor 15/Colors 1/BitsPerComponent 1/Columns 8>>"
            ),
            &flate,
            "null",
        )),
        "Flate + PNG predictor",
    );
}

/// The JPEG 2000 image of the corpus's PDFScanner file, on a page of its own, decodes to the size
/// and, within the rounding of the irreversible wavelet, the pixels poppler (OpenJPEG) gives.
#[test]
fn jpeg_2000_images_decode_like_poppler() {
    if !have_tool("pdfimages") {
        return;
    }
    let Some(source) = corpus_files(&[".pdf"])
        .into_iter()
        .find(|f| f.to_string_lossy().contains("jpx"))
    else {
        return;
    };
    let doc = lopdf::Document::load(&source).unwrap();
    let jpx = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .find(|s| s.dict.get(b"Filter").and_then(|f| f.as_name()).ok() == Some(b"JPXDecode"))
        .expect("a JPX image");
    let (w, h) = (
        jpx.dict.get(b"Width").unwrap().as_i64().unwrap(),
        jpx.dict.get(b"Height").unwrap().as_i64().unwrap(),
    );
    let pdf = image_pdf(
        &format!("/Subtype/Image/Width {w}/Height {h}/Filter/JPXDecode"),
        &jpx.content,
        "null",
    );
    let ours = first_page(&pdf);
    assert_eq!(ours.dimensions(), (w as u32, h as u32));
    let scratch = TempDir::new("pdf-jpx");
    let file = scratch.path("jpx.pdf");
    std::fs::write(&file, &pdf).unwrap();
    run(Command::new("pdfimages")
        .arg("-png")
        .arg(&file)
        .arg(scratch.path("p")));
    let theirs = image::open(scratch.path("p-000.png")).unwrap().into_rgb8();
    let ours_rgb: Vec<u8> = match ours {
        PageImage::Rgb(c) => c.data,
        PageImage::Gray(g) => g.data.iter().flat_map(|&v| [v; 3]).collect(),
        PageImage::Bilevel(b) => b.to_gray().iter().flat_map(|&v| [v; 3]).collect(),
    };
    let total: u64 = ours_rgb
        .iter()
        .zip(theirs.as_raw())
        .map(|(&a, &b)| u64::from(a.abs_diff(b)))
        .sum();
    let mean = total as f64 / ours_rgb.len() as f64;
    assert!(mean < 2.0, "mean difference {mean}");
}
