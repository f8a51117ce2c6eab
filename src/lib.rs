//! scanpress recompresses scanned documents into the smallest pixel-exact bilevel files.
#![forbid(unsafe_code)]

pub mod bitmap;
pub mod codec;
pub mod error;
pub mod options;

pub use bitmap::Bitmap;
pub use error::{Error, Result};
pub use options::{Codec, Format, LinkRate, Limits, Options, Threshold};
