//! JBIG2 segments (T.88 7.2-7.4) and the two organisations of a page: the standalone sequential
//! file (Annex D.1) and the embedded stream of a PDF (Annex D.3), which has no file header and no
//! end-of-file segment.

use crate::bitmap::Bitmap;

use super::generic;

/// Segment types (T.88 7.3).
const PAGE_INFORMATION: u8 = 48;
const IMMEDIATE_LOSSLESS_GENERIC_REGION: u8 = 39;
const END_OF_PAGE: u8 = 49;
const END_OF_FILE: u8 = 51;

/// T.88 D.4.1: the ID string of a standalone file.
const FILE_ID: [u8; 8] = [0x97, 0x4A, 0x42, 0x32, 0x0D, 0x0A, 0x1A, 0x0A];

/// Appends a segment header (7.2) with no referred-to segments, then `data`.
fn segment(out: &mut Vec<u8>, number: u32, kind: u8, page: u32, data: &[u8]) {
    out.extend_from_slice(&number.to_be_bytes());
    // Flags (7.2.3): the type, and bit 6 for a four-byte page association.
    let long_page = page > 255;
    out.push(kind | u8::from(long_page) << 6);
    // Referred-to segment count and retention flags (7.2.4): none.
    out.push(0);
    if long_page {
        out.extend_from_slice(&page.to_be_bytes());
    } else {
        out.push(page as u8);
    }
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
}

/// The page information segment's data (7.4.8): size, resolution in pixels per metre, flags.
fn page_information(width: u32, height: u32, dpi: (f64, f64)) -> Vec<u8> {
    let per_metre = |d: f64| (d / 0.0254).round() as u32;
    let mut data = Vec::with_capacity(19);
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&per_metre(dpi.0).to_be_bytes());
    data.extend_from_slice(&per_metre(dpi.1).to_be_bytes());
    // Flags: eventually lossless (bit 0); default pixel 0; combination operator OR.
    data.push(0x01);
    // Not striped.
    data.extend_from_slice(&0u16.to_be_bytes());
    data
}

/// The data of an immediate lossless generic region segment (7.4.6) covering the whole page.
fn generic_region(bitmap: &Bitmap, tpgdon: bool) -> Vec<u8> {
    let mut data = Vec::new();
    // Region segment information field (7.4.1): size, position, external combination OR.
    data.extend_from_slice(&bitmap.width().to_be_bytes());
    data.extend_from_slice(&bitmap.height().to_be_bytes());
    data.extend_from_slice(&0u32.to_be_bytes());
    data.extend_from_slice(&0u32.to_be_bytes());
    data.push(0);
    // Generic region segment flags (7.4.6.2): MMR 0, GBTEMPLATE 0, TPGDON.
    data.push(u8::from(tpgdon) << 3);
    // AT flags (7.4.6.3).
    for (x, y) in generic::NOMINAL_AT {
        data.push(x as u8);
        data.push(y as u8);
    }
    data.extend_from_slice(&generic::encode(bitmap, tpgdon));
    data
}

/// One page as the segments a PDF's JBIG2Decode stream holds (T.88 D.3; ISO 32000-1 7.4.7).
pub fn embedded_page(bitmap: &Bitmap, dpi: (f64, f64)) -> Vec<u8> {
    let mut out = Vec::new();
    let info = page_information(bitmap.width(), bitmap.height(), dpi);
    segment(&mut out, 0, PAGE_INFORMATION, 1, &info);
    segment(
        &mut out,
        1,
        IMMEDIATE_LOSSLESS_GENERIC_REGION,
        1,
        &generic_region(bitmap, true),
    );
    out
}

/// Pages as a standalone sequential JBIG2 file (`.jb2`, T.88 D.1, D.4).
pub fn standalone_file(pages: &[(&Bitmap, (f64, f64))]) -> Vec<u8> {
    let mut out = FILE_ID.to_vec();
    // File header flags: sequential organisation, page count known.
    out.push(0x01);
    out.extend_from_slice(&(pages.len() as u32).to_be_bytes());
    let mut number = 0;
    for (i, (bitmap, dpi)) in pages.iter().enumerate() {
        let page = (i + 1) as u32;
        let info = page_information(bitmap.width(), bitmap.height(), *dpi);
        segment(&mut out, number, PAGE_INFORMATION, page, &info);
        segment(
            &mut out,
            number + 1,
            IMMEDIATE_LOSSLESS_GENERIC_REGION,
            page,
            &generic_region(bitmap, true),
        );
        segment(&mut out, number + 2, END_OF_PAGE, page, &[]);
        number += 3;
    }
    segment(&mut out, number, END_OF_FILE, 0, &[]);
    out
}
