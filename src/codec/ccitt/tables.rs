//! The code tables of ITU-T T.4 (07/2003) and the lookup tables built from them.
//!
//! Source: T.4 Table 2 (terminating codes), Table 3 (make-up codes, with the extended make-up codes
//! shared by both colours for runs of 1792 to 2560) and Table 4 (two-dimensional mode codes, also used
//! unchanged by T.6 Table 1). Each entry is `(length in bits, code)`, the code right-aligned.

use std::sync::OnceLock;

/// T.4 Table 2, white terminating codes for runs 0 to 63.
pub const WHITE_TERMINATING: [(u8, u16); 64] = [
    (8, 0b00110101),
    (6, 0b000111),
    (4, 0b0111),
    (4, 0b1000),
    (4, 0b1011),
    (4, 0b1100),
    (4, 0b1110),
    (4, 0b1111),
    (5, 0b10011),
    (5, 0b10100),
    (5, 0b00111),
    (5, 0b01000),
    (6, 0b001000),
    (6, 0b000011),
    (6, 0b110100),
    (6, 0b110101),
    (6, 0b101010),
    (6, 0b101011),
    (7, 0b0100111),
    (7, 0b0001100),
    (7, 0b0001000),
    (7, 0b0010111),
    (7, 0b0000011),
    (7, 0b0000100),
    (7, 0b0101000),
    (7, 0b0101011),
    (7, 0b0010011),
    (7, 0b0100100),
    (7, 0b0011000),
    (8, 0b00000010),
    (8, 0b00000011),
    (8, 0b00011010),
    (8, 0b00011011),
    (8, 0b00010010),
    (8, 0b00010011),
    (8, 0b00010100),
    (8, 0b00010101),
    (8, 0b00010110),
    (8, 0b00010111),
    (8, 0b00101000),
    (8, 0b00101001),
    (8, 0b00101010),
    (8, 0b00101011),
    (8, 0b00101100),
    (8, 0b00101101),
    (8, 0b00000100),
    (8, 0b00000101),
    (8, 0b00001010),
    (8, 0b00001011),
    (8, 0b01010010),
    (8, 0b01010011),
    (8, 0b01010100),
    (8, 0b01010101),
    (8, 0b00100100),
    (8, 0b00100101),
    (8, 0b01011000),
    (8, 0b01011001),
    (8, 0b01011010),
    (8, 0b01011011),
    (8, 0b01001010),
    (8, 0b01001011),
    (8, 0b00110010),
    (8, 0b00110011),
    (8, 0b00110100),
];

/// T.4 Table 2, black terminating codes for runs 0 to 63.
pub const BLACK_TERMINATING: [(u8, u16); 64] = [
    (10, 0b0000110111),
    (3, 0b010),
    (2, 0b11),
    (2, 0b10),
    (3, 0b011),
    (4, 0b0011),
    (4, 0b0010),
    (5, 0b00011),
    (6, 0b000101),
    (6, 0b000100),
    (7, 0b0000100),
    (7, 0b0000101),
    (7, 0b0000111),
    (8, 0b00000100),
    (8, 0b00000111),
    (9, 0b000011000),
    (10, 0b0000010111),
    (10, 0b0000011000),
    (10, 0b0000001000),
    (11, 0b00001100111),
    (11, 0b00001101000),
    (11, 0b00001101100),
    (11, 0b00000110111),
    (11, 0b00000101000),
    (11, 0b00000010111),
    (11, 0b00000011000),
    (12, 0b000011001010),
    (12, 0b000011001011),
    (12, 0b000011001100),
    (12, 0b000011001101),
    (12, 0b000001101000),
    (12, 0b000001101001),
    (12, 0b000001101010),
    (12, 0b000001101011),
    (12, 0b000011010010),
    (12, 0b000011010011),
    (12, 0b000011010100),
    (12, 0b000011010101),
    (12, 0b000011010110),
    (12, 0b000011010111),
    (12, 0b000001101100),
    (12, 0b000001101101),
    (12, 0b000011011010),
    (12, 0b000011011011),
    (12, 0b000001010100),
    (12, 0b000001010101),
    (12, 0b000001010110),
    (12, 0b000001010111),
    (12, 0b000001100100),
    (12, 0b000001100101),
    (12, 0b000001010010),
    (12, 0b000001010011),
    (12, 0b000000100100),
    (12, 0b000000110111),
    (12, 0b000000111000),
    (12, 0b000000100111),
    (12, 0b000000101000),
    (12, 0b000001011000),
    (12, 0b000001011001),
    (12, 0b000000101011),
    (12, 0b000000101100),
    (12, 0b000001011010),
    (12, 0b000001100110),
    (12, 0b000001100111),
];

/// T.4 Table 3, white make-up codes for runs 64, 128, ... 1728.
pub const WHITE_MAKEUP: [(u8, u16); 27] = [
    (5, 0b11011),
    (5, 0b10010),
    (6, 0b010111),
    (7, 0b0110111),
    (8, 0b00110110),
    (8, 0b00110111),
    (8, 0b01100100),
    (8, 0b01100101),
    (8, 0b01101000),
    (8, 0b01100111),
    (9, 0b011001100),
    (9, 0b011001101),
    (9, 0b011010010),
    (9, 0b011010011),
    (9, 0b011010100),
    (9, 0b011010101),
    (9, 0b011010110),
    (9, 0b011010111),
    (9, 0b011011000),
    (9, 0b011011001),
    (9, 0b011011010),
    (9, 0b011011011),
    (9, 0b010011000),
    (9, 0b010011001),
    (9, 0b010011010),
    (6, 0b011000),
    (9, 0b010011011),
];

/// T.4 Table 3, black make-up codes for runs 64, 128, ... 1728.
pub const BLACK_MAKEUP: [(u8, u16); 27] = [
    (10, 0b0000001111),
    (12, 0b000011001000),
    (12, 0b000011001001),
    (12, 0b000001011011),
    (12, 0b000000110011),
    (12, 0b000000110100),
    (12, 0b000000110101),
    (13, 0b0000001101100),
    (13, 0b0000001101101),
    (13, 0b0000001001010),
    (13, 0b0000001001011),
    (13, 0b0000001001100),
    (13, 0b0000001001101),
    (13, 0b0000001110010),
    (13, 0b0000001110011),
    (13, 0b0000001110100),
    (13, 0b0000001110101),
    (13, 0b0000001110110),
    (13, 0b0000001110111),
    (13, 0b0000001010010),
    (13, 0b0000001010011),
    (13, 0b0000001010100),
    (13, 0b0000001010101),
    (13, 0b0000001011010),
    (13, 0b0000001011011),
    (13, 0b0000001100100),
    (13, 0b0000001100101),
];

/// T.4 Table 3, extended make-up codes for runs 1792, 1856, ... 2560, the same for both colours.
pub const EXTENDED_MAKEUP: [(u8, u16); 13] = [
    (11, 0b00000001000),
    (11, 0b00000001100),
    (11, 0b00000001101),
    (12, 0b000000010010),
    (12, 0b000000010011),
    (12, 0b000000010100),
    (12, 0b000000010101),
    (12, 0b000000010110),
    (12, 0b000000010111),
    (12, 0b000000011100),
    (12, 0b000000011101),
    (12, 0b000000011110),
    (12, 0b000000011111),
];

/// T.4 4.1.2: the end-of-line code, eleven zeros and a one.
pub const EOL: (u8, u16) = (12, 0b000000000001);

/// T.4 Table 4 / T.6 Table 1: pass mode.
pub const PASS: (u8, u16) = (4, 0b0001);
/// T.4 Table 4 / T.6 Table 1: horizontal mode.
pub const HORIZONTAL: (u8, u16) = (3, 0b001);
/// T.4 Table 4 / T.6 Table 1: vertical modes for a1 - b1 = -3 ..= 3.
pub const VERTICAL: [(u8, u16); 7] = [
    (7, 0b0000010),
    (6, 0b000010),
    (3, 0b010),
    (1, 0b1),
    (3, 0b011),
    (6, 0b000011),
    (7, 0b0000011),
];

/// Bits looked at at once when decoding a run code: the longest code has 13.
pub const RUN_PEEK: u32 = 13;
/// Bits looked at at once when decoding a mode code: the longest mode code has 7.
pub const MODE_PEEK: u32 = 7;

/// A decoded run code: its length in bits (0 = no such code) and the run it adds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunEntry {
    /// Code length in bits; 0 when the peeked bits start no valid code.
    pub len: u8,
    /// The run: below 64 for a terminating code, a multiple of 64 for a make-up code.
    pub run: u16,
}

/// A decoded two-dimensional mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// No valid mode code starts here (or an EOL / extension prefix).
    #[default]
    Invalid,
    /// Pass mode.
    Pass,
    /// Horizontal mode.
    Horizontal,
    /// Vertical mode with a1 - b1 = the offset.
    Vertical(i8),
}

/// Lookup tables indexed by the next [`RUN_PEEK`] or [`MODE_PEEK`] bits.
pub struct DecodeTables {
    /// White run codes.
    pub white: Vec<RunEntry>,
    /// Black run codes.
    pub black: Vec<RunEntry>,
    /// Mode codes, with their lengths.
    pub modes: Vec<(u8, Mode)>,
}

fn fill_runs(table: &mut [RunEntry], (len, code): (u8, u16), run: u16) {
    let shift = RUN_PEEK - u32::from(len);
    let base = (code as usize) << shift;
    for entry in &mut table[base..base + (1 << shift)] {
        *entry = RunEntry { len, run };
    }
}

fn build_run_table(terminating: &[(u8, u16); 64], makeup: &[(u8, u16); 27]) -> Vec<RunEntry> {
    let mut table = vec![RunEntry::default(); 1 << RUN_PEEK];
    for (run, &code) in terminating.iter().enumerate() {
        fill_runs(&mut table, code, run as u16);
    }
    for (i, &code) in makeup.iter().enumerate() {
        fill_runs(&mut table, code, 64 * (i as u16 + 1));
    }
    for (i, &code) in EXTENDED_MAKEUP.iter().enumerate() {
        fill_runs(&mut table, code, 1792 + 64 * i as u16);
    }
    table
}

/// The decode tables, built once.
pub fn decode_tables() -> &'static DecodeTables {
    static TABLES: OnceLock<DecodeTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut modes = vec![(0u8, Mode::Invalid); 1 << MODE_PEEK];
        let mut put = |(len, code): (u8, u16), mode: Mode| {
            let shift = MODE_PEEK - u32::from(len);
            let base = (code as usize) << shift;
            for entry in &mut modes[base..base + (1 << shift)] {
                *entry = (len, mode);
            }
        };
        put(PASS, Mode::Pass);
        put(HORIZONTAL, Mode::Horizontal);
        for (i, &code) in VERTICAL.iter().enumerate() {
            put(code, Mode::Vertical(i as i8 - 3));
        }
        DecodeTables {
            white: build_run_table(&WHITE_TERMINATING, &WHITE_MAKEUP),
            black: build_run_table(&BLACK_TERMINATING, &BLACK_MAKEUP),
            modes,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table must be a prefix code: no code may be a prefix of another of the same colour.
    fn assert_prefix_free(codes: &[(u8, u16)]) {
        for (i, &(la, ca)) in codes.iter().enumerate() {
            for &(lb, cb) in &codes[i + 1..] {
                let l = la.min(lb);
                assert_ne!(
                    ca >> (la - l),
                    cb >> (lb - l),
                    "codes {ca:0la$b} and {cb:0lb$b} clash",
                    la = la as usize,
                    lb = lb as usize
                );
            }
        }
    }

    #[test]
    fn run_codes_are_prefix_free() {
        for (t, m) in [
            (&WHITE_TERMINATING, &WHITE_MAKEUP),
            (&BLACK_TERMINATING, &BLACK_MAKEUP),
        ] {
            let mut all: Vec<_> = t.iter().chain(m).chain(&EXTENDED_MAKEUP).copied().collect();
            all.push(EOL);
            assert_prefix_free(&all);
        }
        let mut modes = vec![PASS, HORIZONTAL, EOL];
        modes.extend_from_slice(&VERTICAL);
        assert_prefix_free(&modes);
    }

    #[test]
    fn tables_cover_every_code() {
        let t = decode_tables();
        // White 0 is 00110101, black 1728 is 0000001100101.
        assert_eq!(t.white[0b00110101 << 5], RunEntry { len: 8, run: 0 });
        assert_eq!(t.black[0b0000001100101], RunEntry { len: 13, run: 1728 });
        assert_eq!(
            t.white[0b000000011111 << 1],
            RunEntry { len: 12, run: 2560 }
        );
        assert_eq!(t.white[0].len, 0);
        assert_eq!(t.modes[0b1000000], (1, Mode::Vertical(0)));
        assert_eq!(t.modes[0b0000011], (7, Mode::Vertical(3)));
        assert_eq!(t.modes[0b0001000], (4, Mode::Pass));
        assert_eq!(t.modes[0b0000001].1, Mode::Invalid);
    }
}
