//! The MQ arithmetic coder of ITU-T T.88 Annex E.

/// T.88 Table E.1: Qe, the next state after an MPS and after an LPS, and whether an LPS swaps the
/// sense of the MPS.
const QE: [(u16, u8, u8, bool); 47] = [
    (0x5601, 1, 1, true),
    (0x3401, 2, 6, false),
    (0x1801, 3, 9, false),
    (0x0AC1, 4, 12, false),
    (0x0521, 5, 29, false),
    (0x0221, 38, 33, false),
    (0x5601, 7, 6, true),
    (0x5401, 8, 14, false),
    (0x4801, 9, 14, false),
    (0x3801, 10, 14, false),
    (0x3001, 11, 17, false),
    (0x2401, 12, 18, false),
    (0x1C01, 13, 20, false),
    (0x1601, 29, 21, false),
    (0x5601, 15, 14, true),
    (0x5401, 16, 14, false),
    (0x5101, 17, 15, false),
    (0x4801, 18, 16, false),
    (0x3801, 19, 17, false),
    (0x3401, 20, 18, false),
    (0x3001, 21, 19, false),
    (0x2801, 22, 19, false),
    (0x2401, 23, 20, false),
    (0x2201, 24, 21, false),
    (0x1C01, 25, 22, false),
    (0x1801, 26, 23, false),
    (0x1601, 27, 24, false),
    (0x1401, 28, 25, false),
    (0x1201, 29, 26, false),
    (0x1101, 30, 27, false),
    (0x0AC1, 31, 28, false),
    (0x09C1, 32, 29, false),
    (0x08A1, 33, 30, false),
    (0x0521, 34, 31, false),
    (0x0441, 35, 32, false),
    (0x02A1, 36, 33, false),
    (0x0221, 37, 34, false),
    (0x0141, 38, 35, false),
    (0x0111, 39, 36, false),
    (0x0085, 40, 37, false),
    (0x0049, 41, 38, false),
    (0x0025, 42, 39, false),
    (0x0015, 43, 40, false),
    (0x0009, 44, 41, false),
    (0x0005, 45, 42, false),
    (0x0001, 45, 43, false),
    (0x5601, 46, 46, false),
];

/// What coding one symbol does to a context: Qe, the MPS, and the context's next state after a
/// renormalising MPS and after an LPS (T.88 E.2.4-E.2.5, Table E.1), for one [`Context`] value.
#[derive(Clone, Copy)]
struct Transition {
    qe: u32,
    mps: u8,
    after_mps: Context,
    after_lps: Context,
}

/// [`Transition`]s indexed by [`Context`]: Table E.1 unrolled for both senses of the MPS, so that
/// coding a symbol is one table load. Padded to 128 entries so that any index masked to seven
/// bits is in bounds.
static TRANSITIONS: [Transition; 128] = {
    let mut t = [Transition {
        qe: 0x5601,
        mps: 0,
        after_mps: Context(0),
        after_lps: Context(0),
    }; 128];
    let mut i = 0;
    while i < 94 {
        let (qe, nmps, nlps, switch) = QE[i >> 1];
        let mps = (i & 1) as u8;
        let lps_mps = if switch { mps ^ 1 } else { mps };
        t[i] = Transition {
            qe: qe as u32,
            mps,
            after_mps: Context(nmps << 1 | mps),
            after_lps: Context(nlps << 1 | lps_mps),
        };
        i += 1;
    }
    t
};

/// The adaptive state of one context (T.88 E.2.4): the index into Table E.1 times two, plus the
/// sense of the MPS.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Context(u8);

impl Context {
    /// Whether the more probable symbol is 0 (white, for pixels).
    #[inline(always)]
    pub fn mps_is_zero(&self) -> bool {
        self.0 & 1 == 0
    }

    /// The more probable symbol.
    #[inline(always)]
    pub fn mps(&self) -> u8 {
        self.0 & 1
    }

    #[inline(always)]
    fn transition(self) -> &'static Transition {
        &TRANSITIONS[usize::from(self.0 & 0x7F)]
    }
}

/// The MQ encoder (T.88 E.2).
pub struct MqEncoder {
    a: u32,
    c: u32,
    ct: u32,
    /// The output; `out[0]` is the byte before the first (T.88 E.2.8's BPST - 1), dropped at the end.
    out: Vec<u8>,
}

impl Default for MqEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl MqEncoder {
    /// INITENC (T.88 E.2.8).
    pub fn new() -> Self {
        MqEncoder {
            a: 0x8000,
            c: 0,
            ct: 12,
            out: vec![0],
        }
    }

    /// BYTEOUT (T.88 E.2.7, Figure E.7), with bit stuffing after 0xFF: gives back C and CT.
    ///
    /// This and [`MqEncoder::renormalise`] take and return the registers as values, so that
    /// A, C and CT stay in machine registers through the inlined [`MqEncoder::encode`].
    fn byte_out(out: &mut Vec<u8>, mut c: u32) -> (u32, u32) {
        let last = out.last_mut().expect("never empty");
        if *last == 0xFF {
            out.push((c >> 20) as u8);
            (c & 0xFFFFF, 7)
        } else if c < 0x800_0000 {
            out.push((c >> 19) as u8);
            (c & 0x7FFFF, 8)
        } else {
            *last = last.wrapping_add(1);
            if *last == 0xFF {
                c &= 0x7FF_FFFF;
                out.push((c >> 20) as u8);
                (c & 0xFFFFF, 7)
            } else {
                out.push((c >> 19) as u8);
                (c & 0x7FFFF, 8)
            }
        }
    }

    /// RENORME (T.88 E.2.6) when CT runs down on the way: doubles A and C until A reaches
    /// 0x8000, a byte out each time CT reaches 0. Returns A, C and CT.
    #[cold]
    #[inline(never)]
    fn renormalise(out: &mut Vec<u8>, mut a: u32, mut c: u32, mut ct: u32) -> (u32, u32, u32) {
        let mut n = a.leading_zeros() - 16;
        while n >= ct {
            a <<= ct;
            c <<= ct;
            n -= ct;
            (c, ct) = Self::byte_out(out, c);
        }
        (a << n, c << n, ct - n)
    }

    /// ENCODE (T.88 E.2.2): codes `bit` in context `cx`.
    ///
    /// CODEMPS and CODELPS (E.2.3, E.2.4) with their conditional exchange come down to one
    /// question, whether the symbol takes the upper sub-interval (A unchanged, C + Qe) or the
    /// lower one (A = Qe): the upper exactly when "MPS" and "A < Qe" differ. Written so, with
    /// RENORME counted by leading zeros, the only branch left is the rare byte out, which keeps
    /// the pipeline full on the unpredictable symbols of text edges.
    #[inline(always)]
    pub fn encode(&mut self, cx: &mut Context, bit: u8) {
        let t = cx.transition();
        let a = self.a - t.qe;
        let mps = bit == t.mps;
        let upper = mps != (a < t.qe);
        self.a = if upper { a } else { t.qe };
        self.c += if upper { t.qe } else { 0 };
        *cx = match (mps, a & 0x8000 != 0) {
            (true, true) => *cx,
            (true, false) => t.after_mps,
            (false, _) => t.after_lps,
        };
        // RENORME (E.2.6), its doublings counted by leading zeros.
        let n = self.a.leading_zeros() - 16;
        if n < self.ct {
            self.a <<= n;
            self.c <<= n;
            self.ct -= n;
        } else {
            (self.a, self.c, self.ct) = Self::renormalise(&mut self.out, self.a, self.c, self.ct);
        }
    }

    /// Codes `n` MPS symbols in context `cx`, as `n` calls of [`MqEncoder::encode`] would.
    ///
    /// While A stays at or above 0x8000 an MPS only moves Qe from A to C (T.88 E.2.4, Figure
    /// E.5), so the symbols before the next renormalisation are coded in one step. On a white
    /// page area whose context has settled at Qe = 0x0001 that is some 32,000 pixels a step.
    #[inline(always)]
    pub fn encode_mps_run(&mut self, cx: &mut Context, mut n: u32) {
        while n > 0 {
            let qe = cx.transition().qe;
            // A >= 0x8000 between calls (INITENC and RENORME both leave it so). Most runs fit
            // before the next renormalisation: a multiply tells, and spares the division.
            let room = self.a - 0x8000;
            let k = if u64::from(n) * u64::from(qe) <= u64::from(room) {
                n
            } else {
                (room / qe).min(n)
            };
            self.a -= k * qe;
            self.c += k * qe;
            n -= k;
            if n > 0 {
                self.encode(cx, cx.mps());
                n -= 1;
            }
        }
    }

    /// FLUSH (T.88 E.2.9): SETBITS, two bytes out, then the 0xFF 0xAC end marker.
    pub fn finish(mut self) -> Vec<u8> {
        let temp = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= temp {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        (self.c, self.ct) = Self::byte_out(&mut self.out, self.c);
        self.c <<= self.ct;
        (self.c, _) = Self::byte_out(&mut self.out, self.c);
        if self.out.last() != Some(&0xFF) {
            self.out.push(0xFF);
        }
        self.out.push(0xAC);
        self.out.remove(0);
        self.out
    }
}

/// The MQ decoder (T.88 E.3), keeping C as the distance from the top of the interval (the
/// convention in which DECODE compares the high half of C with A).
pub struct MqDecoder<'a> {
    data: &'a [u8],
    /// Index of the current byte B.
    bp: usize,
    a: u32,
    c: u32,
    ct: u32,
}

impl<'a> MqDecoder<'a> {
    /// INITDEC (T.88 E.3.5).
    pub fn new(data: &'a [u8]) -> Self {
        let mut d = MqDecoder {
            data,
            bp: 0,
            a: 0x8000,
            c: 0,
            ct: 0,
        };
        d.c = u32::from(d.byte(0) ^ 0xFF) << 16;
        d.byte_in();
        d.c <<= 7;
        d.ct -= 7;
        d.a = 0x8000;
        d
    }

    /// The byte at `i`; past the end the data reads as 0xFF, as T.88 E.3.4 allows.
    fn byte(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0xFF)
    }

    /// BYTEIN (T.88 E.3.4).
    fn byte_in(&mut self) {
        if self.byte(self.bp) == 0xFF {
            // A marker (0xFF then above 0x8F) ends the data: read ones from here on.
            if self.byte(self.bp + 1) > 0x8F {
                self.ct = 8;
            } else {
                self.bp += 1;
                // After 0xFF the encoder's carry may make the byte 0x80 to 0x8F, so this adds a
                // negative amount: 32-bit wrapping arithmetic, as T.88 Figure E.19 means it.
                let b = u32::from(self.byte(self.bp)) << 9;
                self.c = self.c.wrapping_add(0xFE00).wrapping_sub(b);
                self.ct = 7;
            }
        } else {
            self.bp += 1;
            self.c += 0xFF00 - (u32::from(self.byte(self.bp)) << 8);
            self.ct = 8;
        }
    }

    /// RENORMD (T.88 E.3.3), the doublings counted with one leading-zeros instruction.
    #[inline(always)]
    fn renormalise(&mut self) {
        let mut n = self.a.leading_zeros() - 16;
        while n > 0 {
            if self.ct == 0 {
                self.byte_in();
            }
            let s = n.min(self.ct);
            self.a <<= s;
            self.c <<= s;
            self.ct -= s;
            n -= s;
        }
    }

    /// Decodes up to `max` symbols in context `cx` that are certain to be the MPS without a
    /// renormalisation, and returns how many: the steps in which A - Qe stays at or above both
    /// 0x8000 and Chigh + 1 (T.88 E.3.2, Figure E.15). The caller decodes the next symbol with
    /// [`MqDecoder::decode`].
    pub fn decode_mps_run(&mut self, cx: &Context, max: u32) -> u32 {
        let qe = cx.transition().qe;
        let c_high = self.c >> 16;
        if c_high >= self.a {
            return 0;
        }
        let room = (self.a - 0x8000).min(self.a - c_high - 1);
        let k = if u64::from(max) * u64::from(qe) <= u64::from(room) {
            max
        } else {
            (room / qe).min(max)
        };
        self.a -= k * qe;
        k
    }

    /// DECODE (T.88 E.3.2): one bit in context `cx`.
    #[inline(always)]
    pub fn decode(&mut self, cx: &mut Context) -> u8 {
        let t = cx.transition();
        self.a -= t.qe;
        let bit;
        if (self.c >> 16) < self.a {
            if self.a & 0x8000 != 0 {
                return t.mps;
            }
            // MPS_EXCHANGE (E.3.3)
            if self.a < t.qe {
                bit = t.mps ^ 1;
                *cx = t.after_lps;
            } else {
                bit = t.mps;
                *cx = t.after_mps;
            }
        } else {
            self.c -= self.a << 16;
            // LPS_EXCHANGE (E.3.2)
            if self.a < t.qe {
                self.a = t.qe;
                bit = t.mps;
                *cx = t.after_mps;
            } else {
                self.a = t.qe;
                bit = t.mps ^ 1;
                *cx = t.after_lps;
            }
        }
        self.renormalise();
        bit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_skewed_and_random_bits() {
        let mut state = 12345u32;
        let mut bits = Vec::new();
        for i in 0..200_000u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let skew = if (i / 5000) % 2 == 0 { 3 } else { 60 };
            bits.push(((state >> 16) % 64 < skew) as u8);
        }
        let mut contexts = [Context::default(); 4];
        let mut enc = MqEncoder::new();
        for (i, &b) in bits.iter().enumerate() {
            enc.encode(&mut contexts[i % 4], b);
        }
        let data = enc.finish();
        assert!(data.ends_with(&[0xFF, 0xAC]));
        let mut contexts = [Context::default(); 4];
        let mut dec = MqDecoder::new(&data);
        for (i, &b) in bits.iter().enumerate() {
            assert_eq!(dec.decode(&mut contexts[i % 4]), b, "bit {i}");
        }
        // Skewed bits code well below a bit each.
        assert!(data.len() * 8 < bits.len() / 2, "{} bytes", data.len());
    }

    /// ENCODE as T.88 Figures E.3 to E.6 draw it, one flowchart box after another: the
    /// reference for the branch-free [`MqEncoder::encode`].
    fn flowchart_encode(e: &mut MqEncoder, cx: &mut Context, bit: u8) {
        let (qe, nmps, nlps, switch) = QE[usize::from(cx.0 >> 1)];
        let (qe, mps) = (u32::from(qe), cx.0 & 1);
        e.a -= qe;
        if bit == mps {
            if e.a & 0x8000 == 0 {
                if e.a < qe {
                    e.a = qe;
                } else {
                    e.c += qe;
                }
                cx.0 = nmps << 1 | mps;
                flowchart_renorm(e);
            } else {
                e.c += qe;
            }
        } else {
            if e.a < qe {
                e.c += qe;
            } else {
                e.a = qe;
            }
            cx.0 = nlps << 1 | if switch { mps ^ 1 } else { mps };
            flowchart_renorm(e);
        }
    }

    /// RENORME as Figure E.8 draws it, a bit at a time.
    fn flowchart_renorm(e: &mut MqEncoder) {
        loop {
            e.a <<= 1;
            e.c <<= 1;
            e.ct -= 1;
            if e.ct == 0 {
                (e.c, e.ct) = MqEncoder::byte_out(&mut e.out, e.c);
            }
            if e.a & 0x8000 != 0 {
                break;
            }
        }
    }

    #[test]
    fn encoder_matches_the_flowcharts_byte_for_byte() {
        let mut state = 987_654_321u32;
        let (mut fast, mut reference) = (MqEncoder::new(), MqEncoder::new());
        let (mut a, mut b) = ([Context::default(); 16], [Context::default(); 16]);
        for i in 0..300_000u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let cx = (state >> 8) as usize % 16;
            // Mostly skewed, with bursts of noise, so that every state and exchange is visited.
            let skew = if (i / 7000) % 3 == 0 {
                32
            } else {
                2 + cx as u32
            };
            let bit = u8::from((state >> 16) % 64 < skew);
            fast.encode(&mut a[cx], bit);
            flowchart_encode(&mut reference, &mut b[cx], bit);
            assert_eq!(
                (fast.a, fast.c, fast.ct),
                (reference.a, reference.c, reference.ct)
            );
        }
        assert_eq!(a, b);
        assert_eq!(fast.finish(), reference.finish());
    }

    #[test]
    fn mps_runs_code_as_single_symbols_do() {
        // Runs of the MPS between isolated LPS, in one context, coded symbol by symbol and in
        // bulk: the same bytes, and bulk decoding gives the same symbols.
        let runs = [0u32, 1, 5, 40_000, 3, 100_000, 0, 7, 65_536, 2];
        let mut single = MqEncoder::new();
        let mut bulk = MqEncoder::new();
        let (mut a, mut b) = (Context::default(), Context::default());
        for &run in &runs {
            for _ in 0..run {
                let mps = a.mps();
                single.encode(&mut a, mps);
            }
            bulk.encode_mps_run(&mut b, run);
            assert_eq!(a, b);
            let (lps_a, lps_b) = (a.mps() ^ 1, b.mps() ^ 1);
            single.encode(&mut a, lps_a);
            bulk.encode(&mut b, lps_b);
        }
        let data = single.finish();
        assert_eq!(data, bulk.finish());

        let mut dec = MqDecoder::new(&data);
        let mut cx = Context::default();
        for &run in &runs {
            let mut got = 0;
            loop {
                let k = dec.decode_mps_run(&cx, run - got);
                got += k;
                if got == run {
                    break;
                }
                if k == 0 {
                    let mps = cx.mps();
                    assert_eq!(dec.decode(&mut cx), mps);
                    got += 1;
                    if got == run {
                        break;
                    }
                }
            }
            let mps = cx.mps();
            assert_eq!(dec.decode(&mut cx), mps ^ 1, "the LPS after a run of {run}");
        }
    }

    #[test]
    fn all_zero_and_all_one_streams() {
        for value in [0u8, 1] {
            let mut cx = Context::default();
            let mut enc = MqEncoder::new();
            for _ in 0..10_000 {
                enc.encode(&mut cx, value);
            }
            let data = enc.finish();
            let mut cx = Context::default();
            let mut dec = MqDecoder::new(&data);
            assert!((0..10_000).all(|_| dec.decode(&mut cx) == value));
        }
    }
}
