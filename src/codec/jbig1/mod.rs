//! JBIG1 (ITU-T T.82, and T.85's profile of it for fax): the arithmetic coder, the lowest
//! resolution layer's templates with adaptive template pixel and typical prediction, stripes,
//! the bi-level image entity (BIE) with its header and marker segments, both ways.

pub mod arith;
pub mod bie;
pub mod decode;
mod differential;
pub mod encode;
mod lowest;
mod tables;
