//! Reading a BIE (T.82 6.2): the header, then stripe data entities and the floating marker
//! segments between them (ATMOVE, NEWLEN, COMMENT). One plane; one resolution layer (as T.85 fax
//! and `pbmtojbg -q` write) or several (as `pbmtojbg` does by default), the lowest first, in
//! either stripe order; the same state decodes a whole BIE or, in [`super::incremental`], one
//! arriving (a whole BIE of several layers, on several threads, a thread a layer). BIEs that
//! start above the lowest layer, send high layers first (HITOLO), carry a private DP table with
//! layers, or change the height of a layered image are a clear [`Error::Unsupported`].

use std::ops::Range;

use super::arith::{Decoder, ESC, STUFF};
use super::bie::{HEADER_LEN, Header, bad_jbig, marker, options, order, stripe_rows, unsupported};
use super::differential::DifferentialLayer;
use super::layer::LayerCoder;
use super::lowest::LowestLayer;
use crate::bitmap::Bitmap;
use crate::error::{Error, Result};
use crate::options::Limits;

/// Size of a private deterministic prediction table (T.82 6.2.3).
const DPTABLE_LEN: usize = 1728;

/// A big-endian u32 at `at`.
fn u32_at(data: &[u8], at: usize, what: &str) -> Result<u32> {
    let b = data
        .get(at..at + 4)
        .ok_or_else(|| bad_jbig(format!("truncated in a {what} marker segment")))?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// What the floating marker segments before a stripe said.
#[derive(Default)]
struct Floating {
    /// AT moves: row in the stripe, tx.
    at_moves: Vec<(u32, u32)>,
    /// NEWLEN's height.
    new_height: Option<u32>,
}

/// Reads the floating marker segments at `pos`, up to the next stripe's data.
fn floating(data: &[u8], pos: &mut usize, header: &Header) -> Result<Floating> {
    let mut found = Floating::default();
    while data.get(*pos) == Some(&ESC) {
        let Some(&code) = data.get(*pos + 1) else {
            return Err(bad_jbig("truncated after an escape byte"));
        };
        match code {
            marker::ATMOVE => {
                let row = u32_at(data, *pos + 2, "ATMOVE")?;
                let (tx, ty) = match data.get(*pos + 6..*pos + 8) {
                    Some(b) => (b[0], b[1]),
                    None => return Err(bad_jbig("truncated in an ATMOVE marker segment")),
                };
                if ty != 0 {
                    return Err(unsupported(format!(
                        "an AT pixel {ty} rows up (only moves along the row are decoded)"
                    )));
                }
                if tx > header.mx {
                    return Err(bad_jbig(format!("ATMOVE to tx {tx}, MX is {}", header.mx)));
                }
                found.at_moves.push((row, u32::from(tx)));
                *pos += 8;
            }
            marker::NEWLEN => {
                found.new_height = Some(u32_at(data, *pos + 2, "NEWLEN")?);
                *pos += 6;
            }
            marker::COMMENT => {
                let len = u32_at(data, *pos + 2, "COMMENT")? as usize;
                let end = (*pos + 6)
                    .checked_add(len)
                    .filter(|&e| e <= data.len())
                    .ok_or_else(|| bad_jbig("a COMMENT runs past the end"))?;
                *pos = end;
            }
            marker::ABORT => return Err(bad_jbig("the encoder aborted the image (ABORT)")),
            // The stripe's data, which may start with a stuffed 0xFF or be empty.
            STUFF | marker::SDNORM | marker::SDRST => break,
            other => {
                return Err(bad_jbig(format!("unknown marker 0x{other:02x}")));
            }
        }
    }
    Ok(found)
}

/// Where the stripe data entity at `pos` ends: the position of its SDNORM or SDRST marker.
fn sde_end(data: &[u8], pos: usize) -> Result<usize> {
    let mut i = pos;
    loop {
        match data[i..].iter().position(|&b| b == ESC) {
            None => return Err(bad_jbig("truncated in a stripe's coded data")),
            Some(k) => i += k,
        }
        match data.get(i + 1) {
            Some(&STUFF) => i += 2,
            Some(&(marker::SDNORM | marker::SDRST)) => return Ok(i),
            Some(&marker::ABORT) => return Err(bad_jbig("the encoder aborted the image (ABORT)")),
            Some(other) => {
                return Err(bad_jbig(format!(
                    "marker 0x{other:02x} inside a stripe's coded data"
                )));
            }
            None => return Err(bad_jbig("truncated in a stripe's coded data")),
        }
    }
}

/// The length of the private deterministic prediction table that follows the header, if any
/// (T.82 6.2.3): present when DPON and DPPRIV are set and DPLAST is not.
pub(super) fn private_table_len(header: &Header) -> usize {
    let private = options::DPON | options::DPPRIV;
    if header.options & (private | options::DPLAST) == private {
        DPTABLE_LEN
    } else {
        0
    }
}

/// Decodes a BIE of one plane, in one resolution layer or several.
pub fn decode(data: &[u8], limits: &Limits) -> Result<Bitmap> {
    let header = Header::read(data)?;
    let mut layered = Layered::new(header, limits)?;
    let mut pos = HEADER_LEN + private_table_len(&header);
    if pos > data.len() {
        return Err(bad_jbig("truncated in the private DP table"));
    }
    if header.d > 0 && super::threads() > 1 {
        // If something is wrong with the stripes, it is found and named as they are decoded.
        if let Some(entities) = layered.index(data, pos) {
            return Ok(layered.decode_pipelined(data, entities));
        }
    }
    while layered.step(data, &mut pos)? {}
    if !layered.complete() {
        // A NEWLEN may end the image before its declared stripes; anything else that stopped
        // the stripes short says what is wrong with them.
        if let Some(h) = floating(data, &mut pos, &header)?.new_height {
            layered.shorten(h)?;
        }
        if !layered.complete() {
            sde_end(data, pos)?;
            return Err(bad_jbig("truncated in a stripe's coded data"));
        }
    }
    // A NEWLEN may follow the last stripe of a one-layer BIE.
    if header.d == 0
        && let Some(h) = floating(data, &mut pos, &header)?.new_height
    {
        layered.shorten(h)?;
    }
    Ok(layered.into_page())
}

/// `size` halved `times` times, rounding up: a layer's size (T.82 6.2.2.4).
fn halved(size: u32, times: u8) -> u32 {
    let d = u64::from(size).div_ceil(1 << times);
    d as u32
}

/// Whether the stripe data entity at `pos`, with the floating marker segments before it, has
/// arrived whole.
fn sde_available(data: &[u8], pos: usize) -> bool {
    let mut p = pos;
    while data.get(p) == Some(&ESC) {
        let len = match data.get(p + 1) {
            None => return false,
            Some(&marker::ATMOVE) => 8,
            Some(&marker::NEWLEN) => 6,
            Some(&marker::COMMENT) => match data.get(p + 2..p + 6) {
                None => return false,
                Some(b) => {
                    6usize.saturating_add(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
                }
            },
            Some(_) => break,
        };
        p = p.saturating_add(len);
        if p > data.len() {
            return false;
        }
    }
    let mut i = p;
    while let Some(k) = data
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == ESC))
    {
        i += k;
        match data.get(i + 1) {
            None => return false,
            Some(&STUFF) => i += 2,
            Some(_) => return true,
        }
    }
    false
}

/// A stripe data entity found in a BIE: which stripe it is of its layer, the AT moves the
/// floating marker segments before it gave, where its coded data is, and whether SDRST ends it.
struct Entity {
    stripe: u64,
    at_moves: Vec<(u32, u32)>,
    coded: Range<usize>,
    reset: bool,
}

/// What decodes one layer, stripe after stripe, and the first row after its last SDRST.
struct LayerDecoder {
    coder: LayerCoder,
    top: u32,
}

impl LayerDecoder {
    /// Decodes `entity` of `data`, the `rows` of `layer`; a differential layer reads `low`, the
    /// layer below, whose rows of this stripe end before the row given with it.
    fn stripe(
        &mut self,
        layer: &mut Bitmap,
        low: Option<(&Bitmap, u32)>,
        rows: Range<u32>,
        data: &[u8],
        entity: &Entity,
    ) {
        let mut coder = Decoder::new(&data[entity.coded.clone()]);
        let at = &entity.at_moves;
        match (&mut self.coder, low) {
            (LayerCoder::Lowest(lowest), _) => {
                lowest.decode_rows(layer, rows.clone(), self.top, &mut coder, at);
            }
            (LayerCoder::Differential(differential), Some((low, low_end))) => {
                differential.code_rows(layer, low, rows.clone(), low_end, self.top, &mut coder, at);
            }
            (LayerCoder::Differential(_), None) => {
                unreachable!("a differential layer has one below")
            }
        }
        if entity.reset {
            self.coder.reset();
            self.top = rows.end;
        }
    }
}

/// A stripe's rows of the layer below the page, sent to the page's thread: which rows, and their
/// words.
type Stripe = (Range<u32>, Vec<u64>);

/// A BIE of resolution layers part-way through decoding: the layers so far, each layer's coding
/// state, and which stripe data entity comes next (T.82 6.2.4, 6.7).
pub(super) struct Layered {
    header: Header,
    /// The layers, lowest first, and what decodes each.
    layers: Vec<Bitmap>,
    decoders: Vec<LayerDecoder>,
    /// The (stripe, layer) of each SDE, in the BIE's order, and how many are done.
    sequence: Vec<(u64, u8)>,
    done: usize,
    /// The image's height, which NEWLEN may shorten in a one-layer BIE (T.82 6.2.6.2).
    height: u32,
}

impl Layered {
    /// Checks the header and allocates the layers.
    pub(super) fn new(header: Header, limits: &Limits) -> Result<Layered> {
        if header.dl != 0 {
            return Err(unsupported(
                "a BIE that starts above the lowest resolution layer",
            ));
        }
        if header.planes != 1 {
            return Err(unsupported(format!("{} bit planes", header.planes)));
        }
        if header.d > 0 && header.order & order::HITOLO != 0 {
            return Err(unsupported("high resolution layers sent first (HITOLO)"));
        }
        let private_table = options::DPON | options::DPPRIV;
        if header.d > 0 && header.options & private_table == private_table {
            return Err(unsupported("a private deterministic prediction table"));
        }
        if header.d > 24 {
            return Err(bad_jbig(format!("{} resolution layers", header.d)));
        }
        limits
            .check_pixels(header.width, header.height)
            .map_err(|e| match e {
                Error::Limits(m) if header.options & options::VLENGTH != 0 => Error::Limits(
                    format!("{m} (a height to be given by NEWLEN is not decoded yet)"),
                ),
                e => e,
            })?;
        let d = header.d;
        let mut layers = Vec::with_capacity(usize::from(d) + 1);
        for k in 0..=d {
            layers.push(Bitmap::new(
                halved(header.width, d - k),
                halved(header.height, d - k),
                limits,
            )?);
        }
        let lowest = LayerCoder::Lowest(LowestLayer::new(
            header.options & options::LRLTWO != 0,
            header.options & options::TPBON != 0,
        ));
        let decoders = std::iter::once(lowest)
            .chain((0..d).map(|_| {
                LayerCoder::Differential(DifferentialLayer::new(
                    header.options & options::TPDON != 0,
                    header.options & options::DPON != 0,
                ))
            }))
            .map(|coder| LayerDecoder { coder, top: 0 })
            .collect();
        let stripes = u64::from(header.height).div_ceil(u64::from(header.l0) << d);
        // SEQ: each stripe through every layer; otherwise every stripe of a layer, layer by layer.
        let sequence: Vec<(u64, u8)> = if header.order & order::SEQ != 0 {
            (0..stripes)
                .flat_map(|s| (0..=d).map(move |k| (s, k)))
                .collect()
        } else {
            (0..=d)
                .flat_map(|k| (0..stripes).map(move |s| (s, k)))
                .collect()
        };
        Ok(Layered {
            header,
            layers,
            decoders,
            sequence,
            done: 0,
            height: header.height,
        })
    }

    /// Takes NEWLEN's height `h` (T.82 6.2.6.2): only a one-layer BIE, and only shorter.
    pub(super) fn shorten(&mut self, h: u32) -> Result<()> {
        if self.header.d > 0 {
            return Err(unsupported("NEWLEN in a BIE of several resolution layers"));
        }
        if h == 0 || h > self.height {
            return Err(bad_jbig(format!(
                "NEWLEN {h} is not below the height {}",
                self.height
            )));
        }
        self.height = h;
        // Stripes wholly below the new height will not come.
        let l0 = u64::from(self.header.l0);
        let stripes = u64::from(h).div_ceil(l0) as usize;
        self.sequence.truncate(stripes.max(self.done));
        Ok(())
    }

    /// How many stripe data entities are decoded.
    pub(super) fn entities_done(&self) -> usize {
        self.done
    }

    /// Whether every stripe of every layer is decoded.
    pub(super) fn complete(&self) -> bool {
        self.done == self.sequence.len()
    }

    /// How many layers, from the lowest, are decoded whole.
    pub(super) fn layers_complete(&self) -> usize {
        let remaining = &self.sequence[self.done..];
        (0..self.layers.len())
            .take_while(|&k| remaining.iter().all(|&(_, l)| usize::from(l) != k))
            .count()
    }

    /// How many rows of layer `k`, from the top, are decoded.
    pub(super) fn rows_done(&self, k: usize) -> u32 {
        let stripes = self.sequence[..self.done]
            .iter()
            .filter(|&&(_, l)| usize::from(l) == k)
            .count() as u64;
        let rows = stripes * (u64::from(self.header.l0) << k);
        rows.min(u64::from(self.layers[k].height())) as u32
    }

    /// Layer `k`, lowest 0.
    pub(super) fn layer(&self, k: usize) -> &Bitmap {
        &self.layers[k]
    }

    /// How many layers there are.
    pub(super) fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Decodes the next stripe data entity at `pos` if it has arrived whole, moving `pos` past
    /// it; `false` when more bytes are needed (or everything is done).
    pub(super) fn step(&mut self, data: &[u8], pos: &mut usize) -> Result<bool> {
        if self.complete() || !sde_available(data, *pos) {
            return Ok(false);
        }
        let header = self.header;
        let found = floating(data, pos, &header)?;
        if let Some(h) = found.new_height {
            self.shorten(h)?;
            if self.complete() {
                return Ok(true);
            }
        }
        let end = sde_end(data, *pos)?;
        let (stripe, k) = self.sequence[self.done];
        let k = usize::from(k);
        let entity = Entity {
            stripe,
            at_moves: found.at_moves,
            coded: *pos..end,
            reset: data[end + 1] == marker::SDRST,
        };
        self.decode_stripe(k, stripe, data, &entity);
        *pos = end + 2;
        self.done += 1;
        Ok(true)
    }

    /// Decodes `entity`, stripe `stripe` of layer `k`, against the layer below.
    fn decode_stripe(&mut self, k: usize, stripe: u64, data: &[u8], entity: &Entity) {
        let rows = self.rows(k, stripe);
        let low_end = (k > 0).then(|| self.rows(k - 1, stripe).end);
        let (below, above) = self.layers.split_at_mut(k);
        let low = below.last().zip(low_end);
        self.decoders[k].stripe(&mut above[0], low, rows, data, entity);
    }

    /// Every stripe data entity of a whole BIE of several layers from `pos`, by layer, in the
    /// order of its stripes; `None` if any is missing or has something wrong with it (as
    /// [`Layered::step`] would find, decoding them one after another).
    fn index(&self, data: &[u8], mut pos: usize) -> Option<Vec<Vec<Entity>>> {
        let mut layers: Vec<Vec<Entity>> = (0..self.layers.len()).map(|_| Vec::new()).collect();
        for &(stripe, k) in &self.sequence {
            let found = floating(data, &mut pos, &self.header).ok()?;
            if found.new_height.is_some() {
                return None;
            }
            // Missing or cut short, the entity has no end.
            let end = sde_end(data, pos).ok()?;
            layers[usize::from(k)].push(Entity {
                stripe,
                at_moves: found.at_moves,
                coded: pos..end,
                reset: data[end + 1] == marker::SDRST,
            });
            pos = end + 2;
        }
        Some(layers)
    }

    /// Decodes the `entities` of every layer (from [`Layered::index`]) side by side: the page on
    /// this thread, against a copy of the layer below it that is sent each stripe's rows of that
    /// layer as the layers below are decoded, stripe by stripe, lowest first, as
    /// [`Layered::step`] decodes them, ahead on a helper thread
    /// ([`crate::processors::make_beside`]). The same pixels as decoding the stripes one after
    /// another.
    ///
    /// The page's layer is most of the work (each layer below has a quarter of the pixels of the
    /// one above), so two threads are enough: with a thread a layer, feyn's page waited 3-7 ms in
    /// most runs for the two below, which took turns on the other processor.
    fn decode_pipelined(mut self, data: &[u8], mut entities: Vec<Vec<Entity>>) -> Bitmap {
        let l0 = self.header.l0;
        let top = self.layers.len() - 1;
        let mut page = self.layers.pop().expect("at least one layer");
        let mut page_decoder = self.decoders.pop().expect("a decoder a layer");
        let page_entities = entities.pop().expect("entities a layer");
        // The page's copy of the layer below, filled in as its stripes are decoded.
        let mut low = self.layers[top - 1].white_like();
        let decode_below = |layers: &mut Layered, i: usize| -> Stripe {
            for (k, layer) in entities.iter().enumerate() {
                layers.decode_stripe(k, layer[i].stripe, data, &layer[i]);
            }
            let rows = layers.rows(top - 1, entities[top - 1][i].stripe);
            let words = layers.layers[top - 1].rows_words(rows.clone()).to_vec();
            (rows, words)
        };
        let stripes = page_entities.len();
        crate::processors::make_beside(self, stripes, decode_below, |i, (rows, words)| {
            low.copy_rows_in(rows.start, &words);
            let entity = &page_entities[i];
            let page_rows = stripe_rows(l0, top, entity.stripe, page.height());
            page_decoder.stripe(&mut page, Some((&low, rows.end)), page_rows, data, entity);
        });
        page
    }

    /// The rows of layer `k` in `stripe`.
    fn rows(&self, k: usize, stripe: u64) -> Range<u32> {
        let layer_height = if self.header.d == 0 {
            self.height
        } else {
            self.layers[k].height()
        };
        stripe_rows(self.header.l0, k, stripe, layer_height)
    }

    /// The full-resolution page, once complete, at the height NEWLEN may have given it.
    pub(super) fn into_page(mut self) -> Bitmap {
        let page = self.layers.pop().expect("at least one layer");
        if self.height < page.height() {
            page.crop(0, 0, page.width(), self.height)
        } else {
            page
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::jbig1::encode::{Params, encode};

    /// A BIE of several layers decodes to the same page with its layers side by side (several
    /// threads) as one stripe after another (one), and a cut or corrupted one to the same error.
    #[test]
    fn layers_decode_alike_on_any_number_of_threads() {
        let limits = Limits::default();
        let page = crate::codec::jbig1::banded_page(613, 409, 40);
        let params = Params {
            layers: 2,
            stripe_rows: Some(9),
            ..Params::default()
        };
        let bie = encode(&page, &params, &limits).unwrap();
        let on = |threads: usize, data: &[u8]| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| decode(data, &limits).map_err(|e| e.to_string()))
        };
        assert_eq!(on(3, &bie), Ok(page.clone()));
        assert_eq!(on(1, &bie), Ok(page));
        let mut corrupt = bie.clone();
        let at = corrupt.len() / 2;
        corrupt[at..at + 2].copy_from_slice(&[ESC, 0x7f]);
        for data in [&bie[..bie.len() - 3], &corrupt[..]] {
            let one = on(1, data);
            assert!(one.is_err());
            assert_eq!(on(3, data), one);
        }
    }
}
