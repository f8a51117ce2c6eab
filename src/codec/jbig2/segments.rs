//! JBIG2 segments (T.88 7.2-7.4) and the two organisations of a page: the standalone sequential
//! file (Annex D.1) and the embedded stream of a PDF (Annex D.3), which has no file header and no
//! end-of-file segment.

use super::generic::GenericParams;

/// Segment types (T.88 7.3, Table 1).
pub mod kind {
    /// Symbol dictionary (7.4.2).
    pub const SYMBOL_DICTIONARY: u8 = 0;
    /// Intermediate text region (7.4.3).
    pub const INTERMEDIATE_TEXT_REGION: u8 = 4;
    /// Immediate text region (7.4.3).
    pub const IMMEDIATE_TEXT_REGION: u8 = 6;
    /// Immediate lossless text region (7.4.3).
    pub const IMMEDIATE_LOSSLESS_TEXT_REGION: u8 = 7;
    /// Intermediate generic region (7.4.6).
    pub const INTERMEDIATE_GENERIC_REGION: u8 = 36;
    /// Immediate generic region (7.4.6).
    pub const IMMEDIATE_GENERIC_REGION: u8 = 38;
    /// Immediate lossless generic region (7.4.6).
    pub const IMMEDIATE_LOSSLESS_GENERIC_REGION: u8 = 39;
    /// Intermediate generic refinement region (7.4.7).
    pub const INTERMEDIATE_REFINEMENT_REGION: u8 = 40;
    /// Immediate generic refinement region (7.4.7).
    pub const IMMEDIATE_REFINEMENT_REGION: u8 = 42;
    /// Immediate lossless generic refinement region (7.4.7).
    pub const IMMEDIATE_LOSSLESS_REFINEMENT_REGION: u8 = 43;
    /// Page information (7.4.8).
    pub const PAGE_INFORMATION: u8 = 48;
    /// End of page (7.4.9).
    pub const END_OF_PAGE: u8 = 49;
    /// End of stripe (7.4.10).
    pub const END_OF_STRIPE: u8 = 50;
    /// End of file (7.4.11).
    pub const END_OF_FILE: u8 = 51;
    /// Profiles (7.4.12).
    pub const PROFILES: u8 = 52;
    /// Code tables (7.4.13).
    pub const TABLES: u8 = 53;
    /// Colour palette (T.88 Amendment 3).
    pub const COLOUR_PALETTE: u8 = 54;
    /// Extension (7.4.14).
    pub const EXTENSION: u8 = 62;
}
use kind::*;

/// T.88 D.4.1: the ID string of a standalone file.
pub const FILE_ID: [u8; 8] = [0x97, 0x4A, 0x42, 0x32, 0x0D, 0x0A, 0x1A, 0x0A];

/// Appends a segment header (7.2) with no referred-to segments, then `data`.
fn segment(out: &mut Vec<u8>, number: u32, kind: u8, page: u32, data: &[u8]) {
    write_segment(out, number, kind, &[], page, data);
}

/// Appends a segment header (7.2) referring to the segments `referred`, then `data`. No segment
/// is marked for retention (7.2.4).
pub fn write_segment(
    out: &mut Vec<u8>,
    number: u32,
    kind: u8,
    referred: &[u32],
    page: u32,
    data: &[u8],
) {
    out.extend_from_slice(&number.to_be_bytes());
    // Flags (7.2.3): the type, and bit 6 for a four-byte page association.
    let long_page = page > 255;
    out.push(kind | u8::from(long_page) << 6);
    // Referred-to segment count and retention flags (7.2.4): the short form up to four.
    if referred.len() <= 4 {
        out.push((referred.len() as u8) << 5);
    } else {
        out.extend_from_slice(&(0xE000_0000 | referred.len() as u32).to_be_bytes());
        out.resize(out.len() + (referred.len() + 1).div_ceil(8), 0);
    }
    // Referred-to segment numbers (7.2.5), as wide as this segment's number needs.
    for &n in referred {
        match number {
            0..=256 => out.push(n as u8),
            257..=65536 => out.extend_from_slice(&(n as u16).to_be_bytes()),
            _ => out.extend_from_slice(&n.to_be_bytes()),
        }
    }
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

/// The region segment information field (T.88 7.4.1) of a region covering a whole `width` x
/// `height` page, combined with OR.
pub fn whole_page_region(width: u32, height: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity(17);
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&0u32.to_be_bytes());
    data.extend_from_slice(&0u32.to_be_bytes());
    data.push(0);
    data
}

/// A segment of a page after its page information: its type, the earlier segments of the page
/// it refers to (by their place in the page's list), and its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageSegment {
    /// The segment type (7.3).
    pub kind: u8,
    /// The page's earlier segments this one refers to, by index.
    pub refers_to: Vec<usize>,
    /// The segment data.
    pub data: Vec<u8>,
}

impl PageSegment {
    /// An immediate lossless generic region segment (7.4.6) covering a whole `width` x `height`
    /// page, around `coded`, a region from [`super::generic::encode`] with `params`.
    pub fn generic_region(width: u32, height: u32, params: &GenericParams, coded: &[u8]) -> Self {
        let mut data = whole_page_region(width, height);
        data.reserve(coded.len() + 9);
        // Generic region segment flags (7.4.6.2): MMR 0, GBTEMPLATE, TPGDON.
        data.push(params.template.bits() << 1 | u8::from(params.tpgdon) << 3);
        // AT flags (7.4.6.3).
        for &(x, y) in params.at_pixels() {
            data.push(x as u8);
            data.push(y as u8);
        }
        data.extend_from_slice(coded);
        PageSegment {
            kind: IMMEDIATE_LOSSLESS_GENERIC_REGION,
            refers_to: Vec::new(),
            data,
        }
    }
}

/// About the bytes `segments` take in a stream: each header costs 11 to 16 bytes besides the
/// data, reckoned as 16.
pub fn stream_size(segments: &[PageSegment]) -> usize {
    segments.iter().map(|s| s.data.len() + 16).sum()
}

/// Global segments (page association 0) already written: the first one's number and how many
/// there are. A page's segments refer to them by index before their own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Globals {
    first: u32,
    count: usize,
}

/// Writes `segments` as global segments (page association 0) numbered from `first`; their
/// `refers_to` index each other.
fn write_globals(out: &mut Vec<u8>, first: u32, segments: &[PageSegment]) -> Globals {
    let globals = Globals {
        first,
        count: segments.len(),
    };
    for (i, s) in segments.iter().enumerate() {
        let referred: Vec<u32> = s.refers_to.iter().map(|&r| first + r as u32).collect();
        write_segment(out, first + i as u32, s.kind, &referred, 0, &s.data);
    }
    globals
}

/// Writes page `page`'s information and `segments`, numbered from `first`, whose `refers_to`
/// index `globals` and then the page's earlier segments; returns the next free segment number.
fn write_page(
    out: &mut Vec<u8>,
    first: u32,
    page: u32,
    (width, height, dpi): (u32, u32, (f64, f64)),
    segments: &[PageSegment],
    globals: Globals,
) -> u32 {
    let info = page_information(width, height, dpi);
    segment(out, first, PAGE_INFORMATION, page, &info);
    for (i, s) in segments.iter().enumerate() {
        let referred: Vec<u32> = s
            .refers_to
            .iter()
            .map(|&r| match r.checked_sub(globals.count) {
                None => globals.first + r as u32,
                Some(local) => first + 1 + local as u32,
            })
            .collect();
        write_segment(out, first + 1 + i as u32, s.kind, &referred, page, &s.data);
    }
    first + 1 + segments.len() as u32
}

/// The global segments of a PDF's /JBIG2Globals stream (T.88 D.3; ISO 32000-1 7.4.7), numbered
/// from 0; their `refers_to` index each other.
pub fn embedded_globals(segments: &[PageSegment]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream_size(segments));
    write_globals(&mut out, 0, segments);
    out
}

/// One page as the segments a PDF's JBIG2Decode stream holds (T.88 D.3; ISO 32000-1 7.4.7):
/// its page information, then `segments`, numbered after the `globals` global segments of the
/// /JBIG2Globals stream ([`embedded_globals`]) that they may refer to.
pub fn embedded_group_page(
    width: u32,
    height: u32,
    dpi: (f64, f64),
    segments: &[PageSegment],
    globals: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(stream_size(segments) + 40);
    let globals = Globals {
        first: 0,
        count: globals,
    };
    write_page(
        &mut out,
        globals.count as u32,
        1,
        (width, height, dpi),
        segments,
        globals,
    );
    out
}

/// One page as the segments a PDF's JBIG2Decode stream holds, without global segments.
pub fn embedded_page_segments(
    width: u32,
    height: u32,
    dpi: (f64, f64),
    segments: &[PageSegment],
) -> Vec<u8> {
    embedded_group_page(width, height, dpi, segments, 0)
}

/// One page coded as one generic region, `coded` with `params`, as a PDF stream.
pub fn embedded_page(
    width: u32,
    height: u32,
    dpi: (f64, f64),
    params: &GenericParams,
    coded: &[u8],
) -> Vec<u8> {
    let region = PageSegment::generic_region(width, height, params, coded);
    embedded_page_segments(width, height, dpi, &[region])
}

/// A standalone sequential JBIG2 file (`.jb2`, T.88 D.1, D.4) built page by page.
pub struct StandaloneWriter {
    out: Vec<u8>,
    pages: u32,
    next_segment: u32,
}

impl Default for StandaloneWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl StandaloneWriter {
    /// The file header; the page count is filled in by [`StandaloneWriter::finish`].
    pub fn new() -> Self {
        let mut out = FILE_ID.to_vec();
        // File header flags: sequential organisation, page count known.
        out.push(0x01);
        out.extend_from_slice(&0u32.to_be_bytes());
        StandaloneWriter {
            out,
            pages: 0,
            next_segment: 0,
        }
    }

    /// Adds a page whose generic region, coded with `params`, is `coded`.
    pub fn add_page(
        &mut self,
        width: u32,
        height: u32,
        dpi: (f64, f64),
        params: &GenericParams,
        coded: &[u8],
    ) {
        let region = PageSegment::generic_region(width, height, params, coded);
        self.add_page_segments(width, height, dpi, &[region]);
    }

    /// Adds a page made of `segments`, then its end of page.
    pub fn add_page_segments(
        &mut self,
        width: u32,
        height: u32,
        dpi: (f64, f64),
        segments: &[PageSegment],
    ) {
        self.add_group_page(width, height, dpi, segments, Globals::default());
    }

    /// Adds global segments (page association 0) for the pages that follow to refer to.
    pub fn add_globals(&mut self, segments: &[PageSegment]) -> Globals {
        let globals = write_globals(&mut self.out, self.next_segment, segments);
        self.next_segment += segments.len() as u32;
        globals
    }

    /// Adds a page made of `segments`, whose `refers_to` index `globals` and then the page's
    /// earlier segments, then its end of page.
    pub fn add_group_page(
        &mut self,
        width: u32,
        height: u32,
        dpi: (f64, f64),
        segments: &[PageSegment],
        globals: Globals,
    ) {
        self.pages += 1;
        let page = self.pages;
        let next = write_page(
            &mut self.out,
            self.next_segment,
            page,
            (width, height, dpi),
            segments,
            globals,
        );
        segment(&mut self.out, next, END_OF_PAGE, page, &[]);
        self.next_segment = next + 1;
    }

    /// How many bytes the file holds so far.
    pub fn written(&self) -> usize {
        self.out.len()
    }

    /// Ends the file and returns it.
    pub fn finish(mut self) -> Vec<u8> {
        segment(&mut self.out, self.next_segment, END_OF_FILE, 0, &[]);
        self.out[9..13].copy_from_slice(&self.pages.to_be_bytes());
        self.out
    }
}
