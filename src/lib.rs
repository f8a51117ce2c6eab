//! scanpress recompresses scanned documents into the smallest pixel-exact bilevel files, so that
//! scanned letters open in a second or two over a slow line.
//!
//! Pages flow `input` → `prepare` → `codec` → verify → `output`, one at a time; [`pipeline`] joins
//! the steps and [`report`] says what each page cost.
//!
//! ```
//! use scanpress::{Format, Options, pipeline};
//!
//! let fax = std::fs::read("testdata/fax2d-manpage.tif")?;
//! // A JBIG2 PDF (the default) or a G4 TIFF; every page is decoded again and compared before this
//! // returns.
//! let (pdf, pages) = pipeline::compress_bytes(&fax, None, &Options::default())?;
//! assert!(pdf.starts_with(b"%PDF") && pages[0].verified);
//! let tiff_options = Options::default().with_format(Format::Tiff);
//! let (tiff, _) = pipeline::compress_bytes(&fax, None, &tiff_options)?;
//! assert!(tiff.len() < fax.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The codecs work on [`Bitmap`] and byte slices with no I/O:
//!
//! ```
//! use scanpress::codec::ccitt::{self, Coding, DecodeParams};
//! use scanpress::{Bitmap, Limits};
//!
//! let mut page = Bitmap::new(1728, 100, &Limits::default())?;
//! for x in 100..900 {
//!     page.set(x, 50, true);
//! }
//! let g4 = ccitt::encode_g4(&page);
//! let back = ccitt::decode(&g4, &DecodeParams::new(Coding::G4, 1728, Some(100)), &Limits::default())?;
//! assert_eq!(back, page);
//!
//! use scanpress::codec::jbig2::{decode, generic, segments};
//! let params = generic::GenericParams::nominal(generic::Template::T0);
//! let region = generic::encode(&page, &params);
//! let stream = segments::embedded_page(1728, 100, (200.0, 200.0), &params, &region);
//! assert_eq!(decode::decode_embedded(&stream, None, &Limits::default())?, page);
//! # Ok::<(), scanpress::Error>(())
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod bitmap;
#[cfg(feature = "capi")]
pub mod capi;
pub mod codec;
pub mod error;
pub mod fuzzing;
pub mod input;
pub mod options;
pub mod output;
pub mod page;
pub mod pipeline;
pub mod prepare;
pub(crate) mod processors;
pub mod report;
pub mod simd;

pub use bitmap::Bitmap;
pub use error::{Error, Result};
pub use options::{Codec, Format, Limits, LinkRate, Options, Threshold};
pub use page::{Page, PageImage};
