//! Generic refinement region coding (T.88 6.3): a bitmap coded against a reference bitmap, with
//! GRTEMPLATE 0 or 1, its AT pixels, and typical prediction (TPGRON).
//!
//! Contexts are in the bit order of T.88 Figures 12 and 13. Without TPGRON they roll one shift a
//! pixel, fed from 64-bit words of the rows they read, in the encoder and the decoder alike; with
//! it they are gathered pixel by pixel, as is every context in the tests' reference.

use super::mq::{Context, MqDecoder, MqEncoder};
use crate::bitmap::{Bitmap, bits_at};
use crate::error::{Error, Result};
use crate::options::Limits;

/// GRTEMPLATE (T.88 6.3.5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefineTemplate {
    /// 13 pixels, two of them AT pixels (Figure 12).
    T0,
    /// 10 pixels (Figure 13).
    T1,
}

/// How a refinement region is coded: GRTEMPLATE, GRAT and TPGRON (T.88 7.4.7.2, 7.4.7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefineParams {
    /// GRTEMPLATE.
    pub template: RefineTemplate,
    /// The AT pixels of template 0: A1 on the coded bitmap, A2 on the reference.
    pub at: [(i8, i8); 2],
    /// TPGRON: typical prediction.
    pub tpgron: bool,
}

/// The nominal AT pixels of template 0 (T.88 Figure 12).
const NOMINAL_AT: [(i8, i8); 2] = [(-1, -1), (-1, -1)];

/// Contexts enough for either template.
pub const CONTEXTS: usize = 1 << 13;

impl RefineParams {
    /// `template` with nominal AT pixels, TPGRON off.
    pub fn nominal(template: RefineTemplate) -> Self {
        RefineParams {
            template,
            at: NOMINAL_AT,
            tpgron: false,
        }
    }

    /// The parameters a segment gives: GRTEMPLATE 1 when `template_one`, and for template 0 its
    /// AT pixels from the first four bytes of `rest` (T.88 7.4.2.1.3, 7.4.3.1.3, 7.4.7.3), checked;
    /// TPGRON off. Also gives how many bytes of `rest` were read.
    pub fn read(template_one: bool, rest: &[u8]) -> Result<(Self, usize)> {
        let template = if template_one {
            RefineTemplate::T1
        } else {
            RefineTemplate::T0
        };
        let mut params = RefineParams::nominal(template);
        let mut used = 0;
        if template == RefineTemplate::T0 {
            let b = rest
                .get(..4)
                .ok_or_else(|| Error::format("JBIG2", "truncated refinement AT pixels"))?;
            params.at = [(b[0] as i8, b[1] as i8), (b[2] as i8, b[3] as i8)];
            used = 4;
        }
        params.check()?;
        Ok((params, used))
    }

    /// Checks A1 against T.88 6.3.5.3: it must come before the pixel being coded.
    pub fn check(&self) -> Result<()> {
        let (x, y) = self.at[0];
        if self.template == RefineTemplate::T0 && (y > 0 || (y == 0 && x >= 0)) {
            return Err(Error::format(
                "JBIG2",
                format!("refinement AT pixel ({x}, {y}) is not yet decoded when it is needed"),
            ));
        }
        Ok(())
    }

    /// The context in which SLTP is coded: the reference pixel under the coded one (T.88
    /// 6.3.5.6, Figures 14 and 15).
    fn sltp_context(&self) -> usize {
        match self.template {
            RefineTemplate::T0 => 0x0010,
            RefineTemplate::T1 => 0x0008,
        }
    }

    /// The template's pixels: on the coded bitmap or the reference, offset, and context bit.
    fn pixels(&self) -> Vec<(bool, i64, i64, u32)> {
        let (a1, a2) = (self.at[0], self.at[1]);
        let at = |p: (i8, i8)| (i64::from(p.0), i64::from(p.1));
        // (on the reference?, dx, dy) from bit 0 up.
        let list: Vec<(bool, (i64, i64))> = match self.template {
            RefineTemplate::T0 => vec![
                (true, (1, 1)),
                (true, (0, 1)),
                (true, (-1, 1)),
                (true, (1, 0)),
                (true, (0, 0)),
                (true, (-1, 0)),
                (true, (1, -1)),
                (true, (0, -1)),
                (true, at(a2)),
                (false, (-1, 0)),
                (false, (1, -1)),
                (false, (0, -1)),
                (false, at(a1)),
            ],
            RefineTemplate::T1 => vec![
                (true, (1, 1)),
                (true, (0, 1)),
                (true, (1, 0)),
                (true, (0, 0)),
                (true, (-1, 0)),
                (true, (0, -1)),
                (false, (-1, 0)),
                (false, (1, -1)),
                (false, (0, -1)),
                (false, (-1, -1)),
            ],
        };
        list.into_iter()
            .enumerate()
            .map(|(bit, (r, (dx, dy)))| (r, dx, dy, bit as u32))
            .collect()
    }
}

/// The pixel at (`x`, `y`) of `b`, white outside it (T.88 6.3.5.3).
#[inline]
fn pixel(b: &Bitmap, x: i64, y: i64) -> usize {
    let inside = x >= 0 && y >= 0 && x < i64::from(b.width()) && y < i64::from(b.height());
    usize::from(inside && b.get(x as u32, y as u32))
}

/// Where the reference sits: the reference pixel under coded pixel (x, y) is
/// (x - dx, y - dy), GRREFERENCEDX and GRREFERENCEDY (T.88 6.3.5.3).
#[derive(Clone, Copy)]
struct Placement<'a> {
    reference: &'a Bitmap,
    dx: i64,
    dy: i64,
}

impl Placement<'_> {
    /// The context of coded pixel (`x`, `y`) of `coded`.
    fn context(&self, coded: &Bitmap, pixels: &[(bool, i64, i64, u32)], x: i64, y: i64) -> usize {
        let (rx, ry) = (x - self.dx, y - self.dy);
        pixels
            .iter()
            .map(|&(on_reference, px, py, bit)| {
                let p = if on_reference {
                    pixel(self.reference, rx + px, ry + py)
                } else {
                    pixel(coded, x + px, y + py)
                };
                p << bit
            })
            .sum()
    }

    /// The 64 pixels from (`x`, `y`) on, of `coded` or of the reference under it, the first in
    /// the top bit; white outside the bitmap.
    fn word(&self, coded: &Bitmap, on_reference: bool, x: i64, y: i64) -> u64 {
        let (b, x, y) = if on_reference {
            (self.reference, x - self.dx, y - self.dy)
        } else {
            (coded, x, y)
        };
        if (0..i64::from(b.height())).contains(&y) {
            bits_at(b.row(y as u32), x)
        } else {
            0
        }
    }

    /// TPGRPIX and TPGRVAL (T.88 6.3.5.6): whether the 3 x 3 reference pixels around the one
    /// under (`x`, `y`) are all alike, and their value.
    fn typical(&self, x: i64, y: i64) -> Option<bool> {
        let (rx, ry) = (x - self.dx, y - self.dy);
        let centre = pixel(self.reference, rx, ry);
        let alike =
            (-1..=1).all(|j| (-1..=1).all(|i| pixel(self.reference, rx + i, ry + j) == centre));
        alike.then_some(centre == 1)
    }
}

/// The pixels entering a refinement context at each step to the right, each (on the reference?,
/// x offset, y offset, context bit), and the mask of the bits that survive a shift.
type RollingLayout = (Vec<(bool, i64, i64, u32)>, u32);

/// The [`RollingLayout`] of a template's `pixels` (bit `i` the `i`th): a bit survives a shift
/// when the bit below it is the pixel to its right, one step before; every other pixel enters
/// from its row. Any template rolls so, nominal AT pixels or moved ones; the more windows its
/// pixels make, the more enter each step.
fn rolling_layout(pixels: &[(bool, i64, i64, u32)]) -> RollingLayout {
    let mut entering = Vec::new();
    let mut mask = 0;
    for (i, &(on_reference, ox, oy, bit)) in pixels.iter().enumerate() {
        let shifted = i.checked_sub(1).is_some_and(|j| {
            pixels[j].0 == on_reference && (pixels[j].1 - 1, pixels[j].2) == (ox, oy)
        });
        if shifted {
            mask |= 1 << bit;
        } else {
            entering.push((on_reference, ox, oy, bit));
        }
    }
    (entering, mask)
}

/// Codes the rows of `target` with contexts rolled one shift a pixel and fed from 64-bit words
/// of the rows they read, as the generic coder does; the same contexts as
/// [`Placement::context`] gathers pixel by pixel (checked by the tests).
fn encode_rolled(
    mq: &mut MqEncoder,
    contexts: &mut [Context],
    target: &Bitmap,
    place: &Placement<'_>,
    (entering, mask): &RollingLayout,
    pixels: &[(bool, i64, i64, u32)],
) {
    let (w, h) = (i64::from(target.width()), i64::from(target.height()));
    for y in 0..h {
        let here = target.row(y as u32);
        let mut cx = place.context(target, pixels, 0, y) as u32;
        for (word, x0) in here.iter().zip((0..w).step_by(64)) {
            // The words of entering pixels for x0 .. x0 + 64.
            let mut feed = [0u64; 13];
            for (f, &(on_reference, ox, oy, _)) in feed.iter_mut().zip(entering) {
                *f = place.word(target, on_reference, x0 + ox, y + oy);
            }
            for i in 0..(w - x0).min(64) as u32 {
                if x0 + i64::from(i) > 0 {
                    let mut bits = 0;
                    for (f, &(_, _, _, b)) in feed.iter().zip(entering) {
                        bits |= (((f >> (63 - i)) & 1) as u32) << b;
                    }
                    cx = (cx << 1) & mask | bits;
                }
                mq.encode(&mut contexts[cx as usize], ((word >> (63 - i)) & 1) as u8);
            }
        }
    }
}

/// Codes `target` as a refinement of `reference` placed at (`dx`, `dy`) (T.88 6.3.5.6, run in
/// reverse), with an MQ encoder and contexts that may carry on from earlier regions, as in
/// symbol dictionaries and text regions. `contexts` holds [`CONTEXTS`] contexts.
pub fn encode_into(
    mq: &mut MqEncoder,
    contexts: &mut [Context],
    target: &Bitmap,
    reference: &Bitmap,
    (dx, dy): (i64, i64),
    params: &RefineParams,
) {
    let pixels = params.pixels();
    if !params.tpgron {
        let place = Placement { reference, dx, dy };
        encode_rolled(
            mq,
            contexts,
            target,
            &place,
            &rolling_layout(&pixels),
            &pixels,
        );
        return;
    }
    let place = Placement { reference, dx, dy };
    let mut ltp = false;
    for y in 0..i64::from(target.height()) {
        let width = i64::from(target.width());
        if params.tpgron {
            // The row is typical when every pixel with an alike 3 x 3 reference equals it.
            let typical = (0..width).all(|x| {
                place
                    .typical(x, y)
                    .is_none_or(|v| v == (pixel(target, x, y) == 1))
            });
            mq.encode(
                &mut contexts[params.sltp_context()],
                u8::from(typical != ltp),
            );
            ltp = typical;
        }
        for x in 0..width {
            if ltp && place.typical(x, y).is_some() {
                continue;
            }
            let cx = place.context(target, &pixels, x, y);
            mq.encode(&mut contexts[cx], pixel(target, x, y) as u8);
        }
    }
}

/// Decodes the rows of the white `target` with contexts rolled as [`encode_rolled`] rolls them:
/// the entering pixels of the reference and of the rows above from 64-bit words, those of the row
/// being decoded (`current`: the template's pixels to the left, at most 64 away) from the bits
/// decoded so far.
fn decode_rolled(
    mq: &mut MqDecoder<'_>,
    contexts: &mut [Context],
    target: &mut Bitmap,
    place: &Placement<'_>,
    (entering, mask): &RollingLayout,
    pixels: &[(bool, i64, i64, u32)],
) {
    let (above, current): (Vec<_>, Vec<_>) = entering
        .iter()
        .partition(|&&(on_reference, _, oy, _)| on_reference || oy < 0);
    let (w, h) = (i64::from(target.width()), i64::from(target.height()));
    for y in 0..h {
        let mut cx = place.context(target, pixels, 0, y) as u32;
        // The row's pixels decoded so far, the last in the bottom bit.
        let mut recent = 0u64;
        for (k, x0) in (0..w).step_by(64).enumerate() {
            let mut feed = [0u64; 13];
            for (f, &&(on_reference, ox, oy, _)) in feed.iter_mut().zip(&above) {
                *f = place.word(target, on_reference, x0 + ox, y + oy);
            }
            let mut word = 0;
            for i in 0..(w - x0).min(64) as u32 {
                if x0 + i64::from(i) > 0 {
                    let mut bits = 0;
                    for (f, &&(_, _, _, b)) in feed.iter().zip(&above) {
                        bits |= (((f >> (63 - i)) & 1) as u32) << b;
                    }
                    for &&(_, ox, _, b) in &current {
                        bits |= (((recent >> (-ox - 1)) & 1) as u32) << b;
                    }
                    cx = (cx << 1) & mask | bits;
                }
                let bit = u64::from(mq.decode(&mut contexts[cx as usize]));
                recent = recent << 1 | bit;
                word |= bit << (63 - i);
            }
            target.row_mut(y as u32)[k] = word;
        }
    }
}

/// Decodes a refinement of `reference` placed at (`dx`, `dy`) into the white `target`, whose size
/// is the region's (T.88 6.3.5.6): with rolled contexts (`decode_rolled`) unless TPGRON is on
/// or an AT pixel on the row being decoded lies further than 64 pixels to the left.
pub fn decode_into(
    mq: &mut MqDecoder<'_>,
    contexts: &mut [Context],
    target: &mut Bitmap,
    reference: &Bitmap,
    (dx, dy): (i64, i64),
    params: &RefineParams,
) -> Result<()> {
    params.check()?;
    let pixels = params.pixels();
    let place = Placement { reference, dx, dy };
    let near = |&(on_reference, ox, oy, _): &(bool, i64, i64, u32)| {
        on_reference || oy < 0 || (-64..0).contains(&ox)
    };
    if !params.tpgron && pixels.iter().all(near) {
        let layout = rolling_layout(&pixels);
        decode_rolled(mq, contexts, target, &place, &layout, &pixels);
    } else {
        decode_gathered(mq, contexts, target, &place, params, &pixels);
    }
    Ok(())
}

/// Decodes the rows of the white `target` with contexts gathered pixel by pixel, and TPGRON.
fn decode_gathered(
    mq: &mut MqDecoder<'_>,
    contexts: &mut [Context],
    target: &mut Bitmap,
    place: &Placement<'_>,
    params: &RefineParams,
    pixels: &[(bool, i64, i64, u32)],
) {
    let mut ltp = false;
    for y in 0..target.height() {
        if params.tpgron {
            ltp ^= mq.decode(&mut contexts[params.sltp_context()]) == 1;
        }
        for x in 0..target.width() {
            let (xi, yi) = (i64::from(x), i64::from(y));
            let typical = if ltp { place.typical(xi, yi) } else { None };
            let black = match typical {
                Some(value) => value,
                None => {
                    let cx = place.context(target, pixels, xi, yi);
                    mq.decode(&mut contexts[cx]) == 1
                }
            };
            if black {
                target.set(x, y, true);
            }
        }
    }
}

/// Codes `target` as a refinement of `reference` at (`dx`, `dy`): the MQ data, ended with the
/// 0xFF 0xAC marker.
pub fn encode(
    target: &Bitmap,
    reference: &Bitmap,
    at: (i64, i64),
    params: &RefineParams,
) -> Vec<u8> {
    let mut mq = MqEncoder::new();
    let mut contexts = vec![Context::default(); CONTEXTS];
    encode_into(&mut mq, &mut contexts, target, reference, at, params);
    mq.finish()
}

/// Decodes a `width` x `height` refinement of `reference` at (`dx`, `dy`) from `data`.
pub fn decode(
    data: &[u8],
    (width, height): (u32, u32),
    reference: &Bitmap,
    at: (i64, i64),
    params: &RefineParams,
    limits: &Limits,
) -> Result<Bitmap> {
    let mut target = Bitmap::new(width, height, limits)?;
    let mut contexts = vec![Context::default(); CONTEXTS];
    decode_into(
        &mut MqDecoder::new(data),
        &mut contexts,
        &mut target,
        reference,
        at,
        params,
    )?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` bitmap of noise, `density` percent black, from the generator's `state`.
    fn noise(w: u32, h: u32, density: u32, state: &mut u32) -> Bitmap {
        let mut b = Bitmap::new(w, h, &Limits::default()).unwrap();
        for y in 0..h {
            for x in 0..w {
                *state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                b.set(x, y, (*state >> 24) % 100 < density);
            }
        }
        b
    }

    /// The rolled decoder decodes exactly what the pixel-by-pixel one does, and gives back what
    /// was coded, with nominal and moved AT pixels, one on the row being decoded among them.
    #[test]
    fn rolled_refinement_decoding_matches_the_gathered_one() {
        let limits = Limits::default();
        let mut state = 7u32;
        let mut random = |w, h, density| noise(w, h, density, &mut state);
        let t0 = |a1, a2| RefineParams {
            at: [a1, a2],
            ..RefineParams::nominal(RefineTemplate::T0)
        };
        let params = [
            RefineParams::nominal(RefineTemplate::T0),
            RefineParams::nominal(RefineTemplate::T1),
            t0((0, -2), (0, -3)),
            t0((-5, -3), (4, 6)),
            t0((-3, 0), (1, 1)),
            t0((-64, 0), (0, 0)),
        ];
        for (w, h) in [(1, 1), (3, 7), (64, 5), (65, 9), (130, 20)] {
            let target = random(w, h, 40);
            let reference = random(w + 1, h, 45);
            for params in params {
                for offset in [(0, 0), (1, -2), (-3, 1), (70, 0)] {
                    let data = encode(&target, &reference, offset, &params);
                    let rolled = decode(&data, (w, h), &reference, offset, &params, &limits);
                    let mut gathered = Bitmap::new(w, h, &limits).unwrap();
                    let place = Placement {
                        reference: &reference,
                        dx: offset.0,
                        dy: offset.1,
                    };
                    decode_gathered(
                        &mut MqDecoder::new(&data),
                        &mut vec![Context::default(); CONTEXTS],
                        &mut gathered,
                        &place,
                        &params,
                        &params.pixels(),
                    );
                    let case = format!("{w}x{h} {params:?} {offset:?}");
                    assert_eq!(rolled.unwrap(), target, "{case}");
                    assert_eq!(gathered, target, "{case}");
                }
            }
        }
    }

    /// The rolled contexts code exactly what the pixel-by-pixel ones do, with nominal and moved
    /// AT pixels.
    #[test]
    fn rolled_refinement_contexts_match_the_gathered_ones() {
        let mut state = 99u32;
        let mut random = |w, h, density| noise(w, h, density, &mut state);
        for (w, h) in [(1, 1), (3, 7), (64, 5), (65, 9), (130, 20)] {
            let target = random(w, h, 40);
            for (rw, rh) in [(w, h), (w + 2, h.saturating_sub(1).max(1)), (1, 3)] {
                let reference = random(rw, rh, 45);
                let moved = RefineParams {
                    at: [(0, -2), (-1, 1)],
                    ..RefineParams::nominal(RefineTemplate::T0)
                };
                let far = RefineParams {
                    at: [(-5, -3), (4, 6)],
                    ..RefineParams::nominal(RefineTemplate::T0)
                };
                let templates = [RefineTemplate::T0, RefineTemplate::T1].map(RefineParams::nominal);
                for params in templates.into_iter().chain([moved, far]) {
                    for offset in [(0, 0), (1, -2), (-3, 1), (70, 0)] {
                        let pixels = params.pixels();
                        let place = Placement {
                            reference: &reference,
                            dx: offset.0,
                            dy: offset.1,
                        };
                        let mut slow = MqEncoder::new();
                        let mut contexts = vec![Context::default(); CONTEXTS];
                        for y in 0..i64::from(h) {
                            for x in 0..i64::from(w) {
                                let cx = place.context(&target, &pixels, x, y);
                                slow.encode(&mut contexts[cx], pixel(&target, x, y) as u8);
                            }
                        }
                        let fast = encode(&target, &reference, offset, &params);
                        assert_eq!(
                            fast,
                            slow.finish(),
                            "{w}x{h} ref {rw}x{rh} {params:?} {offset:?}"
                        );
                    }
                }
            }
        }
    }
}
