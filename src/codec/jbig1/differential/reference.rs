//! The differential layer coder as first written, a pixel at a time, every template pixel
//! looked up on its own: the reference the rolling-register coder is tested against.

use std::ops::Range;

use super::{Coder, DifferentialLayer, PHASE, TPDCX};
use crate::bitmap::{Bitmap, bits_at};
use crate::codec::jbig1::lowest::next_black;
use crate::codec::jbig1::tables::deterministic;
use crate::codec::jbig1::tables::reduced;

/// The layer below `high` by T.82 6.4's resolution reduction: each low pixel from the 3x3 high
/// pixels around its two columns and two rows (the row below them standing in for a missing last
/// one) and the low pixels left of it and above it, through Table 17.
pub fn reduce_reference(
    high: &Bitmap,
    limits: &crate::options::Limits,
) -> crate::error::Result<Bitmap> {
    let (hw, hh) = (high.width(), high.height());
    let mut low = Bitmap::new(hw.div_ceil(2), hh.div_ceil(2), limits)?;
    let empty: &[u64] = &[];
    let mut row = vec![0u64; low.row(0).len()];
    for i in 0..low.height() {
        // The pair's second row, or its first again at the bottom.
        let second = high.row((2 * i + 1).min(hh - 1));
        let (first, above) = (
            high.row(2 * i),
            if i > 0 { high.row(2 * i - 1) } else { empty },
        );
        let low_above = if i > 0 { low.row(i - 1) } else { empty };
        row.fill(0);
        let mut left = 0;
        for j in 0..i64::from(low.width()) {
            // Three high pixels of a row from column 2j-1, the first the most significant.
            let three = |r: &[u64]| (bits_at(r, 2 * j - 1) >> 61) as usize;
            let index = three(second)
                | three(first) << 3
                | three(above) << 6
                | left << 9
                | ((bits_at(low_above, j - 1) >> 62) as usize) << 10;
            left = usize::from(reduced(index));
            row[(j / 64) as usize] |= (left as u64) << (63 - j % 64);
        }
        low.row_mut(i).copy_from_slice(&row);
    }
    Ok(low)
}

impl DifferentialLayer {
    /// Whether TPDON may predict the pair of rows from `y`: every pixel whose nine low neighbours
    /// are one colour is that colour (T.82 6.6.2).
    fn typical_pair_reference(high: &Bitmap, low: &Bitmap, y: u32, below: u32) -> bool {
        let ly = y / 2;
        let empty: &[u64] = &[];
        let lows = [
            if ly > 0 { low.row(ly - 1) } else { empty },
            low.row(ly),
            low.row(below),
        ];
        let highs: Vec<&[u64]> = [y, y + 1]
            .into_iter()
            .filter(|&r| r < high.height())
            .map(|r| high.row(r))
            .collect();
        let (lw, hw) = (low.width(), high.width());
        let mut lx = 0;
        while lx < lw {
            let c9 = lows
                .iter()
                .fold(0, |c, r| c << 3 | bits_at(r, i64::from(lx) - 1) >> 61);
            if c9 == 0 {
                // Up to the next black low pixel every parent's neighbourhood is white: the high
                // pixels under them must be white.
                let from = lx.saturating_sub(1);
                let end = lows
                    .iter()
                    .map(|r| next_black(r, from, lw + 1))
                    .min()
                    .unwrap_or(lw + 1);
                let stop = (end - 1).max(lx + 1).min(lw);
                let high_end = (2 * stop).min(hw);
                if highs
                    .iter()
                    .any(|r| next_black(r, 2 * lx, high_end) < high_end)
                {
                    return false;
                }
                lx = stop;
                continue;
            }
            if c9 == 0x1ff {
                for r in &highs {
                    for x in [2 * lx, 2 * lx + 1].into_iter().filter(|&x| x < hw) {
                        if (r[(x / 64) as usize] >> (63 - x % 64)) & 1 == 0 {
                            return false;
                        }
                    }
                }
            }
            lx += 1;
        }
        true
    }

    /// Codes `rows` of `high` with `coder`: encoding reads them, decoding writes them (white
    /// before). `low` is the layer below, whose rows of this stripe end before `low_end`; rows
    /// above `top` (a reset stripe's first) are white; `at_moves` are the stripe's AT moves (row
    /// in the stripe, tx).
    #[allow(clippy::too_many_arguments)]
    pub fn code_rows_reference<C: Coder>(
        &mut self,
        high: &mut Bitmap,
        low: &Bitmap,
        rows: Range<u32>,
        low_end: u32,
        top: u32,
        coder: &mut C,
        at_moves: &[(u32, u32)],
    ) {
        let width = i64::from(high.width());
        let first = rows.start;
        let empty: &[u64] = &[];
        for y in rows {
            for &(_, tx) in at_moves.iter().filter(|m| m.0 == y - first) {
                self.tx = tx;
            }
            let ly = y / 2;
            // The low row below, or this one again at the end of the stripe.
            let below = if ly + 1 >= low_end { ly } else { ly + 1 };
            if self.tpdon && y % 2 == 0 {
                let lntp = coder.encodes() && !Self::typical_pair_reference(high, low, y, below);
                self.lntp = coder.pixel(&mut self.contexts[TPDCX], lntp);
            }
            // The rows the templates see, white above `top` and outside the image.
            let high_row = |r: Option<u32>| match r.filter(|&r| r >= top) {
                Some(r) => high.row(r).to_vec(),
                None => Vec::new(),
            };
            let (h1, h2) = (high_row(y.checked_sub(1)), high_row(y.checked_sub(2)));
            let mut h0 = if coder.encodes() {
                high.row(y).to_vec()
            } else {
                vec![0; high.row(y).len()]
            };
            let low_row = |r: Option<u32>| match r.filter(|&r| r >= top / 2) {
                Some(r) => low.row(r),
                None => empty,
            };
            let (l_up, l_here, l_down) = (
                low_row(ly.checked_sub(1)),
                low.row(ly),
                low_row(Some(below)),
            );
            let odd_row = usize::from(y % 2 == 1);
            let tx = i64::from(self.tx);
            let mut x = 0i64;
            while x < width {
                let lx = x / 2;
                let l = |dx: i64, row: &[u64]| bit(row, lx + dx);
                if self.tpdon && !self.lntp {
                    let c9 = [l_up, l_here, l_down]
                        .iter()
                        .fold(0, |c, row| c << 3 | (bits_at(row, lx - 1) >> 61) as usize);
                    if c9 == 0 {
                        // White on and around the parents up to the next black low pixel: all
                        // predicted white.
                        let from = (lx - 1).max(0) as u32;
                        let end = [l_up, l_here, l_down]
                            .iter()
                            .map(|row| next_black(row, from, u32::MAX))
                            .min()
                            .unwrap_or(u32::MAX);
                        x = (2 * (i64::from(end) - 1)).max(x + 1);
                        continue;
                    }
                    if c9 == 0x1ff {
                        h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                        x += 1;
                        continue;
                    }
                }
                let h = |dx: i64, row: &[u64]| bit(row, x + dx);
                let odd_col = x % 2 == 1;
                if self.dpon {
                    let mut index =
                        l(0, l_up) | l(-1, l_up) << 1 | l(0, l_here) << 2 | l(-1, l_here) << 3;
                    let phase = odd_row * 2 + usize::from(odd_col);
                    index |= match phase {
                        0 => h(-1, &h0) << 4 | h(1, &h1) << 5 | h(0, &h1) << 6 | h(-1, &h1) << 7,
                        1 => {
                            h(-1, &h0) << 4
                                | h(-2, &h0) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(-2, &h1) << 8
                        }
                        2 => {
                            h(-1, &h0) << 4
                                | h(1, &h1) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(1, &h2) << 8
                                | h(0, &h2) << 9
                                | h(-1, &h2) << 10
                        }
                        _ => {
                            h(-1, &h0) << 4
                                | h(-2, &h0) << 5
                                | h(0, &h1) << 6
                                | h(-1, &h1) << 7
                                | h(-2, &h1) << 8
                                | h(0, &h2) << 9
                                | h(-1, &h2) << 10
                                | h(-2, &h2) << 11
                        }
                    };
                    if let Some(pixel) = deterministic(PHASE[phase] + index) {
                        if pixel {
                            h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                        }
                        x += 1;
                        continue;
                    }
                }
                let mut cx =
                    h(-1, &h0) | h(-2, &h0) << 1 | h(1, &h1) << 2 | h(0, &h1) << 3 | h(0, &h2) << 5;
                cx |= if tx == 0 {
                    h(-1, &h1) << 4
                } else {
                    h(-tx, &h0) << 4
                };
                cx |= if odd_col {
                    l(1, l_here) << 6
                        | l(0, l_here) << 7
                        | l(1, l_down) << 8
                        | l(0, l_down) << 9
                        | 1 << 10
                } else {
                    l(0, l_here) << 6 | l(-1, l_here) << 7 | l(0, l_down) << 8 | l(-1, l_down) << 9
                };
                cx |= odd_row << 11;
                let known = h(0, &h0) == 1;
                if coder.pixel(&mut self.contexts[cx], known) {
                    h0[(x / 64) as usize] |= 1 << (63 - x % 64);
                }
                x += 1;
            }
            high.row_mut(y).copy_from_slice(&h0);
        }
    }
}

/// The pixel at column `x` of a row's words: white outside it.
fn bit(words: &[u64], x: i64) -> usize {
    if x < 0 {
        return 0;
    }
    words
        .get((x / 64) as usize)
        .map_or(0, |w| ((w >> (63 - x % 64)) & 1) as usize)
}

#[cfg(test)]
mod tests {
    use super::super::reduce;
    use super::*;
    use crate::codec::jbig1::arith::{Decoder, Encoder};
    use crate::options::Limits;

    /// A stripe's rows, where its low rows end, its top row and its AT moves.
    struct Rows<'a> {
        rows: Range<u32>,
        low_end: u32,
        top: u32,
        moves: &'a [(u32, u32)],
    }

    /// Codes a stripe with [`DifferentialLayer::code_rows`] or, if `reference`, its reference.
    fn code_rows<C: Coder>(
        reference: bool,
        layer: &mut DifferentialLayer,
        high: &mut Bitmap,
        low: &Bitmap,
        r: &Rows<'_>,
        coder: &mut C,
    ) {
        let (rows, low_end, top, moves) = (r.rows.clone(), r.low_end, r.top, r.moves);
        if reference {
            layer.code_rows_reference(high, low, rows, low_end, top, coder, moves);
        } else {
            layer.code_rows(high, low, rows, low_end, top, coder, moves);
        }
    }

    /// A pseudo-random number sequence (xorshift).
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u32) -> u32 {
            (self.next() % u64::from(n)) as u32
        }
    }

    /// A page of black blocks and strokes with ragged edges: wide white stretches for typical
    /// prediction, solid black for its other case, edges for deterministic prediction.
    fn page(width: u32, height: u32, random: &mut Random) -> Bitmap {
        let mut b = Bitmap::new(width, height, &Limits::default()).unwrap();
        for _ in 0..random.below(12) {
            let (x0, y0) = (random.below(width), random.below(height));
            let (w, h) = (
                1 + random.below(width / 3 + 1),
                1 + random.below(height / 3 + 1),
            );
            for y in y0..(y0 + h).min(height) {
                for x in x0..(x0 + w).min(width) {
                    b.set(x, y, true);
                }
            }
        }
        let noise = [0, width * height / 200, width * height / 20][random.below(3) as usize];
        for _ in 0..random.below(noise + 1) {
            let (x, y) = (random.below(width), random.below(height));
            let v = b.get(x, y);
            b.set(x, y, !v);
        }
        b
    }

    /// Stripes of `rows` high rows each, as (rows, low_end) for a layer of `height` rows.
    fn stripes(height: u32, low_height: u32, rows: u32) -> Vec<(Range<u32>, u32)> {
        (0..height.div_ceil(rows))
            .map(|s| {
                let r = s * rows..((s + 1) * rows).min(height);
                (r, ((s + 1) * rows / 2).min(low_height))
            })
            .collect()
    }

    /// AT moves for a stripe: none, or a tx from either side of what the windows hold.
    fn at_moves(random: &mut Random, rows: u32) -> Vec<(u32, u32)> {
        (0..random.below(3))
            .map(|_| {
                let tx = [0, 3, 5, 6, 7, 8, 40, 127][random.below(8) as usize];
                (random.below(rows), tx)
            })
            .collect()
    }

    #[test]
    fn the_rolling_coder_codes_and_decodes_as_the_pixel_at_a_time_reference_does() {
        let limits = Limits::default();
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for case in 0..1000 {
            let (width, height) = (1 + random.below(300), 1 + random.below(40));
            let high = page(width, height, &mut random);
            let low = reduce(&high, &limits).unwrap();
            assert_eq!(
                low,
                reduce_reference(&high, &limits).unwrap(),
                "case {case}"
            );
            let (tpdon, dpon) = (case % 4 != 1, case % 4 != 2);
            let stripe_rows = 2 * (1 + random.below(12));
            let top = if case % 5 == 0 { stripe_rows } else { 0 }.min(height);
            let plan: Vec<_> = stripes(height, low.height(), stripe_rows)
                .into_iter()
                .map(|(rows, low_end)| {
                    let moves = at_moves(&mut random, rows.len() as u32);
                    (rows, low_end, moves)
                })
                .collect();
            let code = |reference: bool, bitmap: &mut Bitmap| {
                let mut layer = DifferentialLayer::new(tpdon, dpon);
                let mut out = Vec::new();
                // An encoder codes an image whole (no SDRST), so that the predictions hold.
                for (rows, low_end, moves) in &plan {
                    let mut enc = Encoder::new();
                    let rows = rows.clone();
                    let rows = Rows {
                        rows,
                        low_end: *low_end,
                        top: 0,
                        moves,
                    };
                    code_rows(reference, &mut layer, bitmap, &low, &rows, &mut enc);
                    out.push(enc.finish());
                }
                out
            };
            let (mut a, mut b) = (high.clone(), high.clone());
            let (ours, theirs) = (code(false, &mut a), code(true, &mut b));
            assert_eq!(ours, theirs, "case {case}: {width}x{height}");
            assert_eq!(a, high, "case {case}");
            // Decoding the coded stripes, and stripes of noise, which exercise every context; some
            // from a reset stripe on.
            let noise: Vec<Vec<u8>> = ours
                .iter()
                .map(|s| (0..s.len() + 8).map(|_| random.next() as u8).collect())
                .collect();
            for data in [&ours, &noise] {
                let decode = |reference: bool| {
                    let mut layer = DifferentialLayer::new(tpdon, dpon);
                    let mut bitmap = Bitmap::new(width, height, &limits).unwrap();
                    for ((rows, low_end, moves), bytes) in plan.iter().zip(data.iter()) {
                        let mut dec = Decoder::new(bytes);
                        let top = top.min(rows.start);
                        let rows = Rows {
                            rows: rows.clone(),
                            low_end: *low_end,
                            top,
                            moves,
                        };
                        code_rows(reference, &mut layer, &mut bitmap, &low, &rows, &mut dec);
                    }
                    bitmap
                };
                let (ours, theirs) = (decode(false), decode(true));
                assert_eq!(ours, theirs, "case {case}: {width}x{height}");
            }
        }
    }
}
