//! [`Bitmap`]: the one bilevel image type every codec shares.
//!
//! `1 = black`. Pixel `x` of row `y` is bit `63 - x % 64` of word `data[y * stride + x / 64]`
//! (MSB-first, as in PBM, G4 and JBIG). Padding bits past the width are always zero, so rows can be
//! compared, counted and scanned a word at a time without masking.

use std::io::Write;
use std::ops::Range;

use crate::error::{Error, Result};
use crate::options::Limits;

/// How many bytes of packed rows [`Bitmap::write_pbm`] hands its writer at a time: a buffer that
/// stays in cache, where a whole page's would be a megabyte of fresh memory.
const PBM_BAND_BYTES: usize = 64 << 10;

/// A bilevel image, `1 = black`, packed MSB-first into `u64` words.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Bitmap {
    width: u32,
    height: u32,
    stride: usize,
    data: Vec<u64>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitmap")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ink", &self.count_ink())
            .finish()
    }
}

/// Words needed for a row of `width` pixels.
pub const fn words_for(width: u32) -> usize {
    (width as usize).div_ceil(64)
}

/// Bytes of a row of `width` pixels packed eight to a byte, as PBM, TIFF and T.82 store it.
pub const fn bytes_for(width: u32) -> usize {
    (width as usize).div_ceil(8)
}

/// The mask of the valid bits in the last word of a row of `width` pixels.
pub const fn last_word_mask(width: u32) -> u64 {
    match width % 64 {
        0 => u64::MAX,
        r => !(u64::MAX >> r),
    }
}

/// 64 pixels of a packed row from pixel `start`, which may be negative, the first in the top
/// bit; pixels outside the row are white. Context templates and bitmap comparisons read rows
/// through it a word at a time at any alignment.
#[inline(always)]
pub fn bits_at(row: &[u64], start: i64) -> u64 {
    let word = start.div_euclid(64);
    let shift = start.rem_euclid(64) as u32;
    let get = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| row.get(i).copied())
            .unwrap_or(0)
    };
    if shift == 0 {
        get(word)
    } else {
        (get(word) << shift) | (get(word + 1) >> (64 - shift))
    }
}

/// Whether pixel `x` of a packed row is black.
#[inline(always)]
pub fn row_pixel(row: &[u64], x: u32) -> bool {
    (row[(x / 64) as usize] >> (63 - x % 64)) & 1 == 1
}

/// Makes pixel `x` of a packed row black.
#[inline(always)]
pub fn set_row_pixel(row: &mut [u64], x: u32) {
    row[(x / 64) as usize] |= 1 << (63 - x % 64);
}

/// Makes the pixels `columns` of a packed row black.
pub fn set_row_pixels(row: &mut [u64], columns: std::ops::Range<u32>) {
    let mut x = columns.start;
    while x < columns.end {
        let (w, bit) = ((x / 64) as usize, x % 64);
        let n = (64 - bit).min(columns.end - x);
        // n bits from `bit`, the first the most significant.
        row[w] |= (u64::MAX << (64 - n)) >> bit;
        x += n;
    }
}

impl Bitmap {
    /// An all-white bitmap. Checks the size against `limits` before allocating.
    pub fn new(width: u32, height: u32, limits: &Limits) -> Result<Self> {
        limits.check_pixels(width, height)?;
        let stride = words_for(width);
        Ok(Bitmap {
            width,
            height,
            stride,
            data: vec![0; stride * height as usize],
        })
    }

    /// A white bitmap the size of this one, already within limits. Its memory is not written
    /// here: the system hands it out zeroed page by page as rows are first stored (a copy of a
    /// white bitmap would touch every page twice).
    pub fn white_like(&self) -> Self {
        Bitmap {
            data: vec![0; self.data.len()],
            ..*self
        }
    }

    /// Wraps packed words. `data.len()` must be `height * words_for(width)`; padding bits are cleared.
    pub fn from_words(width: u32, height: u32, mut data: Vec<u64>) -> Result<Self> {
        let stride = words_for(width);
        if data.len() != stride * height as usize {
            return Err(Error::Parameter(format!(
                "{} words given for a {width}x{height} bitmap, {} needed",
                data.len(),
                stride * height as usize
            )));
        }
        let mask = last_word_mask(width);
        if stride > 0 {
            for row in data.chunks_exact_mut(stride) {
                row[stride - 1] &= mask;
            }
        }
        Ok(Bitmap {
            width,
            height,
            stride,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Words per row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// All words, row after row.
    pub fn words(&self) -> &[u64] {
        &self.data
    }

    /// All words, mutable. Callers must keep the padding bits zero.
    pub(crate) fn words_mut(&mut self) -> &mut [u64] {
        &mut self.data
    }

    /// Row `y` as words.
    pub fn row(&self, y: u32) -> &[u64] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.stride]
    }

    /// Row `y` as mutable words. Callers must keep the padding bits zero.
    pub fn row_mut(&mut self, y: u32) -> &mut [u64] {
        let start = y as usize * self.stride;
        &mut self.data[start..start + self.stride]
    }

    /// Rows `rows` as words, row after row.
    pub fn rows_words(&self, rows: std::ops::Range<u32>) -> &[u64] {
        &self.data[rows.start as usize * self.stride..rows.end as usize * self.stride]
    }

    /// Copies whole rows of words (as [`Bitmap::rows_words`] gives them) over the rows from
    /// `first` on.
    pub fn copy_rows_in(&mut self, first: u32, words: &[u64]) {
        let start = first as usize * self.stride;
        self.data[start..start + words.len()].copy_from_slice(words);
    }

    /// The pixel at (`x`, `y`): `true` is black.
    pub fn get(&self, x: u32, y: u32) -> bool {
        let word = self.data[y as usize * self.stride + x as usize / 64];
        (word >> (63 - x % 64)) & 1 == 1
    }

    /// Sets the pixel at (`x`, `y`).
    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        let word = &mut self.data[y as usize * self.stride + x as usize / 64];
        let bit = 1u64 << (63 - x % 64);
        if black {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    /// Number of black pixels.
    pub fn count_ink(&self) -> u64 {
        self.data.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Copies row `from` over row `to`.
    pub fn copy_row(&mut self, from: u32, to: u32) {
        let (f, t) = (from as usize * self.stride, to as usize * self.stride);
        self.data.copy_within(f..f + self.stride, t);
    }

    /// Whether rows `a` and `b` are identical.
    pub fn rows_equal(&self, a: u32, b: u32) -> bool {
        self.row(a) == self.row(b)
    }

    /// Swaps black and white, keeping the padding zero.
    pub fn invert(&mut self) {
        if self.stride == 0 {
            return;
        }
        let mask = last_word_mask(self.width);
        let stride = self.stride;
        for row in self.data.chunks_exact_mut(stride) {
            for w in row.iter_mut() {
                *w = !*w;
            }
            row[stride - 1] &= mask;
        }
    }

    /// The rectangle at (`x`, `y`) of `width` x `height`, clipped to the bitmap.
    pub fn crop(&self, x: u32, y: u32, width: u32, height: u32) -> Bitmap {
        let x0 = x.min(self.width);
        let y0 = y.min(self.height);
        let w = width.min(self.width - x0);
        let h = height.min(self.height - y0);
        let stride = words_for(w);
        let mut data = vec![0u64; stride * h as usize];
        let shift = x0 % 64;
        let first = x0 as usize / 64;
        let mask = last_word_mask(w);
        for (dy, out) in data
            .chunks_exact_mut(stride.max(1))
            .enumerate()
            .take(h as usize)
        {
            let src = self.row(y0 + dy as u32);
            for (i, o) in out.iter_mut().enumerate() {
                let hi = src.get(first + i).copied().unwrap_or(0);
                let lo = src.get(first + i + 1).copied().unwrap_or(0);
                *o = if shift == 0 {
                    hi
                } else {
                    (hi << shift) | (lo >> (64 - shift))
                };
            }
            if let Some(last) = out.last_mut() {
                *last &= mask;
            }
        }
        Bitmap {
            width: w,
            height: h,
            stride,
            data,
        }
    }

    /// Builds a bitmap from packed rows of bytes, MSB first, `bytes_per_row` apart. With
    /// `black_is_one` false the bits are inverted (0 = black, as in min-is-black grey).
    pub fn from_packed_rows(
        width: u32,
        height: u32,
        bytes: &[u8],
        bytes_per_row: usize,
        black_is_one: bool,
        limits: &Limits,
    ) -> Result<Self> {
        let needed_bytes = bytes_for(width);
        if bytes_per_row < needed_bytes || bytes.len() < bytes_per_row * height as usize {
            return Err(Error::format(
                "bilevel image",
                format!(
                    "{} bytes for {height} rows of {width} pixels at {bytes_per_row} bytes a row",
                    bytes.len()
                ),
            ));
        }
        let mut bitmap = Bitmap::new(width, height, limits)?;
        let mask = last_word_mask(width);
        let flip = if black_is_one { 0 } else { u64::MAX };
        for y in 0..height {
            let src = &bytes[y as usize * bytes_per_row..][..needed_bytes];
            let row = bitmap.row_mut(y);
            let whole = src.chunks_exact(8);
            let tail = whole.remainder();
            for (w, bytes) in row.iter_mut().zip(whole) {
                *w = u64::from_be_bytes(bytes.try_into().expect("eight bytes")) ^ flip;
            }
            if !tail.is_empty() {
                let mut last = [0u8; 8];
                last[..tail.len()].copy_from_slice(tail);
                row[needed_bytes / 8] = u64::from_be_bytes(last) ^ flip;
            }
            if let Some(last) = row.last_mut() {
                *last &= mask;
            }
        }
        Ok(bitmap)
    }

    /// Writes rows `rows` packed, MSB first, `ceil(width / 8)` bytes a row, `1 = black`, into
    /// `out`, which holds exactly that many bytes. The width is above 0.
    fn write_packed_rows(&self, rows: Range<u32>, out: &mut [u8]) {
        let row_bytes = bytes_for(self.width);
        for (y, packed) in rows.zip(out.chunks_exact_mut(row_bytes)) {
            let words = self.row(y);
            let mut whole = packed.chunks_exact_mut(8);
            for (bytes, w) in whole.by_ref().zip(words) {
                bytes.copy_from_slice(&w.to_be_bytes());
            }
            let tail = whole.into_remainder();
            if !tail.is_empty() {
                let last = words[row_bytes / 8].to_be_bytes();
                tail.copy_from_slice(&last[..tail.len()]);
            }
        }
    }

    /// Reads a binary (P4) or plain (P1) PBM file.
    pub fn from_pbm(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let mut header = PnmHeader { bytes, pos: 0 };
        let magic = header.token()?;
        let plain = match magic {
            b"P4" => false,
            b"P1" => true,
            _ => return Err(Error::format("PBM", "not a P1 or P4 bitmap")),
        };
        let width = header.number()?;
        let height = header.number()?;
        limits.check_pixels(width, height)?;
        if plain {
            let mut bitmap = Bitmap::new(width, height, limits)?;
            let mut bits = bytes[header.pos..]
                .iter()
                .filter(|b| !b.is_ascii_whitespace());
            for y in 0..height {
                for x in 0..width {
                    match bits.next() {
                        Some(b'1') => bitmap.set(x, y, true),
                        Some(b'0') => {}
                        Some(_) => return Err(Error::format("PBM", "plain PBM pixel not 0 or 1")),
                        None => return Err(Error::format("PBM", "plain PBM data ends early")),
                    }
                }
            }
            Ok(bitmap)
        } else {
            // Exactly one whitespace byte separates the header from the raster.
            let start = header.pos + 1;
            let row_bytes = bytes_for(width);
            let data = bytes.get(start..).unwrap_or(&[]);
            if data.len() < row_bytes * height as usize {
                return Err(Error::format(
                    "PBM",
                    format!(
                        "raster holds {} bytes, {width}x{height} needs {}",
                        data.len(),
                        row_bytes * height as usize
                    ),
                ));
            }
            Bitmap::from_packed_rows(width, height, data, row_bytes, true, limits)
        }
    }

    /// A binary (P4) PBM file's header, handed to the writer in one write (not one a piece, as
    /// `write!` makes them).
    fn pbm_header(&self) -> String {
        format!("P4\n{} {}\n", self.width, self.height)
    }

    /// Writes a binary (P4) PBM file to `out`, some 64 KB of rows at a time.
    pub fn write_pbm(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(self.pbm_header().as_bytes())?;
        let row_bytes = bytes_for(self.width);
        if row_bytes == 0 {
            return Ok(());
        }
        let band = (PBM_BAND_BYTES / row_bytes).clamp(1, self.height.max(1) as usize);
        let mut packed = vec![0u8; band * row_bytes];
        let mut y = 0;
        while y < self.height {
            let rows = (band as u32).min(self.height - y);
            let bytes = &mut packed[..rows as usize * row_bytes];
            self.write_packed_rows(y..y + rows, bytes);
            out.write_all(bytes)?;
            y += rows;
        }
        Ok(())
    }

    /// Writes a binary (P4) PBM file to `out` from the bitmap's own memory, which it takes: each
    /// word is put in the file's byte order where it is and, where rows end inside a word, each
    /// row moved up to close the gap, so that the raster goes out in one write and no band is
    /// allocated ([`Bitmap::write_pbm`]'s 64 KB, 16 pages to fault in).
    pub fn into_pbm(mut self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(self.pbm_header().as_bytes())?;
        let row_bytes = bytes_for(self.width);
        for word in &mut self.data {
            // Pixel 0, the most significant bit, in the first byte in memory.
            *word = word.to_be();
        }
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut self.data);
        let stride_bytes = self.stride * 8;
        if row_bytes < stride_bytes {
            for y in 1..self.height as usize {
                let from = y * stride_bytes;
                bytes.copy_within(from..from + row_bytes, y * row_bytes);
            }
        }
        out.write_all(&bytes[..row_bytes * self.height as usize])
    }

    /// A binary (P4) PBM file.
    pub fn to_pbm(&self) -> Vec<u8> {
        let raster = bytes_for(self.width) * self.height as usize;
        let mut out = Vec::with_capacity(raster + 24);
        self.write_pbm(&mut out).expect("writing to memory");
        out
    }

    /// Expands to 8-bit grey, 0 = black, 255 = white.
    pub fn to_gray(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.width as usize * self.height as usize);
        for y in 0..self.height {
            let row = self.row(y);
            out.extend((0..self.width).map(|x| {
                if (row[x as usize / 64] >> (63 - x % 64)) & 1 == 1 {
                    0
                } else {
                    255
                }
            }));
        }
        out
    }

    /// The first row at which two bitmaps differ, with the first differing column, if any.
    pub fn first_difference(&self, other: &Bitmap) -> Option<(u32, u32)> {
        if self.width != other.width || self.height != other.height {
            return Some((0, 0));
        }
        for y in 0..self.height {
            let (a, b) = (self.row(y), other.row(y));
            if let Some(i) = a.iter().zip(b).position(|(p, q)| p != q) {
                let x = i as u32 * 64 + (a[i] ^ b[i]).leading_zeros();
                return Some((x, y));
            }
        }
        None
    }
}

/// A cursor over the ASCII header of a PNM file.
struct PnmHeader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> PnmHeader<'a> {
    fn token(&mut self) -> Result<&'a [u8]> {
        loop {
            match self.bytes.get(self.pos) {
                Some(b'#') => {
                    while self.bytes.get(self.pos).is_some_and(|&b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                Some(b) if b.is_ascii_whitespace() => self.pos += 1,
                Some(_) => break,
                None => return Err(Error::format("PBM", "header ends early")),
            }
        }
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'#')
        {
            self.pos += 1;
        }
        Ok(&self.bytes[start..self.pos])
    }

    fn number(&mut self) -> Result<u32> {
        let token = self.token()?;
        std::str::from_utf8(token)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::format("PBM", "bad number in header"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bitmap {
        let mut b = Bitmap::new(70, 3, &Limits::default()).unwrap();
        for (x, y) in [(0, 0), (63, 0), (64, 1), (69, 2), (5, 2)] {
            b.set(x, y, true);
        }
        b
    }

    #[test]
    fn layout_is_msb_first_with_zero_padding() {
        let b = sample();
        assert_eq!(b.stride(), 2);
        assert_eq!(b.row(0)[0], (1 << 63) | 1);
        assert_eq!(b.row(1)[1], 1 << 63);
        assert_eq!(b.row(2)[1], 1 << (63 - 5));
        assert_eq!(b.count_ink(), 5);
    }

    #[test]
    fn invert_keeps_padding_zero() {
        let mut b = sample();
        b.invert();
        assert_eq!(b.count_ink(), 70 * 3 - 5);
        assert_eq!(b.row(0)[1] & !last_word_mask(70), 0);
        b.invert();
        assert_eq!(b, sample());
    }

    #[test]
    fn pbm_round_trip_binary_and_plain() {
        let b = sample();
        let pbm = b.to_pbm();
        assert_eq!(Bitmap::from_pbm(&pbm, &Limits::default()).unwrap(), b);
        let plain = b"P1\n# comment\n3 2\n1 0 1\n0 1 0\n";
        let p = Bitmap::from_pbm(plain, &Limits::default()).unwrap();
        assert!(p.get(0, 0) && !p.get(1, 0) && p.get(2, 0) && p.get(1, 1));
        assert_eq!(p.count_ink(), 3);
    }

    #[test]
    fn packed_rows_of_every_width_are_the_pixels_msb_first() {
        let limits = Limits::default();
        let empty = Bitmap::new(0, 3, &limits).unwrap();
        assert_eq!(empty.to_pbm(), b"P4\n0 3\n");
        let mut written = Vec::new();
        empty.into_pbm(&mut written).unwrap();
        assert_eq!(written, b"P4\n0 3\n");
        for width in 1..=140 {
            let mut b = Bitmap::new(width, 3, &limits).unwrap();
            for y in 0..3 {
                for x in (y..width).step_by(3) {
                    b.set(x, y, true);
                }
            }
            let row_bytes = width.div_ceil(8) as usize;
            let mut expected = format!("P4\n{width} 3\n").into_bytes();
            let header = expected.len();
            expected.resize(header + 3 * row_bytes, 0);
            for y in 0..3 {
                for x in 0..width {
                    if b.get(x, y) {
                        expected[header + y as usize * row_bytes + x as usize / 8] |=
                            0x80 >> (x % 8);
                    }
                }
            }
            assert_eq!(b.to_pbm(), expected, "width {width}");
            let mut written = Vec::new();
            b.clone().into_pbm(&mut written).unwrap();
            assert_eq!(written, expected, "width {width}, from the bitmap's memory");
            assert_eq!(Bitmap::from_pbm(&expected, &limits).unwrap(), b);
            // Rows with padding between them, white = 1, junk in the padding bits.
            let padded: Vec<u8> = expected[header..]
                .chunks(row_bytes)
                .flat_map(|row| {
                    let mut row: Vec<u8> = row.iter().map(|v| !v).collect();
                    if width % 8 != 0 {
                        // Black (0) padding bits, which must be read as white.
                        row[row_bytes - 1] &= 0xff << (8 - width % 8);
                    }
                    row.push(0xa5);
                    row
                })
                .collect();
            let read = Bitmap::from_packed_rows(width, 3, &padded, row_bytes + 1, false, &limits);
            assert_eq!(read.unwrap(), b, "width {width}, white = 1");
        }
    }

    #[test]
    fn pbm_errors_are_clear() {
        let l = Limits::default();
        assert!(Bitmap::from_pbm(b"P4\n10 10\n\0", &l).is_err());
        assert!(Bitmap::from_pbm(b"P5\n1 1\n", &l).is_err());
        assert!(matches!(
            Bitmap::from_pbm(b"P4\n4000000000 4000000000\n", &l),
            Err(Error::Limits(_))
        ));
    }

    #[test]
    fn set_row_pixels_sets_each_pixel_of_the_span() {
        for start in 0..140 {
            for end in start..=200 {
                let mut span = vec![0u64; 4];
                set_row_pixels(&mut span, start..end);
                let mut each = vec![0u64; 4];
                for x in start..end {
                    set_row_pixel(&mut each, x);
                }
                assert_eq!(span, each, "{start}..{end}");
            }
        }
    }

    #[test]
    fn crop_shifts_across_words() {
        let b = sample();
        let c = b.crop(5, 0, 65, 3);
        assert_eq!((c.width(), c.height()), (65, 3));
        assert!(c.get(58, 0) && c.get(59, 1) && c.get(64, 2) && c.get(0, 2));
        assert_eq!(c.count_ink(), 4);
        assert_eq!(b.crop(0, 0, 70, 3), b);
    }

    #[test]
    fn rows_equal_and_first_difference() {
        let mut b = Bitmap::new(100, 3, &Limits::default()).unwrap();
        assert!(b.rows_equal(0, 2));
        let a = b.clone();
        b.set(77, 2, true);
        assert!(!b.rows_equal(1, 2));
        assert_eq!(a.first_difference(&b), Some((77, 2)));
        assert_eq!(a.first_difference(&a), None);
    }
}
