//! JBIG2 (ITU-T T.88): the MQ coder, integer coding, generic regions (templates 0 to 3, AT
//! pixels, TPGDON), refinement, symbol dictionaries and text regions, both ways; connected
//! components, their classification and the symbol coding of pages; the segments of standalone files and PDF streams;
//! and our decoder, which reads all of these.

mod classify;
pub mod components;
pub mod decode;
pub mod generic;
pub mod integer;
pub mod mq;
pub mod refine;
pub mod segments;
pub mod symbol_coding;
pub mod symbols;
pub mod text;

#[cfg(test)]
mod tests;
