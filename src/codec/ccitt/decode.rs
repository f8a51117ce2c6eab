//! Decoders for T.4 (Group 3, one- and two-dimensional, and TIFF's Modified Huffman) and T.6
//! (Group 4) data.

use super::bits::BitReader;
use super::changes::{SENTINELS, fill_row};
use super::tables::{MODE_PEEK, Mode, RUN_PEEK, decode_tables};
use crate::bitmap::{Bitmap, words_for};
use crate::error::{Error, Result};
use crate::options::Limits;

/// How the lines are coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Coding {
    /// T.6: every line two-dimensional, no EOLs (TIFF compression 4, PDF K < 0).
    G4,
    /// T.4 with an EOL before each line; with `two_d`, a tag bit after each EOL says whether the
    /// line is one- or two-dimensional (TIFF compression 3, PDF K >= 0, raw `.g3` files).
    G3 {
        /// Two-dimensional coding may be used (T4Options bit 0, PDF K > 0).
        two_d: bool,
    },
    /// TIFF compression 2: one-dimensional lines without EOLs, each starting on a byte boundary.
    ModifiedHuffman,
}

/// What the decoder needs to know about the data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeParams {
    /// Pixels per line.
    pub width: u32,
    /// Lines to decode; `None` decodes until the end of the data or an RTC / EOFB mark.
    pub rows: Option<u32>,
    /// The line coding.
    pub coding: Coding,
    /// Each line starts on a byte boundary (PDF EncodedByteAlign).
    pub byte_align: bool,
    /// G3 lines are each preceded by an EOL (always in TIFF; in PDF when /EndOfLine is true), so
    /// whatever follows the end of a line up to the next EOL can be skipped.
    pub eols: bool,
    /// In G3 data, repair damaged lines as libtiff does and go on at the next EOL (T.4 Appendix I):
    /// a line cut short by an EOL is padded with white, an unreadable one repeats the line above.
    /// [`decode_concealing`] counts such lines.
    pub conceal_damage: bool,
}

impl DecodeParams {
    /// Parameters for `coding` with `width` pixels per line and a known number of rows.
    pub fn new(coding: Coding, width: u32, rows: Option<u32>) -> Self {
        DecodeParams {
            width,
            rows,
            coding,
            byte_align: false,
            eols: true,
            conceal_damage: false,
        }
    }
}

const FORMAT: &str = "CCITT";

fn bad(reader: &BitReader<'_>, line: u32, what: &str) -> Error {
    if reader.overran() {
        Error::format(FORMAT, format!("data ends in line {line}"))
    } else {
        Error::format(
            FORMAT,
            format!("{what} in line {line} at bit {}", reader.position()),
        )
    }
}

/// Reads one run of `black` or white pixels: make-up codes then a terminating code.
#[inline]
fn read_run(reader: &mut BitReader<'_>, black: bool, line: u32) -> Result<u32> {
    let tables = decode_tables();
    let table = if black { &tables.black } else { &tables.white };
    let mut total = 0u32;
    loop {
        let entry = table[reader.peek(RUN_PEEK) as usize];
        if entry.len == 0 {
            return Err(bad(reader, line, "invalid run code"));
        }
        reader.consume(u32::from(entry.len));
        total += u32::from(entry.run);
        if entry.run < 64 {
            return Ok(total);
        }
        if total > 1 << 24 {
            return Err(bad(reader, line, "run too long"));
        }
    }
}

/// Decodes a one-dimensional (Modified Huffman) line into changing elements (T.4 4.1).
fn decode_1d(reader: &mut BitReader<'_>, width: u32, line: u32, out: &mut Vec<u32>) -> Result<()> {
    let mut a0 = 0u32;
    let mut black = false;
    loop {
        let run = read_run(reader, black, line)?;
        a0 = a0
            .checked_add(run)
            .filter(|&a| a <= width)
            .ok_or_else(|| bad(reader, line, "runs longer than the line"))?;
        if a0 == width {
            return Ok(());
        }
        out.push(a0);
        black = !black;
    }
}

/// Decodes a two-dimensional line (T.4 4.2, T.6 2.2) into changing elements, given those of the
/// reference line ending in sentinels.
fn decode_2d(
    reader: &mut BitReader<'_>,
    reference: &[u32],
    width: u32,
    line: u32,
    out: &mut Vec<u32>,
) -> Result<()> {
    let modes = &decode_tables().modes;
    let w = i64::from(width);
    let mut a0: i64 = -1;
    let mut black = false;
    let mut r = 0usize;
    while a0 < w {
        while r < reference.len() - 2 && i64::from(reference[r]) <= a0 {
            r += 1;
        }
        let k = (r + ((r & 1) ^ usize::from(black))).min(reference.len() - 2);
        let b1 = i64::from(reference[k]);
        let b2 = i64::from(reference[k + 1]);
        let (len, mode) = modes[reader.peek(MODE_PEEK) as usize];
        reader.consume(u32::from(len));
        match mode {
            Mode::Pass => {
                if b2 <= a0 {
                    return Err(bad(reader, line, "pass mode goes backwards"));
                }
                a0 = b2;
            }
            Mode::Vertical(d) => {
                let a1 = b1 + i64::from(d);
                if a1 < a0.max(0) || a1 > w {
                    return Err(bad(reader, line, "vertical mode leaves the line"));
                }
                out.push(a1 as u32);
                a0 = a1;
                black = !black;
            }
            Mode::Horizontal => {
                let start = a0.max(0);
                let a1 = start + i64::from(read_run(reader, black, line)?);
                let a2 = a1 + i64::from(read_run(reader, !black, line)?);
                if a2 > w {
                    return Err(bad(reader, line, "runs longer than the line"));
                }
                out.extend_from_slice(&[a1 as u32, a2 as u32]);
                a0 = a2;
            }
            Mode::Invalid => return Err(bad(reader, line, "invalid mode code")),
        }
    }
    // Changes at the right edge are only the line's end, not real changes.
    while out.last() == Some(&width) {
        out.pop();
    }
    Ok(())
}

/// Whether the next bits are an EOL (eleven or more zeros then a one, fill bits allowed), which in
/// G4 starts EOFB and in G3 starts a line or RTC.
fn at_eol(reader: &mut BitReader<'_>) -> bool {
    reader.peek(12) <= 1 && !reader.at_end()
}

/// Decodes CCITT data into a bitmap, `1 = black` (a black run sets bits). TIFF's
/// PhotometricInterpretation and PDF's BlackIs1 are the caller's to apply.
pub fn decode(data: &[u8], params: &DecodeParams, limits: &Limits) -> Result<Bitmap> {
    decode_concealing(data, params, limits).map(|(bitmap, _)| bitmap)
}

/// Like [`decode`], also giving how many damaged G3 lines were repaired (always 0 unless
/// [`DecodeParams::conceal_damage`] is set).
pub fn decode_concealing(
    data: &[u8],
    params: &DecodeParams,
    limits: &Limits,
) -> Result<(Bitmap, u32)> {
    let width = params.width;
    if width == 0 {
        return Err(Error::format(FORMAT, "zero line width"));
    }
    let max_rows = match params.rows {
        Some(rows) => {
            limits.check_pixels(width, rows)?;
            rows
        }
        None => {
            limits.check_pixels(width, 1)?;
            let by_pixels = limits.max_pixels / u64::from(width);
            by_pixels.min(u64::from(limits.max_dimension)) as u32
        }
    };
    let stride = words_for(width);
    // Unknown heights grow the buffer as lines arrive; no line is allocated before it is decoded.
    let mut words: Vec<u64> = Vec::with_capacity(stride * max_rows.min(8192) as usize);
    let mut reader = BitReader::new(data);
    let mut reference: Vec<u32> = vec![width; SENTINELS];
    let mut coding: Vec<u32> = Vec::with_capacity(256);
    let mut rows = 0u32;
    let mut damaged = 0u32;
    while rows < max_rows {
        if params.byte_align && rows > 0 {
            reader.align();
        }
        if params.rows.is_none() && reader.at_end() {
            break;
        }
        coding.clear();
        match params.coding {
            Coding::G4 => {
                if at_eol(&mut reader) {
                    // EOFB (T.6 2.4): the data ends here.
                    if params.rows.is_none() {
                        break;
                    }
                    return Err(bad(&reader, rows, "EOFB before the last line"));
                }
                decode_2d(&mut reader, &reference, width, rows, &mut coding)?;
            }
            Coding::ModifiedHuffman => {
                if rows > 0 {
                    reader.align();
                }
                decode_1d(&mut reader, width, rows, &mut coding)?;
            }
            Coding::G3 { two_d } => {
                // Each line follows an EOL, possibly after fill bits (T.4 4.1.2, 4.1.3), and in
                // two-dimensional data a tag bit, 1 for a one-dimensional line (T.4 4.2.2). Some
                // writers leave out the first EOL; two or more in a row are RTC (T.4 4.1.4).
                let mut eols = 0;
                let mut tag = None;
                // Like libtiff, skip whatever follows the end of a line up to its EOL: fax
                // modems pad lines with zero-length runs to meet the minimum line time.
                if rows > 0 && params.eols {
                    while !reader.at_end() && !at_eol(&mut reader) {
                        reader.consume(1);
                    }
                }
                while at_eol(&mut reader) {
                    if reader.skip_zeros_and_one().is_none() {
                        break;
                    }
                    eols += 1;
                    if two_d {
                        tag = Some(reader.peek(1));
                        reader.consume(1);
                    }
                }
                if reader.at_end() || eols > 1 {
                    break;
                }
                let one_d = match (two_d, tag) {
                    (false, _) => true,
                    (true, Some(tag)) => tag == 1,
                    (true, None) => {
                        let tag = reader.peek(1);
                        reader.consume(1);
                        tag == 1
                    }
                };
                let line_start = reader.position();
                let line = if one_d {
                    decode_1d(&mut reader, width, rows, &mut coding)
                } else {
                    decode_2d(&mut reader, &reference, width, rows, &mut coding)
                };
                if let Err(e) = line {
                    if !params.conceal_damage || reader.overran() {
                        return Err(e);
                    }
                    damaged += 1;
                    if at_eol(&mut reader) {
                        // A line cut short by the next EOL: libtiff pads it with white.
                        if coding.len() % 2 == 1 {
                            coding.pop();
                        }
                    } else {
                        // An unreadable line: repeat the line above. The next line's search for
                        // its EOL resynchronises, starting one code length back, as the bad code
                        // may have eaten into the EOL's zeros. Eleven zeros cannot occur but in
                        // an EOL: codes end in at most three zeros and start with at most seven.
                        coding.clear();
                        coding.extend_from_slice(&reference[..reference.len() - SENTINELS]);
                        let back = reader.position().saturating_sub(13).max(line_start);
                        reader.seek(back);
                    }
                }
            }
        }
        if reader.overran() {
            return Err(bad(&reader, rows, "data ends"));
        }
        let start = words.len();
        words.resize(start + stride, 0);
        fill_row(&coding, width, &mut words[start..]);
        coding.extend_from_slice(&[width; SENTINELS]);
        std::mem::swap(&mut reference, &mut coding);
        rows += 1;
    }
    if let Some(expected) = params.rows
        && rows < expected
    {
        return Err(Error::format(
            FORMAT,
            format!("{rows} lines decoded, {expected} expected"),
        ));
    }
    Ok((Bitmap::from_words(width, rows, words)?, damaged))
}
