//! MSB-first bit streams for the CCITT codes.

/// Writes codes MSB first into bytes, through a 64-bit accumulator.
#[derive(Default)]
pub struct BitWriter {
    out: Vec<u8>,
    /// Pending bits, left-aligned.
    acc: u64,
    /// Number of pending bits in `acc` (always below 32 between calls).
    pending: u32,
}

impl BitWriter {
    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        BitWriter {
            out: Vec::with_capacity(capacity),
            acc: 0,
            pending: 0,
        }
    }

    /// Appends the low `len` bits of `code` (`len` at most 32).
    #[inline(always)]
    pub fn put(&mut self, len: u8, code: u32) {
        let len = u32::from(len);
        debug_assert!(len <= 32 && (len == 32 || code >> len == 0));
        self.acc |= u64::from(code) << (64 - self.pending - len);
        self.pending += len;
        if self.pending >= 32 {
            self.out
                .extend_from_slice(&((self.acc >> 32) as u32).to_be_bytes());
            self.acc <<= 32;
            self.pending -= 32;
        }
    }

    /// Pads with zero bits to the next byte boundary.
    pub fn align(&mut self) {
        let pad = (8 - self.pending % 8) % 8;
        if pad > 0 {
            self.put(pad as u8, 0);
        }
    }

    /// Flushes the pending bits, zero-padded to a whole byte, and returns the bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.align();
        let bytes = self.pending / 8;
        self.out
            .extend_from_slice(&self.acc.to_be_bytes()[..bytes as usize]);
        self.out
    }
}

/// Reads an MSB-first bit stream. Past the end it reads zeros and remembers that it did, so callers
/// can tell truncated data from a bad code: no CCITT code is all zeros, so decoding cannot loop on
/// the padding.
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte of `data` to load.
    next: usize,
    /// Loaded bits, left-aligned.
    acc: u64,
    /// Number of loaded bits in `acc`.
    avail: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            next: 0,
            acc: 0,
            avail: 0,
        }
    }

    /// Loads bytes until at least 56 bits are available.
    #[inline(always)]
    fn refill(&mut self) {
        if self.avail >= 56 {
            return;
        }
        if let Some(chunk) = self.data.get(self.next..self.next + 8) {
            let word = u64::from_be_bytes(chunk.try_into().expect("eight bytes"));
            // Loading whole bytes only; the partial byte at the end is loaded again next time,
            // into the same bit positions, so the OR is harmless.
            let bytes = (63 - self.avail) / 8;
            self.acc |= word >> self.avail;
            self.next += bytes as usize;
            self.avail += bytes * 8;
        } else {
            while self.avail <= 56 {
                let byte = self.data.get(self.next).copied().unwrap_or(0);
                self.acc |= u64::from(byte) << (56 - self.avail);
                self.next += 1;
                self.avail += 8;
            }
        }
    }

    /// The next `n` bits (1 to 32) without consuming them.
    #[inline(always)]
    pub fn peek(&mut self, n: u32) -> u32 {
        self.refill();
        (self.acc >> (64 - n)) as u32
    }

    /// Consumes `n` bits (at most the number available, which may be all 64).
    #[inline(always)]
    pub fn consume(&mut self, n: u32) {
        debug_assert!(n <= self.avail);
        self.acc = self.acc.checked_shl(n).unwrap_or(0);
        self.avail -= n;
    }

    /// The position of the next bit, counted from the start of the data.
    pub fn position(&self) -> u64 {
        self.next as u64 * 8 - u64::from(self.avail)
    }

    /// Whether more bits have been consumed than the data holds.
    pub fn overran(&self) -> bool {
        self.position() > self.data.len() as u64 * 8
    }

    /// Whether every bit of the data has been consumed.
    pub fn at_end(&self) -> bool {
        self.position() >= self.data.len() as u64 * 8
    }

    /// Moves to bit `position` of the data (which may lie past its end).
    pub fn seek(&mut self, position: u64) {
        self.next = (position / 8) as usize;
        self.acc = 0;
        self.avail = 0;
        self.refill();
        self.consume((position % 8) as u32);
    }

    /// Skips to the next byte boundary.
    pub fn align(&mut self) {
        let skip = (8 - self.position() % 8) % 8;
        self.refill();
        self.consume(skip as u32);
    }

    /// Skips zero bits up to and including the next one bit, giving how many zeros there were; stops
    /// at the end of the data.
    pub fn skip_zeros_and_one(&mut self) -> Option<u64> {
        let mut zeros = 0u64;
        loop {
            if self.at_end() {
                return None;
            }
            self.refill();
            let lead = self.acc.leading_zeros();
            if lead < self.avail {
                self.consume(lead + 1);
                return Some(zeros + u64::from(lead));
            }
            let skip = self.avail.min(32);
            zeros += u64::from(skip);
            self.consume(skip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_packs_msb_first() {
        let mut w = BitWriter::default();
        w.put(1, 1); // 1
        w.put(3, 0b010); // 010
        w.put(12, 0b000000000001); // EOL
        w.put(7, 0b1111111);
        let bytes = w.finish();
        assert_eq!(bytes, vec![0b1010_0000, 0b0000_0001, 0b1111_1110]);
    }

    #[test]
    fn writer_handles_long_streams() {
        let mut w = BitWriter::default();
        for i in 0..1000u32 {
            w.put(13, i & 0x1fff);
        }
        let bytes = w.finish();
        assert_eq!(bytes.len(), (13 * 1000usize).div_ceil(8));
        let mut r = BitReader::new(&bytes);
        for i in 0..1000u32 {
            assert_eq!(r.peek(13), i & 0x1fff);
            r.consume(13);
        }
        assert!(!r.overran());
    }

    #[test]
    fn reader_reads_zeros_past_the_end_and_says_so() {
        let data = [0b1011_0000u8];
        let mut r = BitReader::new(&data);
        assert_eq!(r.peek(4), 0b1011);
        r.consume(8);
        assert!(r.at_end() && !r.overran());
        assert_eq!(r.peek(16), 0);
        r.consume(1);
        assert!(r.overran());
    }

    #[test]
    fn skip_zeros_can_consume_a_whole_accumulator() {
        // 63 zeros then a one: the one is the 64th bit loaded (found by the fuzzer).
        let mut data = [0u8; 9];
        data[7] = 1;
        let mut r = BitReader::new(&data);
        assert_eq!(r.skip_zeros_and_one(), Some(63));
        assert_eq!(r.position(), 64);
    }

    #[test]
    fn skip_zeros_finds_eol() {
        // Fill bits then EOL then 1.
        let data = [0b0000_0000, 0b0000_0001, 0b1000_0000];
        let mut r = BitReader::new(&data);
        assert_eq!(r.skip_zeros_and_one(), Some(15));
        assert_eq!(r.position(), 16);
        assert_eq!(r.peek(1), 1);
        let mut r = BitReader::new(&[0, 0]);
        assert_eq!(r.skip_zeros_and_one(), None);
    }
}
