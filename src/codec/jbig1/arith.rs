//! The adaptive arithmetic coder of ITU-T T.82 6.8 (the QM coder, which arithmetic JPEG shares),
//! with JBIG's byte stuffing: a 0xFF byte of coded data is followed by 0x00, so that 0xFF and any
//! other byte is a marker. A decoder that meets a marker, or the end of its data, reads zeros.

/// T.82 Table 24 (the same as T.81 Table D.3): LSZ, NLPS, NMPS and SWTCH for each of the 113
/// probability estimation states.
const STATES: [(u16, u8, u8, bool); 113] = [
    (0x5a1d, 1, 1, true),
    (0x2586, 14, 2, false),
    (0x1114, 16, 3, false),
    (0x080b, 18, 4, false),
    (0x03d8, 20, 5, false),
    (0x01da, 23, 6, false),
    (0x00e5, 25, 7, false),
    (0x006f, 28, 8, false),
    (0x0036, 30, 9, false),
    (0x001a, 33, 10, false),
    (0x000d, 35, 11, false),
    (0x0006, 9, 12, false),
    (0x0003, 10, 13, false),
    (0x0001, 12, 13, false),
    (0x5a7f, 15, 15, true),
    (0x3f25, 36, 16, false),
    (0x2cf2, 38, 17, false),
    (0x207c, 39, 18, false),
    (0x17b9, 40, 19, false),
    (0x1182, 42, 20, false),
    (0x0cef, 43, 21, false),
    (0x09a1, 45, 22, false),
    (0x072f, 46, 23, false),
    (0x055c, 48, 24, false),
    (0x0406, 49, 25, false),
    (0x0303, 51, 26, false),
    (0x0240, 52, 27, false),
    (0x01b1, 54, 28, false),
    (0x0144, 56, 29, false),
    (0x00f5, 57, 30, false),
    (0x00b7, 59, 31, false),
    (0x008a, 60, 32, false),
    (0x0068, 62, 33, false),
    (0x004e, 63, 34, false),
    (0x003b, 32, 35, false),
    (0x002c, 33, 9, false),
    (0x5ae1, 37, 37, true),
    (0x484c, 64, 38, false),
    (0x3a0d, 65, 39, false),
    (0x2ef1, 67, 40, false),
    (0x261f, 68, 41, false),
    (0x1f33, 69, 42, false),
    (0x19a8, 70, 43, false),
    (0x1518, 72, 44, false),
    (0x1177, 73, 45, false),
    (0x0e74, 74, 46, false),
    (0x0bfb, 75, 47, false),
    (0x09f8, 77, 48, false),
    (0x0861, 78, 49, false),
    (0x0706, 79, 50, false),
    (0x05cd, 48, 51, false),
    (0x04de, 50, 52, false),
    (0x040f, 50, 53, false),
    (0x0363, 51, 54, false),
    (0x02d4, 52, 55, false),
    (0x025c, 53, 56, false),
    (0x01f8, 54, 57, false),
    (0x01a4, 55, 58, false),
    (0x0160, 56, 59, false),
    (0x0125, 57, 60, false),
    (0x00f6, 58, 61, false),
    (0x00cb, 59, 62, false),
    (0x00ab, 61, 63, false),
    (0x008f, 61, 32, false),
    (0x5b12, 65, 65, true),
    (0x4d04, 80, 66, false),
    (0x412c, 81, 67, false),
    (0x37d8, 82, 68, false),
    (0x2fe8, 83, 69, false),
    (0x293c, 84, 70, false),
    (0x2379, 86, 71, false),
    (0x1edf, 87, 72, false),
    (0x1aa9, 87, 73, false),
    (0x174e, 72, 74, false),
    (0x1424, 72, 75, false),
    (0x119c, 74, 76, false),
    (0x0f6b, 74, 77, false),
    (0x0d51, 75, 78, false),
    (0x0bb6, 77, 79, false),
    (0x0a40, 77, 48, false),
    (0x5832, 80, 81, true),
    (0x4d1c, 88, 82, false),
    (0x438e, 89, 83, false),
    (0x3bdd, 90, 84, false),
    (0x34ee, 91, 85, false),
    (0x2eae, 92, 86, false),
    (0x299a, 93, 87, false),
    (0x2516, 86, 71, false),
    (0x5570, 88, 89, true),
    (0x4ca9, 95, 90, false),
    (0x44d9, 96, 91, false),
    (0x3e22, 97, 92, false),
    (0x3824, 99, 93, false),
    (0x32b4, 99, 94, false),
    (0x2e17, 93, 86, false),
    (0x56a8, 95, 96, true),
    (0x4f46, 101, 97, false),
    (0x47e5, 102, 98, false),
    (0x41cf, 103, 99, false),
    (0x3c3d, 104, 100, false),
    (0x375e, 99, 93, false),
    (0x5231, 105, 102, false),
    (0x4c0f, 106, 103, false),
    (0x4639, 107, 104, false),
    (0x415e, 103, 99, false),
    (0x5627, 105, 106, true),
    (0x50e7, 108, 107, false),
    (0x4b85, 109, 103, false),
    (0x5597, 110, 109, false),
    (0x504f, 111, 107, false),
    (0x5a10, 110, 111, true),
    (0x5522, 112, 109, false),
    (0x59eb, 112, 111, true),
];

/// The number of contexts (CX is 12 bits in every template, T.82 6.7).
pub const CONTEXTS: usize = 4096;

/// The states of a layer's [`CONTEXTS`] contexts, all at the start.
#[derive(Clone)]
pub struct Contexts(Box<[Context; CONTEXTS]>);

impl Default for Contexts {
    /// Written in place on the heap: `Box::new` of the array would first write its 16 KB on the
    /// stack, whose pages each run of the program faults in (5 of a run's 115 page faults in
    /// decoding eurotext's page), and copy them over.
    fn default() -> Self {
        let states = vec![Context::default(); CONTEXTS].into_boxed_slice();
        let Ok(states) = states.try_into() else {
            unreachable!("a vector of CONTEXTS states")
        };
        Contexts(states)
    }
}

impl Contexts {
    /// Every context back at the start (SDRST, T.82 6.2.6.1).
    pub fn reset(&mut self) {
        self.0.fill(Context::default());
    }
}

impl std::ops::Index<usize> for Contexts {
    type Output = Context;
    /// Context `cx`, of 12 bits (higher bits are dropped, so that there is nothing to check).
    #[inline(always)]
    fn index(&self, cx: usize) -> &Context {
        &self.0[cx % CONTEXTS]
    }
}

impl std::ops::IndexMut<usize> for Contexts {
    #[inline(always)]
    fn index_mut(&mut self, cx: usize) -> &mut Context {
        &mut self.0[cx % CONTEXTS]
    }
}

/// What one context state leads to after a more and a less probable symbol: the whole next
/// [`Context`], SWTCH applied.
#[derive(Clone, Copy)]
struct Transition {
    on_mps: Context,
    on_lps: Context,
}

/// [`STATES`] unrolled for both MPS values, with each next state's LSZ, so that coding a
/// symbol looks its context up once and the table only when the state changes. Indexed by a
/// [`Context`]'s low byte.
static TRANSITIONS: [Transition; 256] = {
    let none = Context(0);
    let mut table = [Transition {
        on_mps: none,
        on_lps: none,
    }; 256];
    let mut i = 0;
    while i < 256 {
        let (st, mps) = (i >> 1, i & 1 != 0);
        if st < STATES.len() {
            let (_, nlps, nmps, switch) = STATES[st];
            table[i] = Transition {
                on_mps: Context::of(nmps, mps),
                on_lps: Context::of(nlps, mps != switch),
            };
        }
        i += 1;
    }
    table
};

/// A context's state: the more probable symbol (MPS) in bit 0, the probability estimation state
/// (ST, 0-112) in bits 1-7 and its LSZ in bits 16-31. With the MPS in bit 0, a pixel decoded as
/// its context's MPS is the state's low bit as it is, one operation sooner than from bit 23: the
/// next pixel's context waits on it (the Scotsman's sequential BIE decoded 2.3-3% faster).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context(u32);

impl Default for Context {
    fn default() -> Self {
        Context::of(0, false)
    }
}

impl Context {
    /// The context in state `st` (below 113) with MPS `mps`.
    const fn of(st: u8, mps: bool) -> Context {
        Context((STATES[st as usize].0 as u32) << 16 | (st as u32) << 1 | mps as u32)
    }

    /// LSZ of the context's state (T.82 Table 24).
    #[inline(always)]
    fn lsz(self) -> u32 {
        self.0 >> 16
    }

    /// The context after coding a more probable symbol (`lps` false) or a less probable one.
    #[inline(always)]
    fn after(self, lps: bool) -> Context {
        let t = TRANSITIONS[self.0 as usize & 0xff];
        if lps { t.on_lps } else { t.on_mps }
    }

    /// The more probable symbol: black when true.
    pub fn mps(self) -> bool {
        self.0 & 1 != 0
    }
}

/// How many of up to `max` symbols that take `lsz` each fit in `room`: `max` where all of them
/// do, as in most short runs, which a multiplication tells, and otherwise `room / lsz` (the
/// division's latency was 1.5% of decoding the Scotsman's page where every run paid it).
#[inline(always)]
fn fitting(max: usize, lsz: u32, room: u32) -> usize {
    if (max as u64) * u64::from(lsz) <= u64::from(room) {
        max
    } else {
        (room / lsz) as usize
    }
}

/// The escape byte that starts a marker, and the byte that follows a 0xFF of coded data.
pub const ESC: u8 = 0xff;
/// STUFF (T.82 Table 2).
pub const STUFF: u8 = 0x00;

/// T.82 6.8.2: the encoder. Its code register C holds the byte being formed in bits 19-26 and a
/// carry in bit 27; the last byte formed waits in `buffer`, and 0xFF bytes after it are counted in
/// `stack`, until it is known whether a carry reaches them.
pub struct Encoder {
    c: u32,
    a: u32,
    ct: u32,
    buffer: Option<u8>,
    stack: u32,
    out: Vec<u8>,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// INITENC.
    pub fn new() -> Self {
        Encoder {
            c: 0,
            a: 0x10000,
            ct: 11,
            buffer: None,
            stack: 0,
            out: Vec::new(),
        }
    }

    /// Codes `pixel` in context `cx`, conditional exchange included (T.82 Figures 23-25).
    #[inline(always)]
    pub fn encode(&mut self, cx: &mut Context, pixel: bool) {
        let lsz = cx.lsz();
        self.a -= lsz;
        if pixel != cx.mps() {
            if self.a >= lsz {
                self.c += self.a;
                self.a = lsz;
            }
            *cx = cx.after(true);
        } else {
            if self.a >= 0x8000 {
                return;
            }
            if self.a < lsz {
                self.c += self.a;
                self.a = lsz;
            }
            *cx = cx.after(false);
        }
        self.renormalise();
    }

    /// Codes `n` more probable symbols in context `cx` at once: the interval shrinks by LSZ for
    /// each, and only the one that takes A below 0x8000 goes through [`Encoder::encode`]'s
    /// exchange and renormalisation. The same bytes as `n` calls of `encode`.
    pub fn encode_mps_run(&mut self, cx: &mut Context, mut n: usize) {
        while n > 0 {
            let lsz = cx.lsz();
            let free = fitting(n, lsz, self.a - 0x8000);
            if free == n {
                self.a -= n as u32 * lsz;
                return;
            }
            self.a -= free as u32 * lsz;
            n -= free + 1;
            let mps = cx.mps();
            self.encode(cx, mps);
        }
    }

    /// Codes up to `max` pairs of more probable symbols, each in context `first` then `second`,
    /// as many as need no renormalisation (so no context changes state): A shrinks by both
    /// LSZ a pair. Returns how many pairs it coded; the same bytes as coding them one by one.
    pub fn encode_mps_pairs(&mut self, first: Context, second: Context, max: usize) -> usize {
        let lsz = first.lsz() + second.lsz();
        let pairs = fitting(max, lsz, self.a - 0x8000);
        self.a -= pairs as u32 * lsz;
        pairs
    }

    /// RENORME: doubles A and C until A is at least 0x8000, a byte out every eight doublings;
    /// the doublings before the next byte is due are done at once.
    #[inline]
    fn renormalise(&mut self) {
        // A is below 0x8000 and above 0: the doublings it takes, 1 to 15.
        let mut shift = self.a.leading_zeros() - 16;
        while shift >= self.ct {
            self.a <<= self.ct;
            self.c <<= self.ct;
            shift -= self.ct;
            self.byte_out();
            self.ct = 8;
        }
        self.a <<= shift;
        self.c <<= shift;
        self.ct -= shift;
    }

    /// Writes a byte of coded data, stuffing after 0xFF.
    fn emit(&mut self, byte: u8) {
        self.out.push(byte);
        if byte == ESC {
            self.out.push(STUFF);
        }
    }

    /// BYTEOUT: takes the byte in bits 19-26 of C, propagating a carry into the bytes held back.
    fn byte_out(&mut self) {
        let t = self.c >> 19;
        if t > 0xff {
            // A carry: the waiting byte grows by one and the 0xFF bytes after it become 0x00.
            if let Some(b) = self.buffer {
                self.emit(b + 1);
            }
            self.out
                .extend(std::iter::repeat_n(0u8, self.stack as usize));
            self.stack = 0;
            self.buffer = Some((t & 0xff) as u8);
        } else if t == 0xff {
            self.stack += 1;
        } else {
            if let Some(b) = self.buffer {
                self.emit(b);
            }
            for _ in 0..self.stack {
                self.emit(0xff);
            }
            self.stack = 0;
            self.buffer = Some(t as u8);
        }
        self.c &= 0x7ffff;
    }

    /// FLUSH: ends the coded data with as few bytes as decode to the same pixels: C is set to the
    /// value in the interval with the most trailing zero bits, and trailing zero bytes, which a
    /// decoder reads anyway, are dropped (T.82 6.8.2.7, Figure 28).
    pub fn finish(mut self) -> Vec<u8> {
        let t = (self.a - 1 + self.c) & 0xffff_0000;
        self.c = if t < self.c { t + 0x8000 } else { t };
        self.c <<= self.ct;
        if self.c & 0xf800_0000 != 0 {
            if let Some(b) = self.buffer {
                self.emit(b + 1);
            }
            self.out
                .extend(std::iter::repeat_n(0u8, self.stack as usize));
        } else {
            if let Some(b) = self.buffer {
                self.emit(b);
            }
            for _ in 0..self.stack {
                self.emit(0xff);
            }
        }
        self.emit(((self.c >> 19) & 0xff) as u8);
        self.emit(((self.c >> 11) & 0xff) as u8);
        // Trailing zeros go; a 0xFF left last gets its STUFF back.
        while self.out.last() == Some(&0) {
            self.out.pop();
        }
        if self.out.last() == Some(&ESC) {
            self.out.push(STUFF);
        }
        self.out
    }
}

/// T.82 6.8.3: the decoder, reading the protected coded data of one stripe (PSCD) up to its end
/// or the first marker, and zeros after that.
///
/// The code register C of T.82 Figure 29 sits in `c` shifted up by 24 bits: CHIGH, compared with
/// A, is bits 40-55, and below it wait the `ct` bits read ahead, up to four bytes, so that
/// renormalisation shifts once and reads bytes only every few symbols.
#[derive(Clone)]
pub struct Decoder<'a> {
    input: Input<'a>,
    c: u64,
    a: u32,
    ct: u32,
}

/// The coded data a [`Decoder`] reads, and how far it has read.
#[derive(Clone)]
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    /// [`Decoder::fill`]'s reading, from C and CT by value: the new C, in a register. (Taking
    /// the data and its position by value too, and returning the position, with `fill` itself
    /// not inlined, the Scotsman's sequential BIE decoded 1% slower; with C and CT returned
    /// through memory, eurotext's 5% slower.) Taking `self` by reference keeps a row loop's
    /// copy of the whole decoder in memory, A and C too, as a pointer into it escapes; with
    /// everything by value and `fill` inlined, nothing escapes, but the row loop spilled A and
    /// C to the stack all the same, and the Scotsman's page decoded 1.6% slower
    /// (docs/jbig1-speed-log.md, the fortieth look).
    #[cold]
    #[inline(never)]
    fn bytes_in(&mut self, mut c: u64, mut ct: u32) -> u64 {
        let (data, mut pos) = (self.data, self.pos);
        while ct <= 24 {
            let byte = match data.get(pos) {
                Some(&ESC) => match data.get(pos + 1) {
                    Some(&STUFF) => {
                        pos += 2;
                        0xff
                    }
                    _ => 0,
                },
                Some(&b) => {
                    pos += 1;
                    b
                }
                None => 0,
            };
            c |= u64::from(byte) << (CHIGH - 8 - ct);
            ct += 8;
        }
        self.pos = pos;
        c
    }
}

/// Where CHIGH starts in [`Decoder`]'s `c`.
const CHIGH: u32 = 40;

impl<'a> Decoder<'a> {
    /// INITDEC over `data`: two bytes into CHIGH, A at 0x10000.
    pub fn new(data: &'a [u8]) -> Self {
        let mut d = Decoder {
            input: Input { data, pos: 0 },
            c: 0,
            a: 0x10000,
            ct: 0,
        };
        d.fill();
        d.c <<= 16;
        d.ct -= 16;
        d
    }

    /// How many bytes of `data` the decoder has taken, stuffing included; a marker that ended the
    /// data starts there.
    pub fn position(&self) -> usize {
        self.input.pos
    }

    /// BYTEIN until more than 24 bits wait below CHIGH: a 0xFF of coded data is followed by
    /// STUFF; a marker or the end of the data gives zeros (and stays where it is).
    #[inline(always)]
    fn fill(&mut self) {
        self.c = self.input.bytes_in(self.c, self.ct);
        // The whole bytes that bring CT above 24, as `bytes_in` counts them: worked out here,
        // so that it returns C alone, in a register.
        if self.ct <= 24 {
            self.ct += 8 * ((24 - self.ct) / 8 + 1);
        }
    }

    /// RENORMD: doubles A and C until A is at least 0x8000, in one shift.
    #[inline(always)]
    fn renormalise(&mut self) {
        if self.a < 0x8000 {
            // A is above 0: at most 15 doublings.
            let shift = self.a.leading_zeros() - 16;
            if self.ct < shift {
                self.fill();
            }
            self.a <<= shift;
            self.c <<= shift;
            self.ct -= shift;
        }
    }

    /// CHIGH, the part of C that A is compared with.
    #[inline(always)]
    fn high(&self) -> u32 {
        (self.c >> CHIGH) as u32
    }

    /// How many more probable symbols whose LSZ sum to `lsz` each can be decoded, A renormalised,
    /// before a renormalisation or an LPS could come, up to `max`: A stays at least 0x8000 and
    /// above C (k of them need k * lsz at most the smaller of the two margins).
    #[inline(always)]
    fn mps_room(&self, lsz: u32, max: usize) -> usize {
        fitting(max, lsz, (self.a - 0x8000).min(self.a - self.high() - 1))
    }

    /// Decodes up to `max` pixels in context `cx` while they are its more probable symbol (the
    /// run's colour, as it is on entry), many at a time where no renormalisation or LPS can come
    /// (C stays below the shrinking A). Returns how many pixels of the run's colour it decoded
    /// and whether it then decoded one of the other colour (which ends the run); fewer than `max`
    /// without one means the MPS changed, and the caller goes on pixel by pixel.
    #[inline(always)]
    pub fn decode_mps_run(&mut self, cx: &mut Context, max: usize) -> (usize, bool) {
        let colour = cx.mps();
        let mut n = 0;
        while n < max {
            if cx.mps() != colour {
                return (n, false);
            }
            self.renormalise();
            let lsz = cx.lsz();
            let take = self.mps_room(lsz, max - n);
            self.a -= take as u32 * lsz;
            n += take;
            if n == max {
                break;
            }
            if self.decode(cx) != colour {
                return (n, true);
            }
            n += 1;
        }
        (n, false)
    }

    /// Decodes up to `max` pairs of pixels that are the more probable symbols of contexts
    /// `first` and `second`, as many as can come with no renormalisation or LPS (C stays below
    /// the shrinking A); the contexts keep their states. Returns how many pairs.
    #[inline(always)]
    pub fn decode_mps_pairs(&mut self, first: Context, second: Context, max: usize) -> usize {
        self.renormalise();
        let lsz = first.lsz() + second.lsz();
        let pairs = self.mps_room(lsz, max);
        self.a -= pairs as u32 * lsz;
        pairs
    }

    /// Decodes a pixel in context `cx` (T.82 Figures 29-31).
    #[inline]
    pub fn decode(&mut self, cx: &mut Context) -> bool {
        self.renormalise();
        let lsz = cx.lsz();
        let mps = cx.mps();
        self.a -= lsz;
        let lps = if self.high() < self.a {
            if self.a >= 0x8000 {
                return mps;
            }
            // MPS path with conditional exchange.
            self.a < lsz
        } else {
            self.c -= u64::from(self.a) << CHIGH;
            let lps = self.a >= lsz;
            self.a = lsz;
            lps
        };
        *cx = cx.after(lps);
        mps ^ lps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random bit source with a skew that changes, as pixels' statistics do.
    fn bits(n: usize, seed: u64) -> Vec<(usize, bool)> {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let cx = (s >> 40) as usize % 64;
                let skew = [2u64, 16, 128, 1000][(i / 5000) % 4];
                (cx, (s >> 20).is_multiple_of(skew))
            })
            .collect()
    }

    #[test]
    fn decodes_what_it_encodes_over_skews_carries_and_stuffing() {
        for seed in 0..20 {
            let input = bits(40_000, seed);
            let mut cx = vec![Context::default(); CONTEXTS];
            let mut enc = Encoder::new();
            for &(c, b) in &input {
                enc.encode(&mut cx[c], b);
            }
            let data = enc.finish();
            // No marker can appear inside: every 0xFF is followed by STUFF.
            for w in data.windows(2) {
                assert!(w[0] != ESC || w[1] == STUFF, "seed {seed}");
            }
            let mut cx = vec![Context::default(); CONTEXTS];
            let mut dec = Decoder::new(&data);
            for (i, &(c, b)) in input.iter().enumerate() {
                assert_eq!(dec.decode(&mut cx[c]), b, "seed {seed} symbol {i}");
            }
        }
    }

    #[test]
    fn data_ending_in_a_marker_decodes_as_zeros_after_it() {
        let input = bits(5_000, 99);
        let mut cx = vec![Context::default(); CONTEXTS];
        let mut enc = Encoder::new();
        for &(c, b) in &input {
            enc.encode(&mut cx[c], b);
        }
        let mut data = enc.finish();
        let len = data.len();
        data.extend_from_slice(&[ESC, 0x02, 0x12, 0x34]);
        let mut cx = vec![Context::default(); CONTEXTS];
        let mut dec = Decoder::new(&data);
        for &(c, b) in &input {
            assert_eq!(dec.decode(&mut cx[c]), b);
        }
        assert!(dec.position() <= len);
    }

    #[test]
    fn runs_code_and_decode_as_symbols_one_at_a_time_do() {
        for seed in 0..10u64 {
            // Runs of white (context 0) and of black (context 9) of random lengths between single
            // pixels in other contexts.
            let mut s = seed;
            let mut next = || {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s >> 33
            };
            let events: Vec<(usize, bool, usize, bool)> = (0..3000)
                .map(|_| {
                    (
                        (next() % 300) as usize,
                        next() % 4 == 0,
                        (next() % 8) as usize + 1,
                        next() % 3 == 0,
                    )
                })
                .collect();
            let run_context = |black: bool| if black { 9 } else { 0 };
            let (mut one, mut many) = (Encoder::new(), Encoder::new());
            let (mut c1, mut c2) = (vec![Context::default(); 16], vec![Context::default(); 16]);
            for &(run, black, cx, bit) in &events {
                let rc = run_context(black);
                for _ in 0..run {
                    one.encode(&mut c1[rc], black);
                }
                if c2[rc].mps() == black {
                    many.encode_mps_run(&mut c2[rc], run);
                } else {
                    for _ in 0..run {
                        many.encode(&mut c2[rc], black);
                    }
                }
                one.encode(&mut c1[cx], bit);
                many.encode(&mut c2[cx], bit);
            }
            let data = one.finish();
            assert_eq!(many.finish(), data, "seed {seed}");
            // Decoding with runs gives the same pixels.
            let mut dec = Decoder::new(&data);
            let mut cx = [Context::default(); 16];
            for &(run, black, c, bit) in &events {
                let rc = run_context(black);
                let mut left = run;
                while left > 0 {
                    let (n, other) = if cx[rc].mps() == black {
                        dec.decode_mps_run(&mut cx[rc], left)
                    } else {
                        (0, false)
                    };
                    left -= n;
                    assert!(!other, "seed {seed}: a pixel of the other colour in a run");
                    if left > 0 && n == 0 {
                        assert_eq!(dec.decode(&mut cx[rc]), black);
                        left -= 1;
                    }
                }
                assert_eq!(dec.decode(&mut cx[c]), bit, "seed {seed}");
            }
        }
    }

    #[test]
    fn a_run_of_one_symbol_codes_to_almost_nothing() {
        let mut cx = Context::default();
        let mut enc = Encoder::new();
        for _ in 0..100_000 {
            enc.encode(&mut cx, false);
        }
        assert!(enc.finish().len() < 40);
    }
}
