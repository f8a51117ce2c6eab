//! Integers and symbol IDs coded with the MQ coder (T.88 Annex A.2 and A.3): the IAx
//! procedures of symbol dictionaries and text regions, and IAID, both ways.

use super::mq::{Context, MqDecoder, MqEncoder};
use crate::error::{Error, Result};

/// The 512 contexts of one IAx procedure (IADH, IADW, IAEX, IADT, IAFS, IADS, IAIT, ...).
pub struct IntegerContexts(Vec<Context>);

impl Default for IntegerContexts {
    fn default() -> Self {
        IntegerContexts(vec![Context::default(); 512])
    }
}

/// The value ranges of Table A.1: prefix length, then the bits that follow and what they add.
const RANGES: [(u32, u32, i64); 6] = [
    (1, 2, 0),
    (2, 4, 4),
    (3, 6, 20),
    (4, 8, 84),
    (5, 12, 340),
    (5, 32, 4436),
];

impl IntegerContexts {
    /// Codes one bit in context PREV, updating PREV as [`IntegerContexts::bit`] does.
    fn encode_bit(&mut self, mq: &mut MqEncoder, prev: &mut u32, d: u32) {
        mq.encode(&mut self.0[(*prev & 0x1FF) as usize], d as u8);
        *prev = if *prev < 256 {
            (*prev << 1) | d
        } else {
            (((*prev << 1) | d) & 511) | 256
        };
    }

    /// Encodes `value`, or OOB for `None` (T.88 A.2, Table A.1, in reverse). Values must lie
    /// within +-(2^32 + 4435).
    pub fn encode(&mut self, mq: &mut MqEncoder, value: Option<i64>) {
        // OOB is "minus zero".
        let (s, v) = match value {
            None => (1, 0),
            Some(v) => (u32::from(v < 0), v.unsigned_abs() as i64),
        };
        let range = RANGES
            .iter()
            .rposition(|&(_, _, offset)| v >= offset)
            .unwrap_or(0);
        let (prefix, n, offset) = RANGES[range];
        let mut prev = 1;
        self.encode_bit(mq, &mut prev, s);
        // The prefix: ones, then a zero unless it is the longest.
        for i in 0..prefix {
            let last = i + 1 == prefix;
            let d = u32::from(!last || range == RANGES.len() - 1);
            self.encode_bit(mq, &mut prev, d);
        }
        let bits = (v - offset) as u64;
        for i in (0..n).rev() {
            self.encode_bit(mq, &mut prev, ((bits >> i) & 1) as u32);
        }
    }

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

    /// Encodes symbol ID `id`, which must be below 2^len (T.88 A.3, in reverse).
    pub fn encode(&mut self, mq: &mut MqEncoder, id: usize) {
        let mut prev = 1usize;
        for i in (0..self.len).rev() {
            let d = (id >> i) & 1;
            mq.encode(&mut self.contexts[prev], d as u8);
            prev = (prev << 1) | d;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_ids_round_trip() {
        let values: Vec<Option<i64>> = [
            0,
            1,
            -1,
            3,
            -3,
            4,
            19,
            -19,
            20,
            83,
            84,
            339,
            340,
            4435,
            4436,
            -4436,
            1 << 20,
            -(1 << 31),
        ]
        .into_iter()
        .map(Some)
        .chain([None, Some(2), None])
        .collect();
        let mut mq = MqEncoder::new();
        let (mut a, mut ids) = (
            IntegerContexts::default(),
            SymbolIdContexts::new(7).unwrap(),
        );
        for (i, &v) in values.iter().enumerate() {
            a.encode(&mut mq, v);
            ids.encode(&mut mq, i * 5 % 128);
        }
        let data = mq.finish();
        let mut mq = MqDecoder::new(&data);
        let (mut a, mut ids) = (
            IntegerContexts::default(),
            SymbolIdContexts::new(7).unwrap(),
        );
        for (i, &v) in values.iter().enumerate() {
            assert_eq!(a.decode(&mut mq), v);
            assert_eq!(ids.decode(&mut mq), i * 5 % 128);
        }
        assert_eq!(SymbolIdContexts::code_len(1), 0);
        assert_eq!(SymbolIdContexts::code_len(2), 1);
        assert_eq!(SymbolIdContexts::code_len(5), 3);
        assert_eq!(SymbolIdContexts::code_len(8), 3);
    }
}
