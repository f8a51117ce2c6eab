//! Integers and symbol IDs coded with the MQ coder (T.88 Annex A.2 and A.3): the IAx
//! procedures of symbol dictionaries and text regions, and IAID.

use super::mq::{Context, MqDecoder};
use crate::error::{Error, Result};

/// The 512 contexts of one IAx procedure (IADH, IADW, IAEX, IADT, IAFS, IADS, IAIT, ...).
pub struct IntegerContexts(Vec<Context>);

impl Default for IntegerContexts {
    fn default() -> Self {
        IntegerContexts(vec![Context::default(); 512])
    }
}

impl IntegerContexts {
    /// One bit in context PREV, then PREV's update (T.88 A.2, after Figure A.1): PREV keeps its
    /// leading one and the last eight bits once it has nine.
    fn bit(&mut self, mq: &mut MqDecoder<'_>, prev: &mut u32) -> u32 {
        let d = u32::from(mq.decode(&mut self.0[(*prev & 0x1FF) as usize]));
        *prev = if *prev < 256 {
            (*prev << 1) | d
        } else {
            (((*prev << 1) | d) & 511) | 256
        };
        d
    }

    fn bits(&mut self, mq: &mut MqDecoder<'_>, prev: &mut u32, n: u32) -> u32 {
        (0..n).fold(0, |v, _| (v << 1) | self.bit(mq, prev))
    }

    /// Decodes one integer (T.88 A.2, Table A.1); `None` is OOB.
    pub fn decode(&mut self, mq: &mut MqDecoder<'_>) -> Option<i64> {
        let mut prev = 1;
        let s = self.bit(mq, &mut prev);
        // The prefix says how many bits follow and what to add to them (Table A.1).
        let (n, offset) = if self.bit(mq, &mut prev) == 0 {
            (2, 0)
        } else if self.bit(mq, &mut prev) == 0 {
            (4, 4)
        } else if self.bit(mq, &mut prev) == 0 {
            (6, 20)
        } else if self.bit(mq, &mut prev) == 0 {
            (8, 84)
        } else if self.bit(mq, &mut prev) == 0 {
            (12, 340)
        } else {
            (32, 4436)
        };
        let v = i64::from(self.bits(mq, &mut prev, n)) + offset;
        match (s, v) {
            (1, 0) => None,
            (1, v) => Some(-v),
            (_, v) => Some(v),
        }
    }

    /// Decodes an integer that may not be OOB.
    pub fn value(&mut self, mq: &mut MqDecoder<'_>, what: &str) -> Result<i64> {
        self.decode(mq)
            .ok_or_else(|| Error::format("JBIG2", format!("{what} is OOB")))
    }
}

/// The contexts of IAID for symbol codes of `len` bits (T.88 A.3).
pub struct SymbolIdContexts {
    contexts: Vec<Context>,
    len: u32,
}

impl SymbolIdContexts {
    /// The longest symbol code accepted: 2^20 symbols, 2 MiB of contexts.
    pub const MAX_LEN: u32 = 20;

    /// Contexts for codes of `len` bits, at most [`SymbolIdContexts::MAX_LEN`].
    pub fn new(len: u32) -> Result<Self> {
        if len > Self::MAX_LEN {
            return Err(Error::Limits(format!(
                "symbol codes of {len} bits (more than 2^{} symbols)",
                Self::MAX_LEN
            )));
        }
        Ok(SymbolIdContexts {
            contexts: vec![Context::default(); 1 << len],
            len,
        })
    }

    /// The code length for `count` symbols: ceil(log2(count)) (T.88 7.4.3.1.7, 6.5.8.2.3).
    pub fn code_len(count: usize) -> u32 {
        usize::BITS - count.saturating_sub(1).leading_zeros()
    }

    /// Decodes a symbol ID (T.88 A.3).
    pub fn decode(&mut self, mq: &mut MqDecoder<'_>) -> usize {
        let mut prev = 1usize;
        for _ in 0..self.len {
            prev = (prev << 1) | usize::from(mq.decode(&mut self.contexts[prev]));
        }
        prev - (1 << self.len)
    }
}
