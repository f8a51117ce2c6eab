//! Malformed, truncated and hostile PDFs give clear errors, never a panic or a hang.

mod common;

use scanpress::{Error, Limits};

/// A PDF from numbered object bodies, with a correct cross-reference table.
fn pdf(objects: &[&str]) -> Vec<u8> {
    let bodies: Vec<&[u8]> = objects.iter().map(|o| o.as_bytes()).collect();
    common::pdf_from_objects(&bodies)
}

fn first_error(data: &[u8]) -> Option<Error> {
    match scanpress::input::pages(data, None, &Limits::default()) {
        Err(e) => Some(e),
        Ok(pages) => pages.take(10).find_map(Result::err),
    }
}

fn image_page(image_dict: &str, image_data: &str) -> Vec<u8> {
    pdf(&[
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]/Resources<</XObject<</I 5 0 R>>>>/Contents 4 0 R>>",
        "<</Length 24>>stream\nq 100 0 0 100 0 0 cm/I Do Q\nendstream",
        &format!(
            "<<{image_dict}/Length {}>>stream\n{image_data}\nendstream",
            image_data.len()
        ),
    ])
}

#[test]
fn a_plain_image_page_reads() {
    let data = image_page(
        "/Type/XObject/Subtype/Image/Width 8/Height 2/ColorSpace/DeviceGray/BitsPerComponent 1",
        "\u{0f}\u{f0}",
    );
    let page = scanpress::input::pages(&data, None, &Limits::default())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let scanpress::PageImage::Bilevel(b) = page.image else {
        panic!("not bilevel")
    };
    // Samples of 0 are black.
    assert!(b.get(0, 0) && !b.get(4, 0) && !b.get(0, 1) && b.get(4, 1));
}

#[test]
fn huge_declared_sizes_are_refused_before_allocating() {
    let data = image_page(
        "/Type/XObject/Subtype/Image/Width 900000/Height 900000/ColorSpace/DeviceGray/BitsPerComponent 8",
        "x",
    );
    assert!(matches!(first_error(&data), Some(Error::Limits(_))));
}

#[test]
fn bad_streams_and_missing_pieces_are_errors() {
    for (dict, body) in [
        // CCITT data that is garbage.
        (
            "/Subtype/Image/Width 64/Height 64/ColorSpace/DeviceGray/BitsPerComponent 1/Filter/CCITTFaxDecode/DecodeParms<</K -1/Columns 64>>",
            "\u{0}\u{0}\u{0}garbage",
        ),
        // Flate that is not Flate.
        (
            "/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/FlateDecode",
            "not zlib at all",
        ),
        // Too little data.
        (
            "/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceRGB/BitsPerComponent 8",
            "short",
        ),
        // No colour space.
        (
            "/Subtype/Image/Width 8/Height 1/BitsPerComponent 8",
            "12345678",
        ),
        // JBIG2 and JPEG 2000 that are neither.
        (
            "/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceGray/BitsPerComponent 1/Filter/JBIG2Decode",
            "junk",
        ),
        (
            "/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/JPXDecode",
            "junk",
        ),
        (
            "/Subtype/Image/Width 8/Height 8/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/DCTDecode",
            "junk",
        ),
        // Zero and negative sizes.
        (
            "/Subtype/Image/Width 0/Height 8/ColorSpace/DeviceGray/BitsPerComponent 8",
            "x",
        ),
        (
            "/Subtype/Image/Width -5/Height 8/ColorSpace/DeviceGray/BitsPerComponent 8",
            "x",
        ),
    ] {
        let data = image_page(dict, body);
        assert!(first_error(&data).is_some(), "{dict} read without error");
    }
}

#[test]
fn cyclic_page_trees_and_references_end() {
    // The page tree's Kids point back at the tree; the page's Parent chain loops.
    let data = pdf(&[
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[2 0 R 3 0 R]/Count 1>>",
        "<</Type/Page/Parent 3 0 R/Resources 4 0 R/Contents 4 0 R>>",
        "4 0 R",
    ]);
    let _ = first_error(&data);
    // Indirect objects that refer to each other.
    let data = pdf(&[
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox 4 0 R/Resources<</XObject<</I 5 0 R>>>>/Contents 4 0 R>>",
        "5 0 R",
        "4 0 R",
    ]);
    let _ = first_error(&data);
}

#[test]
fn truncated_and_garbage_pdfs_are_errors() {
    let good = image_page(
        "/Type/XObject/Subtype/Image/Width 8/Height 2/ColorSpace/DeviceGray/BitsPerComponent 1",
        "\u{0f}\u{f0}",
    );
    for cut in [10, good.len() / 3, good.len() / 2] {
        assert!(first_error(&good[..cut]).is_some(), "cut at {cut}");
    }
    assert!(first_error(b"%PDF-1.7\n\x00\x01\x02 garbage garbage").is_some());
}

#[test]
fn an_encrypted_pdf_without_a_user_password_opens() {
    // qpdf encrypts with an empty user password when asked; skip where qpdf is missing.
    let Ok(status) = std::process::Command::new("qpdf").arg("--version").output() else {
        assert!(std::env::var_os("CI").is_none(), "qpdf is required in CI");
        return;
    };
    assert!(status.status.success());
    let dir = std::env::temp_dir().join(format!("scanpress-enc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("plain.pdf");
    let enc = dir.join("enc.pdf");
    let locked = dir.join("locked.pdf");
    std::fs::write(
        &plain,
        image_page(
            "/Type/XObject/Subtype/Image/Width 8/Height 2/ColorSpace/DeviceGray/BitsPerComponent 1",
            "\u{0f}\u{f0}",
        ),
    )
    .unwrap();
    let qpdf = |args: &[&str]| {
        let o = std::process::Command::new("qpdf")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.code().is_some_and(|c| c == 0 || c == 3), "{o:?}");
    };
    qpdf(&[
        "--encrypt",
        "",
        "owner",
        "256",
        "--",
        plain.to_str().unwrap(),
        enc.to_str().unwrap(),
    ]);
    qpdf(&[
        "--encrypt",
        "secret",
        "owner",
        "256",
        "--",
        plain.to_str().unwrap(),
        locked.to_str().unwrap(),
    ]);
    let data = std::fs::read(&enc).unwrap();
    let pages: Vec<_> = scanpress::input::pages(&data, None, &Limits::default())
        .unwrap()
        .collect();
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_ok(), "{:?}", pages[0].as_ref().err());
    let data = std::fs::read(&locked).unwrap();
    let e = first_error(&data).expect("a password-protected PDF must not open");
    assert!(
        e.to_string().contains("password") || e.to_string().contains("encrypt"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
