//! JBIG2 (ITU-T T.88): the MQ coder, generic region coding, and the segments of standalone files
//! and PDF streams. This version codes whole pages as one lossless generic region; symbol coding,
//! the other templates and the fast context registers come in later versions.

pub mod generic;
pub mod mq;
pub mod segments;

#[cfg(test)]
mod tests;
