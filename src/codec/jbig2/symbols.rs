//! Symbol dictionaries (T.88 6.5, 7.4.2): decoding of arithmetic-coded dictionaries whose
//! symbols are generic regions (SDREFAGG 0), as jbig2enc writes them.

use super::generic::{self, GenericParams, Template};
use super::integer::IntegerContexts;
use super::mq::{Context, MqDecoder};
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

/// The most symbols one dictionary may define, checked before decoding them.
pub const MAX_SYMBOLS: u32 = 1 << 20;

fn bad(message: impl Into<String>) -> Error {
    Error::format("JBIG2", message)
}

fn unsupported(message: &str) -> Error {
    Error::unsupported(
        "JBIG2",
        format!("{message} are not decoded by scanpress yet"),
    )
}

/// Decodes a symbol dictionary segment's data (T.88 7.4.2) whose input symbols, from the
/// dictionaries it refers to, are `input`; returns the exported symbols.
pub fn decode_dictionary(data: &[u8], input: &[&Bitmap], limits: &Limits) -> Result<Vec<Bitmap>> {
    let field = |at: usize, n: usize| {
        data.get(at..at + n)
            .ok_or_else(|| bad("truncated symbol dictionary header"))
    };
    // 7.4.2.1.1: the flags.
    let flags = u16::from_be_bytes(field(0, 2)?.try_into().expect("two bytes"));
    if flags & 0x0001 != 0 {
        return Err(unsupported("Huffman-coded symbol dictionaries"));
    }
    if flags & 0x0002 != 0 {
        return Err(unsupported("refinement and aggregate coded symbols"));
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
    for (i, pair) in field(2, 2 * at_count)?.chunks_exact(2).enumerate() {
        params.at[i] = (pair[0] as i8, pair[1] as i8);
    }
    let mut at = 2 + 2 * at_count;
    // 7.4.2.1.4, 7.4.2.1.5: SDNUMEXSYMS and SDNUMNEWSYMS.
    let exported = u32::from_be_bytes(field(at, 4)?.try_into().expect("four bytes"));
    let new = u32::from_be_bytes(field(at + 4, 4)?.try_into().expect("four bytes"));
    at += 8;
    if new > MAX_SYMBOLS || exported > MAX_SYMBOLS {
        return Err(Error::Limits(format!(
            "symbol dictionary of {new} new and {exported} exported symbols (limit {MAX_SYMBOLS})"
        )));
    }
    let mut mq = MqDecoder::new(&data[at..]);
    let new = decode_new_symbols(&mut mq, new as usize, &params, limits)?;
    export(&mut mq, input, new, exported as usize)
}

/// The new symbols, height class by height class (T.88 6.5.5 steps 4a-4d, generic-coded).
fn decode_new_symbols(
    mq: &mut MqDecoder<'_>,
    count: usize,
    params: &GenericParams,
    limits: &Limits,
) -> Result<Vec<Bitmap>> {
    let (mut iadh, mut iadw) = (IntegerContexts::default(), IntegerContexts::default());
    let mut contexts = vec![Context::default(); generic::CONTEXTS];
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
            generic::decode_into(mq, &mut contexts, &mut symbol, params)?;
            symbols.push(symbol);
        }
    }
    Ok(symbols)
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
