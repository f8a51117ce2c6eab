//! scanpress recompresses scanned documents into the smallest pixel-exact bilevel files.
#![deny(unsafe_code)]

pub mod bitmap;
pub mod codec;
pub mod error;
pub mod input;
pub mod options;
pub mod output;
pub mod page;
pub mod pipeline;
pub mod prepare;
pub mod report;
pub mod simd;

pub use bitmap::Bitmap;
pub use error::{Error, Result};
pub use options::{Codec, Format, Limits, LinkRate, Options, Threshold};
pub use page::{Page, PageImage};
