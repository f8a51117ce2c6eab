//! The T.6 (Group 4) encoder.

use super::bits::BitWriter;
use super::changes::{SENTINELS, find_changes};
use super::tables::{
    BLACK_MAKEUP, BLACK_TERMINATING, EOL, EXTENDED_MAKEUP, HORIZONTAL, PASS, VERTICAL,
    WHITE_MAKEUP, WHITE_TERMINATING,
};
use crate::bitmap::Bitmap;

/// Writes a run of `run` pixels of one colour as make-up codes then a terminating code
/// (T.4 4.1.1.1 and 4.1.1.2: runs above 2560 repeat the 2560 make-up code).
#[inline]
fn put_run(w: &mut BitWriter, mut run: u32, black: bool) {
    let (terminating, makeup) = if black {
        (&BLACK_TERMINATING, &BLACK_MAKEUP)
    } else {
        (&WHITE_TERMINATING, &WHITE_MAKEUP)
    };
    while run >= 2560 {
        let (len, code) = EXTENDED_MAKEUP[12];
        w.put(len, u32::from(code));
        run -= 2560;
    }
    if run >= 64 {
        let (len, code) = if run >= 1792 {
            EXTENDED_MAKEUP[(run as usize - 1792) / 64]
        } else {
            makeup[run as usize / 64 - 1]
        };
        w.put(len, u32::from(code));
        run %= 64;
    }
    let (len, code) = terminating[run as usize];
    w.put(len, u32::from(code));
}

#[inline(always)]
fn put(w: &mut BitWriter, (len, code): (u8, u16)) {
    w.put(len, u32::from(code));
}

/// Codes one line two-dimensionally (T.4 4.2.1.3.2, the coding procedure of T.6 2.2.3) given the
/// changing elements of the reference line and of the coding line, both ending in sentinels.
#[inline]
fn encode_line(w: &mut BitWriter, reference: &[u32], coding: &[u32], width: u32) {
    let width = width as i64;
    // a0 starts on the imaginary white pixel before the line.
    let mut a0: i64 = -1;
    let mut black = false;
    // `r` is the first reference change right of a0; `c` indexes a1 on the coding line.
    let (mut r, mut c) = (0usize, 0usize);
    loop {
        while i64::from(reference[r]) <= a0 {
            r += 1;
        }
        // b1 is the first change right of a0 to the colour opposite a0's: even entries are changes
        // to black, so a white a0 wants an even index.
        let k = r + ((r & 1) ^ usize::from(black));
        let b1 = i64::from(reference[k]);
        let b2 = i64::from(reference[k + 1]);
        let a1 = i64::from(coding[c]);
        if b2 < a1 {
            put(w, PASS);
            a0 = b2;
        } else if (a1 - b1).abs() <= 3 {
            put(w, VERTICAL[(a1 - b1 + 3) as usize]);
            a0 = a1;
            black = !black;
            c += 1;
        } else {
            let a2 = i64::from(coding[c + 1]);
            put(w, HORIZONTAL);
            put_run(w, (a1 - a0.max(0)) as u32, black);
            put_run(w, (a2 - a1) as u32, !black);
            a0 = a2;
            c += 2;
        }
        if a0 >= width {
            return;
        }
    }
}

/// Encodes `bitmap` as T.6 (Group 4) data, `1 = black` coded as black, ending with EOFB
/// (T.6 2.4), as libtiff writes it.
pub fn encode_g4(bitmap: &Bitmap) -> Vec<u8> {
    encode_g4_aligned(bitmap, false)
}

/// Like [`encode_g4`]; with `byte_align`, every line starts on a byte boundary (PDF's
/// EncodedByteAlign).
pub fn encode_g4_aligned(bitmap: &Bitmap, byte_align: bool) -> Vec<u8> {
    let width = bitmap.width();
    // Text pages compress about 15:1; start with room for that.
    let mut w = BitWriter::with_capacity(bitmap.words().len() * 8 / 15 + 64);
    let mut reference: Vec<u32> = vec![width; SENTINELS];
    let mut coding: Vec<u32> = Vec::with_capacity(256);
    for y in 0..bitmap.height() {
        if byte_align {
            w.align();
        }
        coding.clear();
        find_changes(bitmap.row(y), width, &mut coding);
        coding.extend_from_slice(&[width; SENTINELS]);
        encode_line(&mut w, &reference, &coding, width);
        std::mem::swap(&mut reference, &mut coding);
    }
    put(&mut w, EOL);
    put(&mut w, EOL);
    w.finish()
}
