//! Our JBIG2 decoder: the two file organisations and the embedded PDF form (T.88 Annex D),
//! segment headers (7.2), page information, end of stripe, end of page and end of file (7.4.8 to
//! 7.4.11), generic regions, arithmetic or MMR (7.4.6, 6.2), arithmetic symbol dictionaries
//! and text regions, refinement included ([`super::symbols`], [`super::text`]), and generic
//! refinement regions (7.4.7, 6.3), composed onto the page with their combination operators
//! (8.2).
//!
//! Huffman coding, pattern and halftone regions are an [`Error::Unsupported`] naming what is
//! missing, so that a caller can fall back to another decoder. Every size is checked
//! against [`Limits`] before anything is allocated for it.

use std::collections::HashMap;

use super::generic::{self, GenericParams, Template};
use super::refine::{self, RefineParams};
use super::segments::{FILE_ID, kind};
use super::{symbols, text};
use crate::bitmap::{Bitmap, bits_at, last_word_mask};
use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::error::{Error, Result};
use crate::options::Limits;

/// A malformed-JBIG2 error with `message`.
pub(crate) fn bad(message: impl Into<String>) -> Error {
    Error::format("JBIG2", message)
}

/// A cursor over segment data that fails cleanly at the end.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// The bytes not yet read.
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                bad(format!(
                    "{what}: {n} bytes needed at offset {}, {} left",
                    self.pos,
                    self.data.len().saturating_sub(self.pos)
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// A segment header (T.88 7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// The segment number (7.2.2).
    pub number: u32,
    /// The segment type (7.3).
    pub kind: u8,
    /// The referred-to segments (7.2.5).
    pub referred: Vec<u32>,
    /// The page association (7.2.6); 0 for global segments.
    pub page: u32,
    /// The data length (7.2.7); `None` for an immediate generic region of unknown length.
    pub data_length: Option<u32>,
}

/// Reads a segment header (T.88 7.2).
fn read_header(r: &mut Reader<'_>) -> Result<SegmentHeader> {
    let number = r.u32("segment number")?;
    let flags = r.u8("segment header flags")?;
    let kind = flags & 0x3F;
    let long_page = flags & 0x40 != 0;
    // 7.2.4: the count of referred-to segments is in the top three bits, or, when they are all
    // ones, in the low 29 bits of a four-byte field followed by the retention flags.
    let first = r.u8("referred-to segment count")?;
    let count = if first >> 5 == 7 {
        r.pos -= 1;
        let long = r.u32("referred-to segment count")? & 0x1FFF_FFFF;
        // One retention bit for this segment and one for each referred-to segment.
        let retention_bytes = (long as usize + 1).div_ceil(8);
        r.bytes(retention_bytes, "retention flags")?;
        long as usize
    } else if first >> 5 > 4 {
        return Err(bad(format!(
            "segment {number}: referred-to segment count field {} is reserved",
            first >> 5
        )));
    } else {
        usize::from(first >> 5)
    };
    // Each referred-to segment number takes at least one byte: check before allocating.
    if count > r.data.len() - r.pos {
        return Err(bad(format!(
            "segment {number} refers to {count} segments, more than the data can hold"
        )));
    }
    let size = match number {
        0..=256 => 1,
        257..=65536 => 2,
        _ => 4,
    };
    let mut referred = Vec::with_capacity(count);
    for _ in 0..count {
        let n = match size {
            1 => u32::from(r.u8("referred-to segment")?),
            2 => u32::from(r.u16("referred-to segment")?),
            _ => r.u32("referred-to segment")?,
        };
        if n >= number {
            return Err(bad(format!(
                "segment {number} refers to segment {n}, which does not come before it"
            )));
        }
        referred.push(n);
    }
    let page = if long_page {
        r.u32("page association")?
    } else {
        u32::from(r.u8("page association")?)
    };
    let length = r.u32("segment data length")?;
    let data_length = if length == u32::MAX {
        if kind != kind::IMMEDIATE_GENERIC_REGION {
            return Err(bad(format!(
                "segment {number} (type {kind}) has an unknown data length, which only immediate \
                 generic regions may have"
            )));
        }
        None
    } else {
        Some(length)
    };
    Ok(SegmentHeader {
        number,
        kind,
        referred,
        page,
        data_length,
    })
}

/// The data of a segment: its declared length, or for an immediate generic region of unknown
/// length everything up to its end marker and row count (T.88 7.2.7).
fn segment_data<'a>(r: &mut Reader<'a>, header: &SegmentHeader) -> Result<&'a [u8]> {
    if let Some(n) = header.data_length {
        return r.bytes(n as usize, "segment data");
    }
    let rest = &r.data[r.pos..];
    // Region information (17 bytes) and the generic region flags come before the coded data.
    let mmr = rest
        .get(17)
        .ok_or_else(|| bad("truncated generic region header"))?
        & 1
        == 1;
    let marker: [u8; 2] = if mmr { [0, 0] } else { [0xFF, 0xAC] };
    let start = if mmr { 18 } else { 18 + 2 };
    let end = rest
        .get(start..)
        .and_then(|s| s.windows(2).position(|w| w == marker))
        .map(|p| start + p + 2 + 4)
        .filter(|&e| e <= rest.len())
        .ok_or_else(|| {
            bad(format!(
                "segment {}: no end marker for the generic region of unknown length",
                header.number
            ))
        })?;
    r.bytes(end, "segment data")
}

/// The combination operators (T.88 7.4.1.5, 7.4.8.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Combination {
    Or,
    And,
    Xor,
    Xnor,
    Replace,
}

impl Combination {
    pub(crate) fn from_bits(bits: u8) -> Result<Self> {
        Ok(match bits {
            0 => Combination::Or,
            1 => Combination::And,
            2 => Combination::Xor,
            3 => Combination::Xnor,
            4 => Combination::Replace,
            _ => return Err(bad(format!("combination operator {bits} is reserved"))),
        })
    }

    #[inline]
    fn apply(self, page: u64, region: u64) -> u64 {
        match self {
            Combination::Or => page | region,
            Combination::And => page & region,
            Combination::Xor => page ^ region,
            Combination::Xnor => !(page ^ region),
            Combination::Replace => region,
        }
    }
}

/// Draws `region` on `page` at (`x`, `y`) with `op`, clipped to the page (T.88 7.4.1.5, 8.2).
pub(crate) fn compose(page: &mut Bitmap, region: &Bitmap, x: i64, y: i64, op: Combination) {
    let (pw, ph) = (i64::from(page.width()), i64::from(page.height()));
    let (rw, rh) = (i64::from(region.width()), i64::from(region.height()));
    let (x0, x1) = (x.max(0), (x + rw).min(pw));
    let (y0, y1) = (y.max(0), (y + rh).min(ph));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    // The region's extent as a row of ones, to mask each page word with.
    let coverage: Vec<u64> = {
        let mut row = vec![u64::MAX; region.stride()];
        if let Some(last) = row.last_mut() {
            *last = last_word_mask(region.width());
        }
        row
    };
    let page_mask = last_word_mask(page.width());
    for py in y0..y1 {
        let src = region.row((py - y) as u32);
        let dst = page.row_mut(py as u32);
        for w in (x0 / 64)..=((x1 - 1) / 64) {
            let start = w * 64 - x;
            let mask = bits_at(&coverage, start);
            let bits = bits_at(src, start);
            let old = dst[w as usize];
            dst[w as usize] = (old & !mask) | (op.apply(old, bits) & mask);
        }
        if let Some(last) = dst.last_mut() {
            *last &= page_mask;
        }
    }
}

/// A decoded page of a standalone file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedPage {
    /// The page.
    pub bitmap: Bitmap,
    /// The resolution in pixels per metre, x and y, when the page information gives it (7.4.8.3).
    pub pixels_per_metre: Option<(u32, u32)>,
}

/// A page being decoded.
struct PageState {
    /// The page's association number.
    number: u32,
    bitmap: Bitmap,
    pixels_per_metre: Option<(u32, u32)>,
    /// Whether the height was declared unknown (0xFFFFFFFF), so that stripes extend the page.
    growing: bool,
    default_pixel: bool,
    ended: bool,
}

impl PageState {
    /// Starts a page from its page information segment (T.88 7.4.8).
    fn new(number: u32, data: &[u8], limits: &Limits) -> Result<Self> {
        let mut r = Reader::new(data);
        let width = r.u32("page width")?;
        let height = r.u32("page height")?;
        let resolution = (r.u32("x resolution")?, r.u32("y resolution")?);
        let flags = r.u8("page flags")?;
        let striping = r.u16("page striping")?;
        let growing = height == u32::MAX;
        if growing && striping & 0x8000 == 0 {
            return Err(bad("page of unknown height that is not striped"));
        }
        let default_pixel = flags & 0x04 != 0;
        let mut bitmap = Bitmap::new(width, if growing { 0 } else { height }, limits)?;
        if default_pixel {
            // White to black; the padding stays white.
            bitmap.invert();
        }
        Ok(PageState {
            number,
            bitmap,
            pixels_per_metre: (resolution.0 > 0 && resolution.1 > 0).then_some(resolution),
            growing,
            default_pixel,
            ended: false,
        })
    }

    /// Extends a page of unknown height to `height` rows, in its default pixel.
    fn grow(&mut self, height: u32, limits: &Limits) -> Result<()> {
        if !self.growing || height <= self.bitmap.height() {
            return Ok(());
        }
        let mut taller = Bitmap::new(self.bitmap.width(), height, limits)?;
        if self.default_pixel {
            taller.invert();
        }
        let n = self.bitmap.words().len();
        taller.words_mut()[..n].copy_from_slice(self.bitmap.words());
        self.bitmap = taller;
        Ok(())
    }
}

/// The region segment information field (T.88 7.4.1).
struct RegionInfo {
    width: u32,
    height: u32,
    x: u32,
    y: u32,
    combination: Combination,
}

impl RegionInfo {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(RegionInfo {
            width: r.u32("region width")?,
            height: r.u32("region height")?,
            x: r.u32("region x")?,
            y: r.u32("region y")?,
            combination: Combination::from_bits(r.u8("region flags")? & 7)?,
        })
    }
}

/// A generic region segment's fields (T.88 7.4.6).
struct GenericRegion<'a> {
    width: u32,
    height: u32,
    x: u32,
    y: u32,
    combination: Combination,
    mmr: bool,
    params: GenericParams,
    coded: &'a [u8],
}

/// Parses a generic region segment's data (T.88 7.4.1, 7.4.6).
fn parse_generic_region<'a>(data: &'a [u8], unknown_length: bool) -> Result<GenericRegion<'a>> {
    let mut r = Reader::new(data);
    let RegionInfo {
        width,
        mut height,
        x,
        y,
        combination,
    } = RegionInfo::read(&mut r)?;
    let flags = r.u8("generic region flags")?;
    let mmr = flags & 1 != 0;
    let template = Template::from_bits(flags >> 1);
    let tpgdon = flags & 0x08 != 0;
    if flags & 0x10 != 0 && !mmr {
        return Err(Error::unsupported(
            "JBIG2",
            "generic regions with the extended 12-pixel template (EXTTEMPLATE)",
        ));
    }
    let mut params = GenericParams::nominal(template);
    params.tpgdon = tpgdon;
    if !mmr {
        for i in 0..template.nominal_at().len() {
            let ax = r.u8("AT pixel")? as i8;
            let ay = r.u8("AT pixel")? as i8;
            params.at[i] = (ax, ay);
        }
    }
    let mut coded = &data[r.pos..];
    if unknown_length {
        // T.88 7.2.7: the data ends with the row count after the end marker.
        if coded.len() < 4 {
            return Err(bad(
                "generic region of unknown length without its row count",
            ));
        }
        let (body, rows) = coded.split_at(coded.len() - 4);
        height = u32::from_be_bytes([rows[0], rows[1], rows[2], rows[3]]);
        coded = body;
    }
    Ok(GenericRegion {
        width,
        height,
        x,
        y,
        combination,
        mmr,
        params,
        coded,
    })
}

/// Decodes a generic region's bitmap (T.88 6.2).
fn decode_generic_region(region: &GenericRegion<'_>, limits: &Limits) -> Result<Bitmap> {
    limits.check_pixels(region.width, region.height)?;
    if region.mmr {
        // T.88 6.2.6: MMR data is T.6 with 1 = black; an EOFB may end it.
        let params = DecodeParams::new(Coding::G4, region.width, Some(region.height));
        return ccitt::decode(region.coded, &params, limits);
    }
    generic::decode(
        region.coded,
        region.width,
        region.height,
        &region.params,
        limits,
    )
}

/// The segment types our decoder does not decode yet, by name.
fn unsupported_kind(kind: u8) -> Option<&'static str> {
    Some(match kind {
        16 => "pattern dictionary",
        20 | 22 | 23 => "halftone region",
        _ => return None,
    })
}

/// Decodes segments into pages, in order.
struct Decoder<'l> {
    limits: &'l Limits,
    pages: Vec<DecodedPage>,
    current: Option<PageState>,
    /// The exported symbols of each symbol dictionary segment, by segment number, with the page each belongs to (0 for global ones): a page's are dropped when it ends, so
    /// that a long file decodes in flat memory.
    dictionaries: HashMap<u32, (u32, Vec<Bitmap>)>,
    /// The bitmaps of intermediate regions, by segment number, for refinement regions on the
    /// same page.
    intermediate: HashMap<u32, Bitmap>,
}

impl<'l> Decoder<'l> {
    fn new(limits: &'l Limits) -> Self {
        Decoder {
            limits,
            pages: Vec::new(),
            current: None,
            dictionaries: HashMap::new(),
            intermediate: HashMap::new(),
        }
    }

    /// The open page a segment associated with `page` draws on.
    fn page(&mut self, header: &SegmentHeader) -> Result<&mut PageState> {
        match &mut self.current {
            Some(p) if !p.ended && (p.number == header.page || header.page == 0) => Ok(p),
            _ => Err(bad(format!(
                "segment {} (type {}) belongs to page {}, which has no page information segment",
                header.number, header.kind, header.page
            ))),
        }
    }

    /// The symbols of the dictionaries `header` refers to, in the order it refers to them
    /// (T.88 7.4.2.1.6 and 7.4.3.1.7's SDINSYMS and SBSYMS).
    fn referred_symbols(&self, header: &SegmentHeader) -> Vec<&Bitmap> {
        header
            .referred
            .iter()
            .filter_map(|n| self.dictionaries.get(n).map(|d| &d.1))
            .flatten()
            .collect()
    }

    /// Keeps an intermediate region's bitmap for the refinement that will refer to it, or draws
    /// an immediate one on the page (T.88 7.4.6.4, 7.4.3.2, 7.4.7.5).
    fn region_done(
        &mut self,
        header: &SegmentHeader,
        info: &RegionInfo,
        bitmap: Bitmap,
    ) -> Result<()> {
        if matches!(
            header.kind,
            kind::INTERMEDIATE_TEXT_REGION
                | kind::INTERMEDIATE_GENERIC_REGION
                | kind::INTERMEDIATE_REFINEMENT_REGION
        ) {
            self.intermediate.insert(header.number, bitmap);
            Ok(())
        } else {
            self.draw(header, info, &bitmap)
        }
    }

    /// Draws a region's bitmap on the page, growing a page of unknown height to hold it.
    fn draw(&mut self, header: &SegmentHeader, info: &RegionInfo, bitmap: &Bitmap) -> Result<()> {
        let limits = self.limits;
        let page = self.page(header)?;
        if page.growing {
            let bottom = u64::from(info.y) + u64::from(bitmap.height());
            page.grow(u32::try_from(bottom).unwrap_or(u32::MAX), limits)?;
        }
        compose(
            &mut page.bitmap,
            bitmap,
            i64::from(info.x),
            i64::from(info.y),
            info.combination,
        );
        Ok(())
    }

    fn end_page(&mut self) {
        if let Some(p) = self.current.take() {
            self.dictionaries.retain(|_, d| d.0 != p.number);
            self.intermediate.clear();
            self.pages.push(DecodedPage {
                bitmap: p.bitmap,
                pixels_per_metre: p.pixels_per_metre,
            });
        }
    }

    /// Acts on one segment (T.88 8.2).
    fn segment(&mut self, header: &SegmentHeader, data: &[u8]) -> Result<()> {
        if let Some(name) = unsupported_kind(header.kind) {
            return Err(Error::unsupported(
                "JBIG2",
                format!(
                    "{name} segments (type {}) are not decoded by scanpress yet",
                    header.kind
                ),
            ));
        }
        match header.kind {
            kind::PAGE_INFORMATION => {
                self.end_page();
                if self.pages.len() >= self.limits.max_pages as usize {
                    return Err(Error::Limits(format!(
                        "more than {} pages",
                        self.limits.max_pages
                    )));
                }
                self.current = Some(PageState::new(header.page, data, self.limits)?);
            }
            kind::SYMBOL_DICTIONARY => {
                let input = self.referred_symbols(header);
                let exported = symbols::decode_dictionary(data, &input, self.limits)?;
                self.dictionaries
                    .insert(header.number, (header.page, exported));
            }
            kind::INTERMEDIATE_TEXT_REGION
            | kind::IMMEDIATE_TEXT_REGION
            | kind::IMMEDIATE_LOSSLESS_TEXT_REGION => {
                self.page(header)?;
                let mut r = Reader::new(data);
                let info = RegionInfo::read(&mut r)?;
                let symbols = self.referred_symbols(header);
                let bitmap = text::decode_region(
                    &data[r.pos..],
                    info.width,
                    info.height,
                    &symbols,
                    self.limits,
                )?;
                self.region_done(header, &info, bitmap)?;
            }
            kind::INTERMEDIATE_GENERIC_REGION
            | kind::IMMEDIATE_GENERIC_REGION
            | kind::IMMEDIATE_LOSSLESS_GENERIC_REGION => {
                let region = parse_generic_region(data, header.data_length.is_none())?;
                self.page(header)?;
                let bitmap = decode_generic_region(&region, self.limits)?;
                let info = RegionInfo {
                    width: region.width,
                    height: region.height,
                    x: region.x,
                    y: region.y,
                    combination: region.combination,
                };
                self.region_done(header, &info, bitmap)?;
            }
            kind::INTERMEDIATE_REFINEMENT_REGION
            | kind::IMMEDIATE_REFINEMENT_REGION
            | kind::IMMEDIATE_LOSSLESS_REFINEMENT_REGION => {
                let mut r = Reader::new(data);
                let info = RegionInfo::read(&mut r)?;
                // 7.4.7.2, 7.4.7.3: GRTEMPLATE, TPGRON, the AT pixels.
                let flags = r.u8("refinement region flags")?;
                let (mut params, used) = RefineParams::read(flags & 1 != 0, &data[r.pos..])?;
                params.tpgron = flags & 2 != 0;
                r.pos += used;
                // 7.4.7.5: the reference is the intermediate region this segment refers to,
                // else what the page holds where this region goes.
                let limits = self.limits;
                let referred = header
                    .referred
                    .iter()
                    .find_map(|n| self.intermediate.get(n));
                let from_page;
                let reference = match referred {
                    Some(b) => b,
                    None => {
                        from_page =
                            self.page(header)?
                                .bitmap
                                .crop(info.x, info.y, info.width, info.height);
                        &from_page
                    }
                };
                let bitmap = refine::decode(
                    &data[r.pos..],
                    (info.width, info.height),
                    reference,
                    (0, 0),
                    &params,
                    limits,
                )?;
                self.region_done(header, &info, bitmap)?;
            }
            kind::END_OF_STRIPE => {
                let end_row = Reader::new(data).u32("end row")?;
                let limits = self.limits;
                let page = self.page(header)?;
                page.grow(end_row.saturating_add(1), limits)?;
            }
            kind::END_OF_PAGE => {
                self.page(header)?.ended = true;
                self.end_page();
            }
            kind::END_OF_FILE | kind::PROFILES | kind::TABLES | kind::COLOUR_PALETTE => {}
            kind::EXTENSION => {
                let extension = Reader::new(data).u32("extension type")?;
                if extension & 0x8000_0000 != 0 {
                    return Err(Error::unsupported(
                        "JBIG2",
                        format!("necessary extension segment 0x{extension:08X}"),
                    ));
                }
            }
            other => {
                return Err(bad(format!(
                    "segment {} has the unknown type {other}",
                    header.number
                )));
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<DecodedPage>> {
        self.end_page();
        if self.pages.is_empty() {
            return Err(bad("no page information segment"));
        }
        Ok(self.pages)
    }
}

/// Decodes the segments of `data` one after another, header then data (T.88 D.1, D.3).
fn decode_sequential(decoder: &mut Decoder<'_>, data: &[u8]) -> Result<()> {
    let mut r = Reader::new(data);
    while !r.at_end() {
        let header = read_header(&mut r)?;
        let body = segment_data(&mut r, &header)?;
        decoder.segment(&header, body)?;
        if header.kind == kind::END_OF_FILE {
            break;
        }
    }
    Ok(())
}

/// Decodes a page stored as a PDF stream of JBIG2 segments (T.88 D.3; ISO 32000-1 7.4.7), with
/// the global segments of its /JBIG2Globals stream.
pub fn decode_embedded(page: &[u8], globals: Option<&[u8]>, limits: &Limits) -> Result<Bitmap> {
    let mut decoder = Decoder::new(limits);
    if let Some(globals) = globals {
        decode_sequential(&mut decoder, globals)?;
    }
    decode_sequential(&mut decoder, page)?;
    Ok(decoder.finish()?.remove(0).bitmap)
}

/// Decodes every page of a standalone JBIG2 file, sequential or random-access (T.88 D.1, D.2,
/// D.4).
pub fn decode_file(data: &[u8], limits: &Limits) -> Result<Vec<DecodedPage>> {
    let mut r = Reader::new(data);
    if r.bytes(8, "file header")? != FILE_ID {
        return Err(bad("not a JBIG2 file (bad ID string)"));
    }
    let flags = r.u8("file header flags")?;
    if flags & 0x02 == 0 {
        let pages = r.u32("page count")?;
        if pages > limits.max_pages {
            return Err(Error::Limits(format!(
                "file declares {pages} pages, more than the limit of {}",
                limits.max_pages
            )));
        }
    }
    let mut decoder = Decoder::new(limits);
    if flags & 0x01 != 0 {
        decode_sequential(&mut decoder, &data[r.pos..])?;
    } else {
        // Random-access organisation (D.2): every header, up to end of file, then every data part.
        let mut headers = Vec::new();
        loop {
            if r.at_end() {
                return Err(bad("random-access file without an end-of-file segment"));
            }
            let header = read_header(&mut r)?;
            if header.data_length.is_none() {
                return Err(bad("unknown data length in a random-access file"));
            }
            let end = header.kind == kind::END_OF_FILE;
            headers.push(header);
            if end {
                break;
            }
        }
        for header in &headers {
            let body = segment_data(&mut r, header)?;
            decoder.segment(header, body)?;
        }
    }
    decoder.finish()
}
