//! TIFF input. The `tiff` crate parses the directories and decodes the general-purpose compressions;
//! CCITT strips (compressions 2, 3 and 4) are read raw and decoded by [`crate::codec::ccitt`], so
//! FillOrder, T4Options and PhotometricInterpretation are handled as libtiff does.

use std::io::{Cursor, Read, Seek, SeekFrom};

use tiff::decoder::{Decoder, DecodingResult, ifd::Value};
use tiff::tags::Tag;

use crate::bitmap::{Bitmap, bytes_for};
use crate::codec::ccitt::{self, Coding, DecodeParams};
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::page::{Page, PageImage, Resolution, gray_over_white, rgb_over_white};

const FORMAT: &str = "TIFF";

// Baseline and extension tags the `tiff` crate does not name (TIFF 6.0 sections 11 and 8).
const T4_OPTIONS: Tag = Tag::Unknown(292);
const T6_OPTIONS: Tag = Tag::Unknown(293);

fn tiff_error(e: tiff::TiffError) -> Error {
    match e {
        tiff::TiffError::UnsupportedError(u) => Error::unsupported(FORMAT, u.to_string()),
        tiff::TiffError::LimitsExceeded => Error::Limits("TIFF decoding buffer limit".into()),
        other => Error::format(FORMAT, other.to_string()),
    }
}

/// The pages of a TIFF file, decoded one at a time.
pub struct TiffPages<'a> {
    decoder: Option<Decoder<Cursor<&'a [u8]>>>,
    limits: Limits,
    index: u32,
    done: bool,
}

impl<'a> TiffPages<'a> {
    /// Opens a TIFF file held in memory.
    pub fn new(data: &'a [u8], limits: &Limits) -> Result<Self> {
        let decoder = Decoder::new(Cursor::new(data))
            .map_err(tiff_error)?
            .with_limits(tiff_limits(limits));
        Ok(TiffPages {
            decoder: Some(decoder),
            limits: limits.clone(),
            index: 0,
            done: false,
        })
    }
}

fn tiff_limits(limits: &Limits) -> tiff::decoder::Limits {
    let mut l = tiff::decoder::Limits::default();
    // Four bytes a pixel covers RGBA and 16-bit grey-alpha; larger samples are refused by check_pixels.
    l.decoding_buffer_size =
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX);
    l.intermediate_buffer_size = usize::try_from(limits.max_input_bytes).unwrap_or(usize::MAX);
    l
}

impl Iterator for TiffPages<'_> {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Result<Page>> {
        if self.done {
            return None;
        }
        let decoder = self.decoder.as_mut()?;
        if self.index > 0 {
            if !decoder.more_images() {
                self.done = true;
                return None;
            }
            if let Err(e) = decoder.next_image() {
                self.done = true;
                return Some(Err(tiff_error(e)));
            }
        }
        if self.index >= self.limits.max_pages {
            self.done = true;
            return Some(Err(Error::Limits(format!(
                "more than {} pages",
                self.limits.max_pages
            ))));
        }
        let page = read_page(decoder, self.index as usize, &self.limits);
        self.index += 1;
        if page.is_err() {
            // A broken directory chain cannot be followed safely.
            self.done = true;
        }
        Some(page)
    }
}

fn tag_u32(d: &mut Decoder<Cursor<&[u8]>>, tag: Tag) -> Result<Option<u32>> {
    d.find_tag_unsigned::<u32>(tag).map_err(tiff_error)
}

fn tag_u64s(d: &mut Decoder<Cursor<&[u8]>>, tag: Tag) -> Result<Vec<u64>> {
    Ok(d.find_tag_unsigned_vec::<u64>(tag)
        .map_err(tiff_error)?
        .unwrap_or_default())
}

fn rational(value: Option<Value>) -> Option<f64> {
    match value? {
        Value::Rational(n, d) if d != 0 => Some(f64::from(n) / f64::from(d)),
        Value::Float(f) => Some(f64::from(f)),
        Value::Double(f) => Some(f),
        Value::Unsigned(n) => Some(f64::from(n)),
        Value::Short(n) => Some(f64::from(n)),
        Value::List(mut v) if !v.is_empty() => rational(Some(v.swap_remove(0))),
        _ => None,
    }
}

/// The resolution tags in dpi, if present and meaningful (TIFF 6.0 section 8: unit 1 = none,
/// 2 = inch (the default), 3 = centimetre).
fn declared_dpi(d: &mut Decoder<Cursor<&[u8]>>) -> Result<Option<(f64, f64)>> {
    let x = rational(d.find_tag(Tag::XResolution).map_err(tiff_error)?);
    let y = rational(d.find_tag(Tag::YResolution).map_err(tiff_error)?);
    let unit = tag_u32(d, Tag::ResolutionUnit)?.unwrap_or(2);
    let scale = match unit {
        2 => 1.0,
        3 => 2.54,
        _ => return Ok(None),
    };
    Ok(match (x, y) {
        (Some(x), Some(y)) => Some((x * scale, y * scale)),
        (Some(x), None) => Some((x * scale, x * scale)),
        _ => None,
    })
}

fn read_page(d: &mut Decoder<Cursor<&[u8]>>, index: usize, limits: &Limits) -> Result<Page> {
    let (width, height) = d.dimensions().map_err(tiff_error)?;
    limits.check_pixels(width, height)?;
    if width == 0 || height == 0 {
        return Err(Error::format(FORMAT, "zero image width or height"));
    }
    let compression = tag_u32(d, Tag::Compression)?.unwrap_or(1);
    let photometric = tag_u32(d, Tag::PhotometricInterpretation)?;
    let fill_order = tag_u32(d, Tag::FillOrder)?.unwrap_or(1);
    let resolution = Resolution::checked(declared_dpi(d)?, width, height);
    let byte_counts = tag_u64s(d, Tag::StripByteCounts)?;
    let source_bytes = Some(byte_counts.iter().sum());

    let mut notes = Vec::new();
    let image = match compression {
        2..=4 => {
            let (bitmap, damaged) = read_ccitt(
                d,
                compression,
                width,
                height,
                photometric,
                fill_order,
                limits,
            )?;
            if damaged > 0 {
                notes.push(super::repaired_lines_note(damaged));
            }
            PageImage::Bilevel(bitmap)
        }
        34661 => PageImage::Bilevel(read_jbig(d, photometric, fill_order, limits)?),
        6 => {
            return Err(Error::unsupported(
                FORMAT,
                "old-style JPEG (compression 6); convert with `tiffcp -c jpeg` or re-scan",
            ));
        }
        // libtiff reverses FillOrder 2 data before decompressing it, except for the codecs that
        // ask it not to (LZW, Deflate, JPEG): for those the tag changes nothing.
        32773 if fill_order == 2 => {
            return Err(Error::unsupported(FORMAT, "PackBits with FillOrder 2"));
        }
        _ if photometric == Some(3) => read_palette(d, index, width, height, limits)?,
        _ => read_general(
            d,
            width,
            height,
            fill_order == 2 && compression == 1,
            limits,
        )?,
    };
    Ok(Page {
        image,
        resolution,
        source_bytes,
        notes,
        rotate: 0,
    })
}

/// Reads the raw strips of a CCITT-compressed page and decodes each (every strip restarts the
/// coding, TIFF 6.0 section 11). Damaged G3 lines are concealed and counted.
fn read_ccitt(
    d: &mut Decoder<Cursor<&[u8]>>,
    compression: u32,
    width: u32,
    height: u32,
    photometric: Option<u32>,
    fill_order: u32,
    limits: &Limits,
) -> Result<(Bitmap, u32)> {
    if d.find_tag(Tag::TileWidth).map_err(tiff_error)?.is_some() {
        return Err(Error::unsupported(FORMAT, "tiled CCITT images"));
    }
    let coding = match compression {
        2 => Coding::ModifiedHuffman,
        3 => {
            let options = tag_u32(d, T4_OPTIONS)?.unwrap_or(0);
            if options & 2 != 0 {
                return Err(Error::unsupported(FORMAT, "T.4 uncompressed mode"));
            }
            Coding::G3 {
                two_d: options & 1 != 0,
            }
        }
        _ => {
            let options = tag_u32(d, T6_OPTIONS)?.unwrap_or(0);
            if options & 2 != 0 {
                return Err(Error::unsupported(FORMAT, "T.6 uncompressed mode"));
            }
            Coding::G4
        }
    };
    let offsets = tag_u64s(d, Tag::StripOffsets)?;
    let counts = tag_u64s(d, Tag::StripByteCounts)?;
    let rows_per_strip = tag_u32(d, Tag::RowsPerStrip)?
        .unwrap_or(height)
        .clamp(1, height);
    let strips = height.div_ceil(rows_per_strip) as usize;
    if offsets.len() < strips || counts.len() < strips {
        return Err(Error::format(
            FORMAT,
            format!(
                "{} strip offsets and {} byte counts for {strips} strips",
                offsets.len(),
                counts.len()
            ),
        ));
    }
    limits.check_input_bytes(counts.iter().take(strips).sum())?;
    let mut page = Bitmap::new(width, height, limits)?;
    let stride = page.stride();
    let reader = d.inner();
    let file_len = reader.get_ref().len() as u64;
    let mut raw = Vec::new();
    let mut damaged = 0;
    for (strip, (&offset, &count)) in offsets.iter().zip(&counts).take(strips).enumerate() {
        let first_row = strip as u32 * rows_per_strip;
        let rows = rows_per_strip.min(height - first_row);
        if offset.checked_add(count).is_none_or(|end| end > file_len) {
            return Err(Error::format(
                FORMAT,
                format!("strip {strip} ({count} bytes at {offset}) lies past the end of the file"),
            ));
        }
        raw.clear();
        raw.resize(count as usize, 0);
        reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| reader.read_exact(&mut raw))
            .map_err(|e| Error::format(FORMAT, format!("reading strip {strip}: {e}")))?;
        if fill_order == 2 {
            for b in &mut raw {
                *b = b.reverse_bits();
            }
        }
        let mut params = DecodeParams::new(coding, width, Some(rows));
        params.conceal_damage = true;
        let (bitmap, lines) =
            ccitt::decode_concealing(&raw, &params, limits).map_err(|e| match e {
                Error::Format { message, .. } => {
                    Error::format(FORMAT, format!("CCITT strip {strip}: {message}"))
                }
                other => other,
            })?;
        damaged += lines;
        let start = first_row as usize * stride;
        page.words_mut()[start..start + bitmap.words().len()].copy_from_slice(bitmap.words());
    }
    // CCITT codes white and black runs; with BlackIsZero (1) the runs coded as white are black.
    if photometric == Some(1) {
        page.invert();
    }
    Ok((page, damaged))
}

/// Reads a JBIG-compressed page (Compression 34661, as libtiff writes it): one strip holding a
/// BIE of the whole page, decoded by [`crate::codec::jbig1`]; 1 is black unless
/// PhotometricInterpretation says BlackIsZero. As libtiff does, the strip is the BIE under
/// FillOrder 2, and the BIE bit-reversed under FillOrder 1.
fn read_jbig(
    d: &mut Decoder<Cursor<&[u8]>>,
    photometric: Option<u32>,
    fill_order: u32,
    limits: &Limits,
) -> Result<Bitmap> {
    let offsets = tag_u64s(d, Tag::StripOffsets)?;
    let counts = tag_u64s(d, Tag::StripByteCounts)?;
    let (&[offset], &[count]) = (&offsets[..], &counts[..]) else {
        return Err(Error::unsupported(
            FORMAT,
            "JBIG pages in more than one strip",
        ));
    };
    limits.check_input_bytes(count)?;
    let data = d.inner().get_ref();
    let bie = usize::try_from(offset)
        .ok()
        .zip(usize::try_from(count).ok())
        .and_then(|(o, c)| data.get(o..o.checked_add(c)?))
        .ok_or_else(|| Error::format(FORMAT, "the JBIG strip lies past the end of the file"))?;
    let mut bie = bie.to_vec();
    if fill_order != 2 {
        for b in &mut bie {
            *b = b.reverse_bits();
        }
    }
    let mut page = crate::codec::jbig1::decode::decode(&bie, limits).map_err(|e| match e {
        Error::Format { message, .. } => Error::format(FORMAT, format!("JBIG strip: {message}")),
        other => other,
    })?;
    if photometric == Some(1) {
        page.invert();
    }
    Ok(page)
}

/// Decodes a page in any compression the `tiff` crate knows.
fn read_general(
    d: &mut Decoder<Cursor<&[u8]>>,
    width: u32,
    height: u32,
    reverse_bits: bool,
    limits: &Limits,
) -> Result<PageImage> {
    use tiff::ColorType;
    let color = d.colortype().map_err(tiff_error)?;
    let result = d.read_image().map_err(tiff_error)?;
    let pixels = width as usize * height as usize;
    let samples = |n: usize| -> Result<Vec<u8>> {
        let data = match result {
            DecodingResult::U8(ref v) => v.clone(),
            // Keep the high byte of 16-bit samples.
            DecodingResult::U16(ref v) => v.iter().map(|s| (s >> 8) as u8).collect(),
            _ => {
                return Err(Error::unsupported(
                    FORMAT,
                    "sample formats other than 8/16-bit",
                ));
            }
        };
        if data.len() < pixels * n {
            return Err(Error::format(FORMAT, "image data shorter than its size"));
        }
        Ok(data)
    };
    let gray = |data| PageImage::from_gray(width, height, data, limits);
    let rgb = |data| PageImage::from_rgb(width, height, data, limits);
    Ok(match color {
        ColorType::Gray(1) => {
            let DecodingResult::U8(mut data) = result else {
                return Err(Error::format(FORMAT, "1-bit image not decoded to bytes"));
            };
            if reverse_bits {
                for b in &mut data {
                    *b = b.reverse_bits();
                }
            }
            // The `tiff` crate turns WhiteIsZero into BlackIsZero, so a one bit is white here.
            let row_bytes = bytes_for(width);
            PageImage::Bilevel(Bitmap::from_packed_rows(
                width, height, &data, row_bytes, false, limits,
            )?)
        }
        ColorType::Gray(8 | 16) => gray(samples(1)?)?,
        ColorType::GrayA(8 | 16) => gray(gray_over_white(&samples(2)?))?,
        ColorType::RGB(8 | 16) | ColorType::YCbCr(8) => rgb(samples(3)?)?,
        ColorType::RGBA(8 | 16) => rgb(rgb_over_white(&samples(4)?))?,
        ColorType::CMYK(8 | 16) => rgb(samples(4)?
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u32::from(p[3]);
                [0, 1, 2].map(|i| ((255 - u32::from(p[i])) * k / 255) as u8)
            })
            .collect())?,
        other => {
            return Err(Error::unsupported(FORMAT, format!("colour type {other:?}")));
        }
    })
}

/// Reads a palette page (PhotometricInterpretation 3). The `tiff` crate does not decode palette
/// images, but it decodes the same samples as grey: so the page's directory is copied with its
/// PhotometricInterpretation changed to BlackIsZero, the indices decoded from the copy, and mapped
/// through the ColorMap (TIFF 6.0 section 5) here.
fn read_palette(
    d: &mut Decoder<Cursor<&[u8]>>,
    index: usize,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<PageImage> {
    let bits = tag_u32(d, Tag::BitsPerSample)?.unwrap_or(1);
    if !matches!(bits, 1 | 2 | 4 | 8) {
        return Err(Error::unsupported(
            FORMAT,
            format!("{bits}-bit palette images"),
        ));
    }
    let colors = 1usize << bits;
    let map = d.get_tag_u16_vec(Tag::ColorMap).map_err(tiff_error)?;
    if map.len() != 3 * colors {
        return Err(Error::format(
            FORMAT,
            format!("ColorMap has {} entries, {} needed", map.len(), 3 * colors),
        ));
    }
    let ifd = d
        .ifd_pointer()
        .ok_or_else(|| Error::format(FORMAT, "palette page without a directory"))?;
    let mut patched = d.inner().get_ref().to_vec();
    set_photometric_black_is_zero(&mut patched, ifd.0, d.byte_order())?;
    let mut grey = Decoder::new(Cursor::new(&patched[..])).map_err(tiff_error)?;
    grey.seek_to_image(index).map_err(tiff_error)?;
    let DecodingResult::U8(indices) = grey.read_image().map_err(tiff_error)? else {
        return Err(Error::format(FORMAT, "palette indices are not bytes"));
    };
    // Sub-byte samples come packed MSB first, each row starting on a byte.
    let row_bytes = (width as usize * bits as usize).div_ceil(8);
    if indices.len() < row_bytes * height as usize {
        return Err(Error::format(
            FORMAT,
            "palette image data shorter than its size",
        ));
    }
    let per_byte = 8 / bits as usize;
    let mut data = Vec::with_capacity(3 * width as usize * height as usize);
    for row in indices.chunks_exact(row_bytes).take(height as usize) {
        for x in 0..width as usize {
            let shift = 8 - bits as usize * (x % per_byte + 1);
            let i = usize::from(row[x / per_byte] >> shift) & (colors - 1);
            data.extend([0, 1, 2].map(|c| (map[c * colors + i] >> 8) as u8));
        }
    }
    PageImage::from_rgb(width, height, data, limits)
}

/// Rewrites the PhotometricInterpretation entry of the directory at `ifd` to 1 (BlackIsZero).
fn set_photometric_black_is_zero(
    file: &mut [u8],
    ifd: u64,
    order: tiff::tags::ByteOrder,
) -> Result<()> {
    let big = matches!(order, tiff::tags::ByteOrder::BigEndian);
    let bigtiff = file.get(2..4) == Some(if big { &[0, 43] } else { &[43, 0] });
    let past_end = || Error::format(FORMAT, "directory past the end of the file");
    let number = |file: &[u8], at: usize, len: usize| -> Result<u64> {
        let bytes = file.get(at..at + len).ok_or_else(past_end)?;
        let fold = |acc: u64, &b: &u8| (acc << 8) | u64::from(b);
        Ok(if big {
            bytes.iter().fold(0, fold)
        } else {
            bytes.iter().rev().fold(0, fold)
        })
    };
    let (count_len, entry_len, value_at) = if bigtiff { (8, 20, 12) } else { (2, 12, 8) };
    let start = usize::try_from(ifd).map_err(|_| past_end())?;
    let count = number(file, start, count_len)?.min(1 << 16) as usize;
    for i in 0..count {
        let at = start + count_len + i * entry_len;
        if number(file, at, 2)? == 262 {
            let one = if big {
                1u16.to_be_bytes()
            } else {
                1u16.to_le_bytes()
            };
            file.get_mut(at + value_at..at + value_at + 2)
                .ok_or_else(past_end)?
                .copy_from_slice(&one);
            return Ok(());
        }
    }
    Err(Error::format(
        FORMAT,
        "palette page without PhotometricInterpretation",
    ))
}
