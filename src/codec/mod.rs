//! The codecs. Each works on [`crate::Bitmap`] and byte slices, with no I/O.

pub mod ccitt;
pub mod jbig1;
pub mod jbig2;
pub mod jpeg;
