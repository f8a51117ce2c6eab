//! Text regions (T.88 6.4, 7.4.3): arithmetic-coded text regions, with or without refinement:
//! symbol instances placed strip by strip. Decoding reads every arrangement; encoding writes
//! left-corner ones ([`TextLayout`]). Symbol dictionaries use the same procedure, with their own
//! persistent contexts, for aggregate symbols (6.5.8.2).

use super::decode::{Combination, Reader, bad, compose};
use super::integer::{IntegerContexts, SymbolIdContexts};
use super::mq::{Context, MqDecoder, MqEncoder};
use super::refine::{self, RefineParams, RefineTemplate};
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

/// REFCORNER (T.88 7.4.3.1.1): the corner of a symbol instance its coordinates give.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Corner {
    BottomLeft,
    TopLeft,
    BottomRight,
    TopRight,
}

/// How instances are placed and coded (T.88 6.4.2's parameters SBSTRIPS to SBRAT).
pub(crate) struct TextParams {
    /// SBSTRIPS.
    pub strips: i64,
    /// REFCORNER.
    pub corner: Corner,
    /// TRANSPOSED.
    pub transposed: bool,
    /// SBCOMBOP.
    pub combination: Combination,
    /// SBDSOFFSET.
    pub ds_offset: i64,
    /// SBRTEMPLATE and SBRAT when SBREFINE is 1.
    pub refine: Option<RefineParams>,
}

/// The contexts of text region decoding (T.88 6.4.5, Table 31's IAx and IAID, and the
/// refinement contexts).
pub(crate) struct TextContexts {
    iadt: IntegerContexts,
    iafs: IntegerContexts,
    iads: IntegerContexts,
    iait: IntegerContexts,
    iari: IntegerContexts,
    iardw: IntegerContexts,
    iardh: IntegerContexts,
    /// IARDX, shared with refinement-coded dictionary symbols.
    pub iardx: IntegerContexts,
    /// IARDY, likewise.
    pub iardy: IntegerContexts,
    /// IAID.
    pub iaid: SymbolIdContexts,
    /// The refinement contexts.
    pub refine: Vec<Context>,
}

impl TextContexts {
    /// Fresh contexts for symbol IDs of `code_len` bits.
    pub fn new(code_len: u32) -> Result<Self> {
        Ok(TextContexts {
            iadt: IntegerContexts::default(),
            iafs: IntegerContexts::default(),
            iads: IntegerContexts::default(),
            iait: IntegerContexts::default(),
            iari: IntegerContexts::default(),
            iardw: IntegerContexts::default(),
            iardh: IntegerContexts::default(),
            iardx: IntegerContexts::default(),
            iardy: IntegerContexts::default(),
            iaid: SymbolIdContexts::new(code_len)?,
            refine: vec![Context::default(); refine::CONTEXTS],
        })
    }
}

/// Parses a text region's flags (T.88 7.4.3.1.1), SBRAT (7.4.3.1.3) and SBNUMINSTANCES
/// (7.4.3.1.4); returns them with the offset of the coded data. Also gives SBDEFPIXEL.
fn parse_header(data: &[u8]) -> Result<(TextParams, bool, u32, usize)> {
    let mut r = Reader::new(data);
    let word = r.u16("text region flags")?;
    if word & 0x0001 != 0 {
        return Err(Error::unsupported(
            "JBIG2",
            "Huffman-coded text regions are not decoded by scanpress yet",
        ));
    }
    let refine = if word & 0x0002 != 0 {
        let (params, used) = RefineParams::read(word & 0x8000 != 0, r.rest())?;
        r.bytes(used, "refinement AT pixels")?;
        Some(params)
    } else {
        None
    };
    let instances = r.u32("symbol instance count")?;
    // SBDSOFFSET: five bits, two's complement.
    let raw = i64::from((word >> 10) & 0x1F);
    let params = TextParams {
        strips: 1 << ((word >> 2) & 3),
        corner: match (word >> 4) & 3 {
            0 => Corner::BottomLeft,
            1 => Corner::TopLeft,
            2 => Corner::BottomRight,
            _ => Corner::TopRight,
        },
        transposed: word & 0x0040 != 0,
        combination: Combination::from_bits(((word >> 7) & 3) as u8)?,
        ds_offset: if raw & 0x10 != 0 { raw - 32 } else { raw },
        refine,
    };
    let start = data.len() - r.rest().len();
    Ok((params, word & 0x0200 != 0, instances, start))
}

/// Decodes a text region's bitmap, `width` x `height`, from `data`, the segment data after the
/// region segment information field (T.88 7.4.3.1.1 on), placing instances of `symbols`.
pub fn decode_region(
    data: &[u8],
    width: u32,
    height: u32,
    symbols: &[&Bitmap],
    limits: &Limits,
) -> Result<Bitmap> {
    let (params, default_pixel, instances, start) = parse_header(data)?;
    let coded = &data[start..];
    // Each instance costs some bits: bound the count by the data before looping on it.
    if u64::from(instances) > 32 * (coded.len() as u64 + 1) {
        return Err(bad(format!(
            "{instances} symbol instances in {} bytes",
            coded.len()
        )));
    }
    let mut region = Bitmap::new(width, height, limits)?;
    if default_pixel {
        // White to black; the padding stays white.
        region.invert();
    }
    let mut contexts = TextContexts::new(SymbolIdContexts::code_len(symbols.len()))?;
    let mut mq = MqDecoder::new(coded);
    decode_instances(
        &mut mq,
        &mut contexts,
        &mut region,
        &params,
        instances,
        symbols,
        limits,
    )?;
    Ok(region)
}

/// Decodes `instances` symbol instances onto `region` (T.88 6.4.5 steps 2 to 4).
pub(crate) fn decode_instances(
    mq: &mut MqDecoder<'_>,
    cx: &mut TextContexts,
    region: &mut Bitmap,
    params: &TextParams,
    instances: u32,
    symbols: &[&Bitmap],
    limits: &Limits,
) -> Result<()> {
    if instances > 0 && symbols.is_empty() {
        return Err(bad("symbol instances but no symbols"));
    }
    // Coordinates beyond this are garbage, not pages: stop before they overflow.
    let far = 1i64 << 40;
    let check = |v: i64| {
        if v.abs() > far {
            Err(bad(format!("symbol instance coordinate {v}")))
        } else {
            Ok(v)
        }
    };
    // Refined instances are decoded pixel by pixel: bound their pixels by the region's, so a
    // few hostile bytes cannot ask for hours of work.
    let mut refine_budget = 4 * u64::from(region.width()) * u64::from(region.height()) + (1 << 24);
    let mut strip_t = check(-cx.iadt.value(mq, "initial strip T")? * params.strips)?;
    let mut first_s = 0i64;
    let mut placed = 0u32;
    while placed < instances {
        strip_t = check(strip_t + cx.iadt.value(mq, "strip delta T")? * params.strips)?;
        let mut cur_s = 0i64;
        let mut first = true;
        loop {
            if first {
                first_s = check(first_s + cx.iafs.value(mq, "first S")?)?;
                cur_s = first_s;
                first = false;
            } else {
                // The strip ends with OOB, after the region's last instance too (read, and
                // taken as OOB whatever it is, as decoders do).
                let ds = cx.iads.decode(mq);
                let (Some(ds), false) = (ds, placed == instances) else {
                    break;
                };
                cur_s = check(cur_s + ds + params.ds_offset)?;
            }
            let cur_t = if params.strips == 1 {
                0
            } else {
                cx.iait.value(mq, "instance T")?
            };
            let t = check(strip_t + cur_t)?;
            let id = cx.iaid.decode(mq);
            let symbol = *symbols
                .get(id)
                .ok_or_else(|| bad(format!("symbol ID {id} of {}", symbols.len())))?;
            let refined = match &params.refine {
                Some(rp) if cx.iari.value(mq, "refinement flag")? != 0 => {
                    let budget = (limits, &mut refine_budget);
                    Some(decode_refined(mq, cx, symbol, rp, budget)?)
                }
                _ => None,
            };
            let symbol = refined.as_ref().unwrap_or(symbol);
            place(region, symbol, params, &mut cur_s, t);
            placed += 1;
        }
    }
    Ok(())
}

/// A refined instance (T.88 6.4.11.1-4): its size and offset against the symbol, then the
/// refinement of the symbol, TPGRON off; its pixels are taken from `budget` before anything is
/// allocated.
fn decode_refined(
    mq: &mut MqDecoder<'_>,
    cx: &mut TextContexts,
    symbol: &Bitmap,
    params: &RefineParams,
    (limits, budget): (&Limits, &mut u64),
) -> Result<Bitmap> {
    let rdw = cx.iardw.value(mq, "refinement width delta")?;
    let rdh = cx.iardh.value(mq, "refinement height delta")?;
    let rdx = cx.iardx.value(mq, "refinement x offset")?;
    let rdy = cx.iardy.value(mq, "refinement y offset")?;
    let size = |base: u32, delta: i64| {
        u32::try_from(i64::from(base) + delta)
            .map_err(|_| bad(format!("refined symbol dimension {base} + {delta}")))
    };
    let (w, h) = (size(symbol.width(), rdw)?, size(symbol.height(), rdh)?);
    *budget = budget
        .checked_sub(u64::from(w) * u64::from(h))
        .ok_or_else(|| {
            Error::Limits("refined symbol instances far larger than their region".into())
        })?;
    let mut target = Bitmap::new(w, h, limits)?;
    let offset = (rdw.div_euclid(2) + rdx, rdh.div_euclid(2) + rdy);
    let mut params = *params;
    params.tpgron = false;
    refine::decode_into(mq, &mut cx.refine, &mut target, symbol, offset, &params)?;
    Ok(target)
}

/// Draws `symbol` at strip coordinate `t` and the current S, moving S past it (T.88 6.4.5
/// steps 3c vi to x).
fn place(region: &mut Bitmap, symbol: &Bitmap, params: &TextParams, cur_s: &mut i64, t: i64) {
    let (w, h) = (i64::from(symbol.width()), i64::from(symbol.height()));
    let (right, bottom) = match params.corner {
        Corner::TopLeft => (false, false),
        Corner::TopRight => (true, false),
        Corner::BottomLeft => (false, true),
        Corner::BottomRight => (true, true),
    };
    // S runs along the strip: across the width, or down the height when transposed; it moves
    // to the instance's far edge before placing it or after, depending on the corner.
    let (extent, far_first) = if params.transposed {
        (h, bottom)
    } else {
        (w, right)
    };
    if far_first {
        *cur_s += extent - 1;
    }
    let s = *cur_s;
    let (x, y) = if params.transposed {
        (
            if right { t - w + 1 } else { t },
            if bottom { s - h + 1 } else { s },
        )
    } else {
        (
            if right { s - w + 1 } else { s },
            if bottom { t - h + 1 } else { t },
        )
    };
    compose(region, symbol, x, y, params.combination);
    if !far_first {
        *cur_s += extent - 1;
    }
}

/// One symbol instance to code: the symbol's index, where its top-left corner goes, and, for a
/// refined instance, the bitmap it is refined into.
pub struct Instance<'a> {
    /// The index of the symbol in the region's symbols.
    pub id: usize,
    /// The column of the instance's left edge.
    pub x: i64,
    /// The row of the instance's top edge.
    pub y: i64,
    /// The instance's own bitmap, coded as a refinement of the symbol (T.88 6.4.11), or `None`
    /// when the instance is the symbol itself.
    pub refined: Option<&'a Bitmap>,
    /// For a refined instance, where the symbol's top-left corner lies against the instance's
    /// (GRREFERENCEDX, GRREFERENCEDY).
    pub reference_offset: (i64, i64),
}

/// How a text region encoder lays instances out: strips of `strips` rows (1, 2, 4 or 8; SBSTRIPS)
/// and the corner instance coordinates give (REFCORNER: top-left or bottom-left, which puts the
/// letters of a line on one baseline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLayout {
    /// SBSTRIPS.
    pub strips: u32,
    /// Bottom-left rather than top-left corners.
    pub bottom_left: bool,
}

/// Codes a text region's data after the region segment information field (T.88 7.4.3.1): strips
/// and reference corner as `layout` says, OR, and refinement with `refine` when any instance is
/// refined. Instances are coded strip by strip, left to right.
pub fn encode_region(
    instances: &[Instance<'_>],
    symbols: &[&Bitmap],
    refine: Option<&RefineParams>,
    layout: TextLayout,
) -> Result<Vec<u8>> {
    if !matches!(layout.strips, 1 | 2 | 4 | 8) {
        return Err(Error::Parameter(format!("{} rows a strip", layout.strips)));
    }
    let strips = i64::from(layout.strips);
    // Each instance's S, T (its corner's column and row) and bitmap as placed.
    let mut placed = Vec::with_capacity(instances.len());
    for inst in instances {
        let symbol = *symbols
            .get(inst.id)
            .ok_or_else(|| Error::Parameter(format!("no symbol {}", inst.id)))?;
        let bitmap = inst.refined.unwrap_or(symbol);
        let t = if layout.bottom_left {
            inst.y + i64::from(bitmap.height()) - 1
        } else {
            inst.y
        };
        placed.push((t - t.rem_euclid(strips), inst.x, t, inst, symbol, bitmap));
    }
    placed.sort_by_key(|p| (p.0, p.1));
    // Flags (7.4.3.1.1): LOGSBSTRIPS, REFCORNER, SBREFINE and SBRTEMPLATE; then SBRAT.
    let corner = if layout.bottom_left { 0u16 } else { 1 };
    let mut word = (layout.strips.trailing_zeros() as u16) << 2 | corner << 4;
    if let Some(rp) = refine {
        word |= 0x0002 | u16::from(rp.template == RefineTemplate::T1) << 15;
    }
    let mut data = word.to_be_bytes().to_vec();
    if let Some(rp) = refine.filter(|rp| rp.template == RefineTemplate::T0) {
        for (x, y) in rp.at {
            data.extend_from_slice(&[x as u8, y as u8]);
        }
    }
    data.extend_from_slice(&(instances.len() as u32).to_be_bytes());

    let mut mq = MqEncoder::new();
    let mut cx = TextContexts::new(SymbolIdContexts::code_len(symbols.len()))?;
    // STRIPT starts at -IADT * SBSTRIPS: code 0.
    cx.iadt.encode(&mut mq, Some(0));
    let (mut strip_t, mut first_s) = (0i64, 0i64);
    for strip in placed.chunk_by(|a, b| a.0 == b.0) {
        cx.iadt
            .encode(&mut mq, Some((strip[0].0 - strip_t) / strips));
        strip_t = strip[0].0;
        let mut cur_s = 0;
        for (k, &(_, s, t, inst, symbol, bitmap)) in strip.iter().enumerate() {
            if k == 0 {
                cx.iafs.encode(&mut mq, Some(s - first_s));
                first_s = s;
            } else {
                cx.iads.encode(&mut mq, Some(s - cur_s));
            }
            if strips > 1 {
                cx.iait.encode(&mut mq, Some(t - strip_t));
            }
            cx.iaid.encode(&mut mq, inst.id);
            match (refine, inst.refined) {
                (Some(rp), Some(target)) => {
                    cx.iari.encode(&mut mq, Some(1));
                    encode_refined(
                        &mut mq,
                        &mut cx,
                        (symbol, inst.reference_offset),
                        target,
                        rp,
                    );
                }
                (Some(_), None) => cx.iari.encode(&mut mq, Some(0)),
                (None, Some(_)) => {
                    return Err(Error::Parameter(
                        "a refined instance in a region without refinement".into(),
                    ));
                }
                (None, None) => {}
            }
            // Left corners: S moves to the instance's right edge after placing it.
            cur_s = s + i64::from(bitmap.width()) - 1;
        }
        cx.iads.encode(&mut mq, None);
    }
    data.extend(mq.finish());
    Ok(data)
}

/// A refined instance: size deltas and the symbol's offset (T.88 6.4.11), then the refinement,
/// TPGRON off.
fn encode_refined(
    mq: &mut MqEncoder,
    cx: &mut TextContexts,
    (symbol, (dx, dy)): (&Bitmap, (i64, i64)),
    target: &Bitmap,
    params: &RefineParams,
) {
    let rdw = i64::from(target.width()) - i64::from(symbol.width());
    let rdh = i64::from(target.height()) - i64::from(symbol.height());
    // GRREFERENCEDX = floor(RDW / 2) + RDX, and likewise for Y.
    let (rdx, rdy) = (dx - rdw.div_euclid(2), dy - rdh.div_euclid(2));
    cx.iardw.encode(mq, Some(rdw));
    cx.iardh.encode(mq, Some(rdh));
    cx.iardx.encode(mq, Some(rdx));
    cx.iardy.encode(mq, Some(rdy));
    let mut params = *params;
    params.tpgron = false;
    refine::encode_into(mq, &mut cx.refine, target, symbol, (dx, dy), &params);
}
