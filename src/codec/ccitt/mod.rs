//! CCITT Group 3 (ITU-T T.4) and Group 4 (ITU-T T.6) coding.
//!
//! Both directions work on lists of changing elements (T.4 4.2.1.3.1) found a word at a time, never
//! pixel by pixel. The encoder writes G4; the decoder reads G4, two-dimensional and one-dimensional
//! G3, and TIFF's Modified Huffman.

mod bits;
pub(crate) mod changes;
mod decode;
mod encode;
mod tables;

pub use decode::{Coding, DecodeParams, decode, decode_concealing};
pub use encode::{encode_g4, encode_g4_aligned};

#[cfg(test)]
mod tests;
