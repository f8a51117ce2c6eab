//! Text regions (T.88 6.4, 7.4.3): decoding of arithmetic-coded text regions without
//! refinement, as jbig2enc writes them: symbol instances placed strip by strip.

use super::decode::{Combination, compose, fill_black};
use super::integer::{IntegerContexts, SymbolIdContexts};
use super::mq::MqDecoder;
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

fn bad(message: impl Into<String>) -> Error {
    Error::format("JBIG2", message)
}

/// REFCORNER (T.88 7.4.3.1.1): the corner of a symbol instance its coordinates give.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Corner {
    BottomLeft,
    TopLeft,
    BottomRight,
    TopRight,
}

/// The text region flags of T.88 7.4.3.1.1 that decoding without refinement uses.
struct Flags {
    strips: i64,
    corner: Corner,
    transposed: bool,
    combination: Combination,
    default_pixel: bool,
    ds_offset: i64,
}

impl Flags {
    fn parse(word: u16) -> Result<Self> {
        if word & 0x0001 != 0 {
            return Err(Error::unsupported(
                "JBIG2",
                "Huffman-coded text regions are not decoded by scanpress yet",
            ));
        }
        if word & 0x0002 != 0 {
            return Err(Error::unsupported(
                "JBIG2",
                "text regions with refinement are not decoded by scanpress yet",
            ));
        }
        // SBDSOFFSET: five bits, two's complement.
        let raw = i64::from((word >> 10) & 0x1F);
        Ok(Flags {
            strips: 1 << ((word >> 2) & 3),
            corner: match (word >> 4) & 3 {
                0 => Corner::BottomLeft,
                1 => Corner::TopLeft,
                2 => Corner::BottomRight,
                _ => Corner::TopRight,
            },
            transposed: word & 0x0040 != 0,
            combination: Combination::from_bits(((word >> 7) & 3) as u8)?,
            default_pixel: word & 0x0200 != 0,
            ds_offset: if raw & 0x10 != 0 { raw - 32 } else { raw },
        })
    }
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
    let field = |at: usize, n: usize| {
        data.get(at..at + n)
            .ok_or_else(|| bad("truncated text region header"))
    };
    let flags = Flags::parse(u16::from_be_bytes(
        field(0, 2)?.try_into().expect("two bytes"),
    ))?;
    let instances = u32::from_be_bytes(field(2, 4)?.try_into().expect("four bytes"));
    let coded = &data[6..];
    // Each instance costs some bits: bound the count by the data before looping on it.
    if u64::from(instances) > 32 * (coded.len() as u64 + 1) {
        return Err(bad(format!(
            "{instances} symbol instances in {} bytes",
            coded.len()
        )));
    }
    if instances > 0 && symbols.is_empty() {
        return Err(bad("symbol instances but no symbols"));
    }
    let mut region = Bitmap::new(width, height, limits)?;
    if flags.default_pixel {
        fill_black(&mut region);
    }
    let mut mq = MqDecoder::new(coded);
    let mut iadt = IntegerContexts::default();
    let mut iafs = IntegerContexts::default();
    let mut iads = IntegerContexts::default();
    let mut iait = IntegerContexts::default();
    let mut iaid = SymbolIdContexts::new(SymbolIdContexts::code_len(symbols.len()))?;
    // Coordinates beyond this are garbage, not pages: stop before they overflow.
    let far = 1i64 << 40;
    let check = |v: i64| {
        if v.abs() > far {
            Err(bad(format!("symbol instance coordinate {v}")))
        } else {
            Ok(v)
        }
    };

    // T.88 6.4.5: STRIPT, then strip by strip.
    let mut strip_t = check(-iadt.value(&mut mq, "initial strip T")? * flags.strips)?;
    let mut first_s = 0i64;
    let mut placed = 0u32;
    while placed < instances {
        strip_t = check(strip_t + iadt.value(&mut mq, "strip delta T")? * flags.strips)?;
        let mut cur_s = 0i64;
        let mut first = true;
        loop {
            if first {
                first_s = check(first_s + iafs.value(&mut mq, "first S")?)?;
                cur_s = first_s;
                first = false;
            } else {
                // The strip ends with OOB, after the region's last instance too (read, and
                // taken as OOB whatever it is, as decoders do).
                let ds = iads.decode(&mut mq);
                let (Some(ds), false) = (ds, placed == instances) else {
                    break;
                };
                cur_s = check(cur_s + ds + flags.ds_offset)?;
            }
            let cur_t = if flags.strips == 1 {
                0
            } else {
                iait.value(&mut mq, "instance T")?
            };
            let t = check(strip_t + cur_t)?;
            let id = iaid.decode(&mut mq);
            let symbol = *symbols
                .get(id)
                .ok_or_else(|| bad(format!("symbol ID {id} of {}", symbols.len())))?;
            let (w, h) = (i64::from(symbol.width()), i64::from(symbol.height()));
            // 6.4.5 3c vi-x: S moves to the instance's far edge before or after placing it,
            // depending on the reference corner.
            let (right, bottom) = match flags.corner {
                Corner::TopLeft => (false, false),
                Corner::TopRight => (true, false),
                Corner::BottomLeft => (false, true),
                Corner::BottomRight => (true, true),
            };
            let (s_extent, s_far_first) = if flags.transposed {
                (h, bottom)
            } else {
                (w, right)
            };
            if s_far_first {
                cur_s += s_extent - 1;
            }
            let (x, y) = if flags.transposed {
                (
                    if right { t - w + 1 } else { t },
                    if bottom { cur_s - h + 1 } else { cur_s },
                )
            } else {
                (
                    if right { cur_s - w + 1 } else { cur_s },
                    if bottom { t - h + 1 } else { t },
                )
            };
            compose(&mut region, symbol, x, y, flags.combination);
            if !s_far_first {
                cur_s += s_extent - 1;
            }
            placed += 1;
        }
    }
    Ok(region)
}
