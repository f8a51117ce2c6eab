//! The viewer's decoder: bytes are pushed as they arrive over the line, and at any moment the best
//! image so far can be had: the highest resolution layer whose last byte is in (or its pixels
//! repeated to the page's size, with the stripes of the next layer decoded so far over it). Only the
//! stripe data entity still arriving is kept besides the layers.

use super::bie::{HEADER_LEN, Header};
use super::decode::{Layered, private_table_len};
use crate::bitmap::Bitmap;
use crate::error::Result;
use crate::options::Limits;

/// A BIE being received.
pub struct IncrementalDecoder {
    limits: Limits,
    /// Bytes received but not yet decoded: at most the header and the entity still arriving.
    pending: Vec<u8>,
    /// Bytes of the stream before `pending`.
    consumed: u64,
    layered: Option<Layered>,
    /// Where in the stream each complete layer's last byte is.
    layer_ends: Vec<u64>,
}

impl IncrementalDecoder {
    /// A decoder waiting for the first bytes of a BIE.
    pub fn new(limits: Limits) -> Self {
        IncrementalDecoder {
            limits,
            pending: Vec::new(),
            consumed: 0,
            layered: None,
            layer_ends: Vec::new(),
        }
    }

    /// Takes the next bytes of the stream and decodes every stripe that is now whole.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let waiting = (self.pending.len() + bytes.len()) as u64;
        if waiting > self.limits.max_input_bytes {
            return Err(crate::error::Error::Limits(format!(
                "{waiting} bytes without the end of a stripe"
            )));
        }
        self.pending.extend_from_slice(bytes);
        if self.layered.is_none() {
            if self.pending.len() < HEADER_LEN {
                return Ok(());
            }
            let header = Header::read(&self.pending)?;
            // A one-layer BIE may still carry a private DP table, which it does not use.
            let table = private_table_len(&header);
            if self.pending.len() < HEADER_LEN + table {
                return Ok(());
            }
            self.layered = Some(Layered::new(header, &self.limits)?);
            self.pending.drain(..HEADER_LEN + table);
            self.consumed = (HEADER_LEN + table) as u64;
        }
        let layered = self.layered.as_mut().expect("the header is read");
        let mut pos = 0;
        while layered.step(&self.pending, &mut pos)? {
            while self.layer_ends.len() < layered.layers_complete() {
                self.layer_ends.push(self.consumed + pos as u64);
            }
        }
        self.pending.drain(..pos);
        self.consumed += pos as u64;
        Ok(())
    }

    /// How many stripes (of any layer) are decoded: the preview changes when this does.
    pub fn stripes_done(&self) -> usize {
        self.layered.as_ref().map_or(0, Layered::entities_done)
    }

    /// Whether the whole image is in.
    pub fn is_complete(&self) -> bool {
        self.layered.as_ref().is_some_and(Layered::complete)
    }

    /// Where in the stream the last byte of each layer decoded so far is, lowest first.
    pub fn layer_ends(&self) -> &[u64] {
        &self.layer_ends
    }

    /// The highest resolution layer decoded whole, if any, and how many times it is halved
    /// against the page.
    pub fn best_layer(&self) -> Option<(&Bitmap, u32)> {
        let layered = self.layered.as_ref()?;
        let k = layered.layers_complete().checked_sub(1)?;
        let halvings = (layered.layer_count() - 1 - k) as u32;
        Some((layered.layer(k), halvings))
    }

    /// The best image so far at the page's size: the best complete layer with each pixel
    /// repeated, and over it the stripes of the next layer decoded so far; `None` before any
    /// stripe is in.
    pub fn preview(&self) -> Option<Bitmap> {
        let layered = self.layered.as_ref()?;
        let count = layered.layer_count();
        let complete = layered.layers_complete();
        let page = layered.layer(count - 1);
        if complete == count {
            return Some(page.clone());
        }
        // The next layer's decoded rows, and the best complete layer under them.
        let next = complete;
        let next_rows = layered.rows_done(next);
        if complete == 0 && next_rows == 0 {
            return None;
        }
        let mut out = Bitmap::new(page.width(), page.height(), &self.limits).ok()?;
        let source = |k: usize| (layered.layer(k), (count - 1 - k) as u32);
        let (fine, fine_halvings) = source(next);
        let coarse = complete.checked_sub(1).map(source);
        for y in 0..page.height() {
            let (layer, halvings) = if y >> fine_halvings < next_rows {
                (fine, fine_halvings)
            } else if let Some(c) = coarse {
                c
            } else {
                continue;
            };
            for x in 0..page.width() {
                if layer.get(x >> halvings, y >> halvings) {
                    out.set(x, y, true);
                }
            }
        }
        Some(out)
    }
}
