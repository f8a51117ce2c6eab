//! Generic region coding with the arithmetic coder (T.88 6.2): templates 0 to 3, nominal or
//! chosen adaptive template (AT) pixels, and typical prediction (TPGDON).
//!
//! # Why the loops are shaped as they are
//!
//! A pixel's context is never gathered pixel by pixel. Each template is a few horizontal windows
//! on rows y-2, y-1 and y (T.88 Figures 3 to 6), laid out in the context so that moving one pixel
//! to the right is one shift of the whole context; the pixels entering the windows come from
//! 64-bit words of the rows above, loaded once per 64 pixels. AT pixels away from their nominal
//! places get a word of their own row each.
//!
//! Most of a scanned page is white paper whose context is 0. Where the context is 0 and the
//! words ahead are white, the pixels up to the next black one all code as the MPS of context 0,
//! which the MQ coder takes in one step ([`MqEncoder::encode_mps_run`],
//! [`MqDecoder::decode_mps_run`]): a white row costs a handful of operations per word.

use super::mq::{Context, MqDecoder, MqEncoder};
use crate::bitmap::{Bitmap, bits_at};
use crate::error::{Error, Result};
use crate::options::Limits;

/// GBTEMPLATE (T.88 6.2.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    /// 16 pixels, four of them AT pixels (Figure 3).
    T0,
    /// 13 pixels, one AT pixel (Figure 4).
    T1,
    /// 10 pixels, one AT pixel (Figure 5).
    T2,
    /// 10 pixels on two rows, one AT pixel (Figure 6).
    T3,
}

impl Template {
    /// The template of a GBTEMPLATE field (its two low bits).
    pub fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => Template::T0,
            1 => Template::T1,
            2 => Template::T2,
            _ => Template::T3,
        }
    }

    /// The GBTEMPLATE field value.
    pub fn bits(self) -> u8 {
        self as u8
    }

    /// The nominal AT pixels (T.88 6.2.5.3, Figures 3 to 6); template 0 has four, the others one.
    pub fn nominal_at(self) -> &'static [(i8, i8)] {
        match self {
            Template::T0 => &[(3, -1), (-3, -1), (2, -2), (-2, -2)],
            Template::T1 => &[(3, -1)],
            Template::T2 | Template::T3 => &[(2, -1)],
        }
    }

    /// Bits in a context.
    fn context_bits(self) -> u32 {
        match self {
            Template::T0 => 16,
            Template::T1 => 13,
            Template::T2 | Template::T3 => 10,
        }
    }

    /// The context in which SLTP is coded (T.88 6.2.5.7, Figures 8 to 11).
    fn sltp_context(self) -> usize {
        match self {
            Template::T0 => 0x9B25,
            Template::T1 => 0x0795,
            Template::T2 => 0x00E5,
            Template::T3 => 0x0195,
        }
    }
}

/// How a generic region is coded: the fields of the generic region segment's flags and AT
/// pixels (T.88 7.4.6.2, 7.4.6.3) for arithmetic coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenericParams {
    /// GBTEMPLATE.
    pub template: Template,
    /// The AT pixels as (x, y) offsets; template 0 uses all four, the others the first.
    pub at: [(i8, i8); 4],
    /// TPGDON: rows equal to the row above are coded with one bit.
    pub tpgdon: bool,
}

impl GenericParams {
    /// `template` with its nominal AT pixels and TPGDON on.
    pub fn nominal(template: Template) -> Self {
        let mut at = [(0, 0); 4];
        for (slot, &p) in at.iter_mut().zip(template.nominal_at()) {
            *slot = p;
        }
        GenericParams {
            template,
            at,
            tpgdon: true,
        }
    }

    /// What scanpress writes: template 0 with its AT pixels moved to (4, -1), (0, -3), (3, -2)
    /// and (-3, -2), and TPGDON off.
    ///
    /// Chosen by measurement on the 39 bilevel pages of the corpus: a search over AT places on
    /// 15 varied pages, then checked on all 39, where these code 1.45% smaller in total than the
    /// nominal places (1,974,090 bytes against 2,003,193; ten pages grow, by 4.5% at most). TPGDON
    /// saves nothing on scans, whose duplicate rows are mostly white and cost next to nothing
    /// anyway, and its bit per row costs 0.03% in total. The moved pixels are gathered a bit at a
    /// time rather than rolled with the windows, which costs some 20% of encoding speed.
    pub fn for_scans() -> Self {
        GenericParams {
            template: Template::T0,
            at: [(4, -1), (0, -3), (3, -2), (-3, -2)],
            tpgdon: false,
        }
    }

    /// The AT pixels the template uses.
    pub fn at_pixels(&self) -> &[(i8, i8)] {
        &self.at[..self.template.nominal_at().len()]
    }

    /// Checks the AT pixels against T.88 6.2.5.4: each must come before the pixel being coded (a
    /// row above, or to the left on the same row), within the field's range.
    pub fn check(&self) -> Result<()> {
        for &(x, y) in self.at_pixels() {
            if y > 0 || (y == 0 && x >= 0) {
                return Err(Error::format(
                    "JBIG2",
                    format!("AT pixel ({x}, {y}) is not yet decoded when it is needed"),
                ));
            }
        }
        Ok(())
    }
}

/// Where a template's pixels sit in the context (T.88 6.2.5.3, bit orders as in Figures 8-11).
///
/// Each row's fixed pixels are one window whose rightmost pixel has the lowest bit, so a step to
/// the right is `(context << 1) & shift_mask` plus the pixels entering at the windows' low bits.
struct Layout<const N: usize> {
    /// The bits that survive a step to the right: every window bit but the lowest.
    shift_mask: u32,
    /// Row y-2's entering pixel: its x offset and its context bit; `None` for template 3.
    row2: Option<(i64, u32)>,
    /// Row y-1's entering pixel: its x offset and its context bit.
    row1: (i64, u32),
    /// The `N` AT pixels off their nominal places: x offset, y offset, context bit.
    at: [(i64, i64, u32); N],
}

/// The mask of context bits `lo + 1 ..= hi`.
const fn window(lo: u32, hi: u32) -> u32 {
    ((1 << (hi + 1)) - 1) & !((1 << (lo + 1)) - 1)
}

/// A window of a row above: its lowest and highest context bits, and the x offset of the pixel
/// entering at the lowest bit.
type Window = (u32, u32, i64);

/// How many AT pixels of `params` are off the template's fixed windows: none when they are all at
/// their nominal places, else all of them. This is the `N` of [`Layout`].
fn moved_at_pixels(params: &GenericParams) -> usize {
    if params.at_pixels() == params.template.nominal_at() {
        0
    } else {
        params.at_pixels().len()
    }
}

impl<const N: usize> Layout<N> {
    /// The layout of `params`, which must have `N` moved AT pixels ([`moved_at_pixels`]).
    fn new(params: &GenericParams) -> Self {
        let nominal = N == 0;
        // Row 0's window top bit, the windows of rows y-1 and y-2, and the AT pixels' bits.
        let (row0_hi, row1, row2, at_bits): (u32, Window, Option<Window>, &[u32]) =
            match (params.template, nominal) {
                (Template::T0, true) => (3, (4, 10, 3), Some((11, 15, 2)), &[]),
                (Template::T0, false) => (3, (5, 9, 2), Some((12, 14, 1)), &[4, 10, 11, 15]),
                (Template::T1, true) => (2, (3, 8, 3), Some((9, 12, 2)), &[]),
                (Template::T1, false) => (2, (4, 8, 2), Some((9, 12, 2)), &[3]),
                (Template::T2, true) => (1, (2, 6, 2), Some((7, 9, 1)), &[]),
                (Template::T2, false) => (1, (3, 6, 1), Some((7, 9, 1)), &[2]),
                (Template::T3, true) => (3, (4, 9, 2), None, &[]),
                (Template::T3, false) => (3, (5, 9, 1), None, &[4]),
            };
        let mut shift_mask = window(0, row0_hi) | window(row1.0, row1.1);
        if let Some((lo, hi, _)) = row2 {
            shift_mask |= window(lo, hi);
        }
        let mut at = [(0, 0, 0); N];
        for (slot, (&bit, &(x, y))) in at.iter_mut().zip(at_bits.iter().zip(params.at_pixels())) {
            *slot = (i64::from(x), i64::from(y), bit);
        }
        Layout {
            shift_mask,
            row2: row2.map(|(lo, _, x)| (x, lo)),
            row1: (row1.2, row1.0),
            at,
        }
    }

    /// The fixed part of the context "at x = -1": the pixels 0 .. dx of rows y-1 and y-2 that
    /// are already inside the windows when the first pixel's entering pixel arrives.
    fn row_start(&self, row1: Option<&[u64]>, row2: Option<&[u64]>) -> u32 {
        let mut bits = 0;
        let windows = [(row1, Some(self.row1)), (row2, self.row2)];
        for (row, window) in windows {
            let (Some(row), Some((dx, b))) = (row, window) else {
                continue;
            };
            let first = row.first().copied().unwrap_or(0);
            for p in 0..dx {
                // Pixel p sits dx - 1 - p places left of the entering pixel of x = -1.
                bits |= bit(first, p as u32) << (b + (dx - 1 - p) as u32);
            }
        }
        bits
    }
}

/// Bit `i` (0 = top) of `word`, as a `u32`.
#[inline(always)]
fn bit(word: u64, i: u32) -> u32 {
    ((word >> (63 - i)) & 1) as u32
}

/// The words feeding one 64-pixel span of a row: the pixels entering the windows of rows y-2
/// and y-1, and the AT pixels of rows above.
struct Feed<const N: usize> {
    row2: u64,
    row1: u64,
    at: [u64; N],
}

impl<const N: usize> Feed<N> {
    /// The words for pixels `x0 .. x0 + 64` of row `y`; `rows_above(dy)` is row y-dy, or `None`
    /// above the region.
    #[inline(always)]
    fn load<'a>(
        layout: &Layout<N>,
        x0: i64,
        rows_above: impl Fn(i64) -> Option<&'a [u64]>,
    ) -> Self {
        let load = |dy: i64, dx: i64| rows_above(dy).map_or(0, |r| bits_at(r, x0 + dx));
        let mut at = [0; N];
        for (word, &(dx, dy, _)) in at.iter_mut().zip(&layout.at) {
            if dy < 0 {
                *word = load(-dy, dx);
            }
        }
        Feed {
            row2: layout.row2.map_or(0, |(dx, _)| load(2, dx)),
            row1: load(1, layout.row1.0),
            at,
        }
    }

    /// The context bits entering at pixel `i` of the span from rows above, and `prev`, the pixel
    /// to the left.
    #[inline(always)]
    fn entering(&self, layout: &Layout<N>, i: u32, prev: u32) -> u32 {
        let mut bits = prev | bit(self.row1, i) << layout.row1.1;
        if let Some((_, b)) = layout.row2 {
            bits |= bit(self.row2, i) << b;
        }
        bits
    }

    /// The AT pixels of rows above at pixel `i`, in their context bits.
    #[inline(always)]
    fn at_bits(&self, layout: &Layout<N>, i: u32) -> u32 {
        let mut bits = 0;
        for (word, &(_, _, b)) in self.at.iter().zip(&layout.at) {
            bits |= bit(*word, i) << b;
        }
        bits
    }

    /// Every pixel from rows above that enters a context in this span.
    #[inline(always)]
    fn any(&self) -> u64 {
        self.row2 | self.row1 | self.at.iter().fold(0, |a, w| a | w)
    }
}

/// Row `y - dy` of `bitmap`, or `None` above the top.
#[inline(always)]
fn row_above(bitmap: &Bitmap, y: u32, dy: i64) -> Option<&[u64]> {
    let r = i64::from(y) - dy;
    (r >= 0).then(|| bitmap.row(r as u32))
}

/// Whether row `y` equals the row above it, row -1 being white (T.88 6.2.5.7's LTP test).
fn same_as_above(b: &Bitmap, y: u32) -> bool {
    if y == 0 {
        b.row(0).iter().all(|&w| w == 0)
    } else {
        b.rows_equal(y, y - 1)
    }
}

/// Codes `bitmap` as a generic region (T.88 6.2.5.7, run in reverse) and returns the MQ data,
/// ended with the 0xFF 0xAC marker.
pub fn encode(bitmap: &Bitmap, params: &GenericParams) -> Vec<u8> {
    let mut mq = MqEncoder::new();
    let mut contexts = vec![Context::default(); 1 << params.template.context_bits()];
    encode_into(&mut mq, &mut contexts, bitmap, params);
    mq.finish()
}

/// Codes `bitmap` as a generic region with an MQ encoder and contexts that may carry on from
/// earlier regions, as the symbols of a symbol dictionary do (T.88 6.5.8.1). `contexts` holds at
/// least the template's contexts.
pub fn encode_into(
    mq: &mut MqEncoder,
    contexts: &mut [Context],
    bitmap: &Bitmap,
    params: &GenericParams,
) {
    // One kernel per count of moved AT pixels, so that gathering them unrolls.
    match moved_at_pixels(params) {
        0 => encode_with::<0>(mq, contexts, bitmap, params),
        1 => encode_with::<1>(mq, contexts, bitmap, params),
        _ => encode_with::<4>(mq, contexts, bitmap, params),
    }
}

fn encode_with<const N: usize>(
    mq: &mut MqEncoder,
    contexts: &mut [Context],
    bitmap: &Bitmap,
    params: &GenericParams,
) {
    let layout = Layout::<N>::new(params);
    let template = params.template;
    let mut ltp = false;
    let width = i64::from(bitmap.width());
    for y in 0..bitmap.height() {
        if params.tpgdon {
            let typical = same_as_above(bitmap, y);
            mq.encode(
                &mut contexts[template.sltp_context()],
                u8::from(typical != ltp),
            );
            ltp = typical;
            if ltp {
                continue;
            }
        }
        let row = bitmap.row(y);
        let mut fixed = layout.row_start(row_above(bitmap, y, 1), row_above(bitmap, y, 2));
        let mut prev = 0u32;
        for (w, &here) in row.iter().enumerate() {
            let x0 = w as i64 * 64;
            let mut feed = Feed::load(&layout, x0, |dy| row_above(bitmap, y, dy));
            // AT pixels on this row (to the left) read the row itself: it is all known.
            for (word, &(dx, dy, _)) in feed.at.iter_mut().zip(&layout.at) {
                if dy == 0 {
                    *word = bits_at(row, x0 + dx);
                }
            }
            let quiet = feed.any() | here;
            let n = (width - x0).min(64) as u32;
            let mut i = 0;
            while i < n {
                fixed = (fixed << 1) & layout.shift_mask | feed.entering(&layout, i, prev);
                let cx = (fixed | feed.at_bits(&layout, i)) as usize;
                if cx == 0 && contexts[0].mps_is_zero() {
                    // White ahead in every row the context sees: one MPS run.
                    let run = (quiet << i).leading_zeros().min(n - i);
                    if run > 0 {
                        mq.encode_mps_run(&mut contexts[0], run);
                        i += run;
                        prev = 0;
                        continue;
                    }
                }
                prev = bit(here, i);
                mq.encode(&mut contexts[cx], prev as u8);
                i += 1;
            }
        }
    }
}

/// Decodes a `width` x `height` generic region coded with `params` (T.88 6.2.5.7).
pub fn decode(
    data: &[u8],
    width: u32,
    height: u32,
    params: &GenericParams,
    limits: &Limits,
) -> Result<Bitmap> {
    let mut bitmap = Bitmap::new(width, height, limits)?;
    let mut contexts = vec![Context::default(); 1 << params.template.context_bits()];
    decode_into(
        &mut MqDecoder::new(data),
        &mut contexts,
        &mut bitmap,
        params,
    )?;
    Ok(bitmap)
}

/// The number of generic region contexts any template needs.
pub const CONTEXTS: usize = 1 << 16;

/// Decodes a generic region into the white `bitmap`, whose size is the region's, with an MQ
/// decoder and contexts that may carry on from earlier regions, as the symbols of a symbol
/// dictionary do (T.88 6.5.8.1). `contexts` holds at least the template's contexts.
pub(crate) fn decode_into(
    mq: &mut MqDecoder<'_>,
    contexts: &mut [Context],
    bitmap: &mut Bitmap,
    params: &GenericParams,
) -> Result<()> {
    params.check()?;
    match moved_at_pixels(params) {
        0 => decode_with::<0>(mq, contexts, bitmap, params),
        1 => decode_with::<1>(mq, contexts, bitmap, params),
        _ => decode_with::<4>(mq, contexts, bitmap, params),
    }
    Ok(())
}

fn decode_with<const N: usize>(
    mq: &mut MqDecoder<'_>,
    contexts: &mut [Context],
    bitmap: &mut Bitmap,
    params: &GenericParams,
) {
    let (width, height) = (bitmap.width(), bitmap.height());
    let layout = Layout::<N>::new(params);
    let template = params.template;
    let row0_at: Vec<(i64, u32)> = layout
        .at
        .iter()
        .filter(|a| a.1 == 0)
        .map(|a| (a.0, a.2))
        .collect();
    let mut ltp = false;
    let stride = bitmap.stride();
    let mut row = vec![0u64; stride];
    for y in 0..height {
        if params.tpgdon {
            ltp ^= mq.decode(&mut contexts[template.sltp_context()]) == 1;
            if ltp {
                if y > 0 {
                    let (above, here) = bitmap.words_mut().split_at_mut(y as usize * stride);
                    here[..stride].copy_from_slice(&above[(y as usize - 1) * stride..]);
                }
                continue;
            }
        }
        let mut fixed = layout.row_start(row_above(bitmap, y, 1), row_above(bitmap, y, 2));
        let mut prev = 0u32;
        for w in 0..stride {
            let x0 = w as i64 * 64;
            let feed = Feed::load(&layout, x0, |dy| row_above(bitmap, y, dy));
            let quiet = feed.any();
            let n = (i64::from(width) - x0).min(64) as u32;
            let mut word = 0u64;
            let mut i = 0;
            while i < n {
                fixed = (fixed << 1) & layout.shift_mask | feed.entering(&layout, i, prev);
                let mut cx = fixed | feed.at_bits(&layout, i);
                for &(dx, b) in &row0_at {
                    // Decoded pixels of this row: this word so far, or the words before it.
                    let x = x0 + i64::from(i) + dx;
                    let p = if x >= x0 {
                        bit(word, (x - x0) as u32)
                    } else {
                        bit(bits_at(&row, x), 0)
                    };
                    cx |= p << b;
                }
                if cx == 0 && row0_at.is_empty() && contexts[0].mps_is_zero() {
                    let run = (quiet << i).leading_zeros().min(n - i);
                    let k = mq.decode_mps_run(&contexts[0], run);
                    if k > 0 {
                        i += k;
                        prev = 0;
                        continue;
                    }
                }
                prev = u32::from(mq.decode(&mut contexts[cx as usize]));
                word |= u64::from(prev) << (63 - i);
                i += 1;
            }
            row[w] = word;
        }
        bitmap.row_mut(y).copy_from_slice(&row);
    }
}
