//! Symbol dictionaries (T.88 6.5, 7.4.2), arithmetic-coded, their symbols coded as generic
//! regions (SDREFAGG 0, as jbig2enc writes them), or as refinements of earlier symbols and
//! aggregates of them (SDREFAGG 1): decoding of all of these, encoding of generic and refined
//! symbols.

use super::decode::{Combination, Reader, bad};
use super::generic::{self, GenericParams, Template};
use super::integer::{IntegerContexts, SymbolIdContexts};
use super::mq::{Context, MqDecoder, MqEncoder};
use super::refine::{self, RefineParams, RefineTemplate};
use super::text::{self, Corner, TextContexts, TextParams};
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

/// The most symbols one dictionary may define, checked before decoding them.
pub const MAX_SYMBOLS: u32 = 1 << 20;

fn unsupported(message: &str) -> Error {
    Error::unsupported(
        "JBIG2",
        format!("{message} are not decoded by scanpress yet"),
    )
}

/// Decodes a symbol dictionary segment's data (T.88 7.4.2) whose input symbols, from the
/// dictionaries it refers to, are `input`; returns the exported symbols.
pub fn decode_dictionary(data: &[u8], input: &[&Bitmap], limits: &Limits) -> Result<Vec<Bitmap>> {
    let mut r = Reader::new(data);
    // 7.4.2.1.1: the flags.
    let flags = r.u16("symbol dictionary flags")?;
    if flags & 0x0001 != 0 {
        return Err(unsupported("Huffman-coded symbol dictionaries"));
    }
    if flags & 0x0100 != 0 {
        return Err(unsupported(
            "symbol dictionaries that reuse a dictionary's contexts",
        ));
    }
    let template = Template::from_bits((flags >> 10) as u8);
    // 7.4.2.1.2: the AT pixels.
    let mut params = GenericParams::nominal(template);
    params.tpgdon = false;
    let at_count = template.nominal_at().len();
    for (i, pair) in r
        .bytes(2 * at_count, "AT pixels")?
        .chunks_exact(2)
        .enumerate()
    {
        params.at[i] = (pair[0] as i8, pair[1] as i8);
    }
    // 7.4.2.1.3: SDRTEMPLATE's AT pixels, when symbols are refined or aggregated.
    let refagg = if flags & 0x0002 != 0 {
        let (rp, used) = RefineParams::read(flags & 0x1000 != 0, r.rest())?;
        r.bytes(used, "refinement AT pixels")?;
        Some(rp)
    } else {
        None
    };
    // 7.4.2.1.4, 7.4.2.1.5: SDNUMEXSYMS and SDNUMNEWSYMS.
    let exported = r.u32("exported symbol count")?;
    let new = r.u32("new symbol count")?;
    if new > MAX_SYMBOLS || exported > MAX_SYMBOLS {
        return Err(Error::Limits(format!(
            "symbol dictionary of {new} new and {exported} exported symbols (limit {MAX_SYMBOLS})"
        )));
    }
    let mut mq = MqDecoder::new(r.rest());
    let coding = Coding {
        generic: params,
        refagg,
    };
    let new = decode_new_symbols(&mut mq, input, new as usize, &coding, limits)?;
    export(&mut mq, input, new, exported as usize)
}

/// How a dictionary's symbols are coded.
struct Coding {
    /// SDTEMPLATE and SDAT, for generic-coded symbols.
    generic: GenericParams,
    /// SDRTEMPLATE and SDRAT when SDREFAGG is 1.
    refagg: Option<RefineParams>,
}

/// The new symbols, height class by height class (T.88 6.5.5 steps 4a-4d).
fn decode_new_symbols(
    mq: &mut MqDecoder<'_>,
    input: &[&Bitmap],
    count: usize,
    coding: &Coding,
    limits: &Limits,
) -> Result<Vec<Bitmap>> {
    let (mut iadh, mut iadw) = (IntegerContexts::default(), IntegerContexts::default());
    let mut contexts = vec![Context::default(); generic::CONTEXTS];
    // Refined and aggregate symbols: IAAI, and the text region contexts, whose IAID codes any
    // input or new symbol (6.5.8.2.3).
    let mut iaai = IntegerContexts::default();
    let mut text_contexts = match coding.refagg {
        Some(_) => Some(TextContexts::new(SymbolIdContexts::code_len(
            input.len() + count,
        ))?),
        None => None,
    };
    let mut symbols = Vec::with_capacity(count.min(4096));
    let max = i64::from(limits.max_dimension);
    let mut pixels = 0u64;
    let mut height = 0i64;
    let mut classes = 0usize;
    while symbols.len() < count {
        // A height class may be empty; bound their number so that a stream that decodes OOB
        // widths for ever ends.
        classes += 1;
        if classes > count + 16 {
            return Err(bad("height classes without symbols"));
        }
        height += iadh.value(mq, "height class delta")?;
        if !(0..=max).contains(&height) {
            return Err(bad(format!("symbol height {height}")));
        }
        let mut width = 0i64;
        // Symbols of this height until the OOB width delta (6.5.5 step 4c).
        while let Some(dw) = iadw.decode(mq) {
            if symbols.len() == count {
                return Err(bad(format!("more than the {count} symbols declared")));
            }
            width += dw;
            if !(0..=max).contains(&width) {
                return Err(bad(format!("symbol width {width}")));
            }
            // All the symbols together are held in memory: bound them as one page.
            pixels += (width * height) as u64;
            if pixels > limits.max_pixels {
                return Err(Error::Limits(format!(
                    "symbols of more than {} pixels in all",
                    limits.max_pixels
                )));
            }
            let mut symbol = Bitmap::new(width as u32, height as u32, limits)?;
            match (&coding.refagg, &mut text_contexts) {
                (Some(rp), Some(tc)) => {
                    let instances = iaai.value(mq, "aggregate instance count")?;
                    decode_refagg(
                        mq,
                        tc,
                        &mut symbol,
                        instances,
                        (input, &symbols),
                        rp,
                        limits,
                    )?;
                }
                _ => generic::decode_into(mq, &mut contexts, &mut symbol, &coding.generic)?,
            }
            symbols.push(symbol);
        }
    }
    Ok(symbols)
}

/// A refined symbol (one instance, 6.5.8.2.2) or an aggregate of instances of earlier symbols
/// placed by the text region procedure (6.5.8.2.1), into the white `symbol`.
fn decode_refagg(
    mq: &mut MqDecoder<'_>,
    cx: &mut TextContexts,
    symbol: &mut Bitmap,
    instances: i64,
    (input, new): (&[&Bitmap], &[Bitmap]),
    params: &RefineParams,
    limits: &Limits,
) -> Result<()> {
    let known = input.len() + new.len();
    if instances == 1 {
        let id = cx.iaid.decode(mq);
        let reference = match id.checked_sub(input.len()) {
            None => input[id],
            Some(j) => new
                .get(j)
                .ok_or_else(|| bad(format!("refinement of symbol {id} of {known}")))?,
        };
        let rdx = cx.iardx.value(mq, "refinement x offset")?;
        let rdy = cx.iardy.value(mq, "refinement y offset")?;
        let mut params = *params;
        params.tpgron = false;
        return refine::decode_into(mq, &mut cx.refine, symbol, reference, (rdx, rdy), &params);
    }
    let instances = u32::try_from(instances)
        .ok()
        .filter(|&n| n > 1 && n <= 1 << 16)
        .ok_or_else(|| bad(format!("aggregate of {instances} instances")))?;
    let symbols: Vec<&Bitmap> = input.iter().copied().chain(new).collect();
    let params = TextParams {
        strips: 1,
        corner: Corner::TopLeft,
        transposed: false,
        combination: Combination::Or,
        ds_offset: 0,
        refine: Some(*params),
    };
    text::decode_instances(mq, cx, symbol, &params, instances, &symbols, limits)
}

/// The exported symbols (T.88 6.5.10): runs, alternately not exported and exported, over the
/// input symbols followed by the new ones.
fn export(
    mq: &mut MqDecoder<'_>,
    input: &[&Bitmap],
    new: Vec<Bitmap>,
    count: usize,
) -> Result<Vec<Bitmap>> {
    let total = input.len() + new.len();
    let mut iaex = IntegerContexts::default();
    let mut new: Vec<Option<Bitmap>> = new.into_iter().map(Some).collect();
    let mut exported = Vec::with_capacity(count);
    let (mut index, mut export) = (0usize, false);
    // Runs of length 0 are legal but make no progress: bound their number, so that a stream
    // that decodes zeros for ever ends.
    let mut runs = 0usize;
    while index < total {
        runs += 1;
        if runs > 2 * total + 2 {
            return Err(bad("export runs that do not cover the symbols"));
        }
        let run = iaex.value(mq, "export run length")?;
        let end = usize::try_from(run)
            .ok()
            .and_then(|r| index.checked_add(r))
            .filter(|&e| e <= total)
            .ok_or_else(|| bad(format!("export run of {run} past the {total} symbols")))?;
        if export {
            if end - index > count - exported.len() {
                return Err(bad(format!(
                    "more than the {count} symbols declared exported"
                )));
            }
            for i in index..end {
                match i.checked_sub(input.len()) {
                    None => exported.push(input[i].clone()),
                    Some(j) => exported.extend(new[j].take()),
                }
            }
        }
        index = end;
        export = !export;
    }
    if exported.len() != count {
        return Err(bad(format!(
            "{} symbols exported where {count} were declared",
            exported.len()
        )));
    }
    Ok(exported)
}

/// How the new symbols of a dictionary are coded.
pub enum SymbolCoding<'a> {
    /// Each as a generic region (SDREFAGG 0).
    Generic(GenericParams),
    /// Each as a refinement of an earlier symbol, input or new, by index, with that symbol's
    /// top-left corner at the given offset in it (SDREFAGG 1, one instance a symbol).
    Refined(RefineParams, &'a [(usize, (i64, i64))]),
}

/// Codes a symbol dictionary segment's data (T.88 7.4.2): `new` symbols, grouped in height
/// classes as they come (consecutive symbols of one height), coded as `coding` says, over the
/// `input` symbols of the dictionaries it refers to; `export` says, for each input then new
/// symbol, whether the dictionary exports it.
pub fn encode_dictionary(
    input: &[&Bitmap],
    new: &[&Bitmap],
    coding: &SymbolCoding<'_>,
    export: &[bool],
) -> Result<Vec<u8>> {
    if export.len() != input.len() + new.len() {
        return Err(Error::Parameter(format!(
            "{} export flags for {} symbols",
            export.len(),
            input.len() + new.len()
        )));
    }
    // Flags (7.4.2.1.1), SDAT, SDRAT, SDNUMEXSYMS and SDNUMNEWSYMS.
    let (generic, refine) = match coding {
        SymbolCoding::Generic(p) => (*p, None),
        SymbolCoding::Refined(rp, refs) => {
            if refs.len() != new.len() {
                return Err(Error::Parameter("one reference a refined symbol".into()));
            }
            (GenericParams::nominal(Template::T0), Some((rp, *refs)))
        }
    };
    let mut flags = u16::from(generic.template.bits()) << 10;
    if let Some((rp, _)) = refine {
        flags |= 0x0002 | u16::from(rp.template == RefineTemplate::T1) << 12;
    }
    let mut data = flags.to_be_bytes().to_vec();
    for &(x, y) in generic.at_pixels() {
        data.extend_from_slice(&[x as u8, y as u8]);
    }
    if let Some((rp, _)) = refine.filter(|(rp, _)| rp.template == RefineTemplate::T0) {
        for (x, y) in rp.at {
            data.extend_from_slice(&[x as u8, y as u8]);
        }
    }
    let exported = export.iter().filter(|&&e| e).count() as u32;
    data.extend_from_slice(&exported.to_be_bytes());
    data.extend_from_slice(&(new.len() as u32).to_be_bytes());

    let mut mq = MqEncoder::new();
    let (mut iadh, mut iadw) = (IntegerContexts::default(), IntegerContexts::default());
    let mut contexts = vec![Context::default(); generic::CONTEXTS];
    let mut iaai = IntegerContexts::default();
    let mut tc = TextContexts::new(SymbolIdContexts::code_len(input.len() + new.len()))?;
    let mut generic = generic;
    generic.tpgdon = false;
    let mut height = 0i64;
    let mut index = 0;
    for class in new.chunk_by(|a, b| a.height() == b.height()) {
        iadh.encode(&mut mq, Some(i64::from(class[0].height()) - height));
        height = i64::from(class[0].height());
        let mut width = 0i64;
        for symbol in class {
            iadw.encode(&mut mq, Some(i64::from(symbol.width()) - width));
            width = i64::from(symbol.width());
            match refine {
                None => generic::encode_into(&mut mq, &mut contexts, symbol, &generic),
                Some((rp, refs)) => {
                    let (id, offset) = refs[index];
                    let reference = match id.checked_sub(input.len()) {
                        None => input[id],
                        Some(j) if j < index => new[j],
                        Some(_) => {
                            return Err(Error::Parameter(format!(
                                "symbol {index} refines symbol {id}, which is not before it"
                            )));
                        }
                    };
                    // One instance: the symbol is a refinement of `reference`, whose corner is
                    // at (RDX, RDY) in it (6.5.8.2.2).
                    iaai.encode(&mut mq, Some(1));
                    tc.iaid.encode(&mut mq, id);
                    tc.iardx.encode(&mut mq, Some(offset.0));
                    tc.iardy.encode(&mut mq, Some(offset.1));
                    let mut rp = *rp;
                    rp.tpgron = false;
                    refine::encode_into(&mut mq, &mut tc.refine, symbol, reference, offset, &rp);
                }
            }
            index += 1;
        }
        iadw.encode(&mut mq, None);
    }
    // Export runs (6.5.10), alternately not exported and exported, from "not exported".
    let mut iaex = IntegerContexts::default();
    let mut state = false;
    let mut run = 0i64;
    for &e in export {
        if e != state {
            iaex.encode(&mut mq, Some(run));
            state = e;
            run = 0;
        }
        run += 1;
    }
    iaex.encode(&mut mq, Some(run));
    data.extend(mq.finish());
    Ok(data)
}
