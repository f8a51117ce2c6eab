//! JBIG1 (ITU-T T.82, and T.85's profile of it for fax): the arithmetic coder, the lowest
//! resolution layer's templates with adaptive template pixel and typical prediction, differential
//! resolution layers with typical and deterministic prediction and resolution reduction, stripes,
//! the bi-level image entity (BIE) with its header and marker segments, both ways; and an
//! incremental decoder that shows each layer as soon as its last byte arrives.

pub mod arith;
pub mod bie;
pub mod decode;
mod differential;
pub mod encode;
pub mod incremental;
mod lowest;
mod tables;
mod window;
