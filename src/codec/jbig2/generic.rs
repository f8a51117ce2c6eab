//! Generic region coding (T.88 6.2) with the arithmetic coder: template 0 with its nominal
//! adaptive pixels, and typical prediction (TPGDON).
//!
//! This first version forms each context pixel by pixel; the word-at-a-time context registers of
//! the speed target come next.

use super::mq::{Context, MqDecoder, MqEncoder};
use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::Limits;

/// T.88 6.2.5.3, Figure 3: the nominal adaptive template pixels of template 0, (x, y) offsets
/// A1..A4.
pub const NOMINAL_AT: [(i8, i8); 4] = [(3, -1), (-3, -1), (2, -2), (-2, -2)];

/// T.88 6.2.5.7: the context in which SLTP is coded for template 0.
const SLTP_CONTEXT: usize = 0x9B25;

/// The pixel at (`x`, `y`), 0 outside the bitmap (T.88 6.2.5.2).
#[inline(always)]
fn pixel(b: &Bitmap, x: i64, y: i64) -> usize {
    if x < 0 || y < 0 || x >= i64::from(b.width()) || y >= i64::from(b.height()) {
        return 0;
    }
    usize::from(b.get(x as u32, y as u32))
}

/// The 16-bit template 0 context of pixel (`x`, `y`), bits in the order of T.88 Figure 3
/// (6.2.5.3): the current row nearest first, then the row above, then two rows above.
#[inline(always)]
fn context(b: &Bitmap, x: i64, y: i64) -> usize {
    let at = |i: usize| {
        pixel(
            b,
            x + i64::from(NOMINAL_AT[i].0),
            y + i64::from(NOMINAL_AT[i].1),
        )
    };
    pixel(b, x - 1, y)
        | pixel(b, x - 2, y) << 1
        | pixel(b, x - 3, y) << 2
        | pixel(b, x - 4, y) << 3
        | at(0) << 4
        | pixel(b, x + 2, y - 1) << 5
        | pixel(b, x + 1, y - 1) << 6
        | pixel(b, x, y - 1) << 7
        | pixel(b, x - 1, y - 1) << 8
        | pixel(b, x - 2, y - 1) << 9
        | at(1) << 10
        | at(2) << 11
        | pixel(b, x + 1, y - 2) << 12
        | pixel(b, x, y - 2) << 13
        | pixel(b, x - 1, y - 2) << 14
        | at(3) << 15
}

/// Whether row `y` equals the row above (row -1 being white).
fn same_as_above(b: &Bitmap, y: u32) -> bool {
    if y == 0 {
        b.row(0).iter().all(|&w| w == 0)
    } else {
        b.rows_equal(y, y - 1)
    }
}

/// Codes `bitmap` as a generic region, template 0 with nominal AT pixels (T.88 6.2.5.7, run in
/// reverse), with typical prediction when `tpgdon`.
pub fn encode(bitmap: &Bitmap, tpgdon: bool) -> Vec<u8> {
    let mut contexts = vec![Context::default(); 1 << 16];
    let mut mq = MqEncoder::new();
    let mut ltp = false;
    for y in 0..bitmap.height() {
        if tpgdon {
            let typical = same_as_above(bitmap, y);
            mq.encode(&mut contexts[SLTP_CONTEXT], u8::from(typical != ltp));
            ltp = typical;
            if ltp {
                continue;
            }
        }
        for x in 0..bitmap.width() {
            let cx = context(bitmap, i64::from(x), i64::from(y));
            mq.encode(&mut contexts[cx], u8::from(bitmap.get(x, y)));
        }
    }
    mq.finish()
}

/// Decodes a generic region of `width` x `height` coded as [`encode`] does (T.88 6.2.5.7).
pub fn decode(
    data: &[u8],
    width: u32,
    height: u32,
    tpgdon: bool,
    limits: &Limits,
) -> Result<Bitmap> {
    let mut bitmap = Bitmap::new(width, height, limits)?;
    let mut contexts = vec![Context::default(); 1 << 16];
    let mut mq = MqDecoder::new(data);
    let mut ltp = false;
    for y in 0..height {
        if tpgdon {
            ltp ^= mq.decode(&mut contexts[SLTP_CONTEXT]) == 1;
            if ltp {
                if y > 0 {
                    let stride = bitmap.stride();
                    let words = bitmap.words_mut();
                    let (above, here) = words.split_at_mut(y as usize * stride);
                    here[..stride].copy_from_slice(&above[(y as usize - 1) * stride..]);
                }
                continue;
            }
        }
        for x in 0..width {
            let cx = context(&bitmap, i64::from(x), i64::from(y));
            if mq.decode(&mut contexts[cx]) == 1 {
                bitmap.set(x, y, true);
            }
        }
    }
    Ok(bitmap)
}
