//! JBIG2 (ITU-T T.88): the MQ coder, generic region coding (templates 0 to 3, AT pixels,
//! TPGDON), the segments of standalone files and PDF streams, and our decoder, which also reads
//! arithmetic symbol dictionaries and text regions. Pages are coded as one lossless generic
//! region; symbol coding comes in a later version.

pub mod components;
pub mod decode;
pub mod generic;
pub mod integer;
pub mod mq;
pub mod refine;
pub mod segments;
pub mod symbol_page;
pub mod symbols;
pub mod text;

#[cfg(test)]
mod tests;
