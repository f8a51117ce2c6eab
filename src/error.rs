//! The one error type of the crate, split by cause.
//!
//! Callers match on the variant to decide what to do (skip the file, fix the options, report a bug);
//! the message always says what was wrong and where.

use std::path::PathBuf;

/// Everything that can go wrong in scanpress.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not what its format says it should be: truncated, corrupt, inconsistent.
    #[error("malformed {format} data: {message}")]
    Format {
        /// The format being read ("TIFF", "CCITT G4", ...).
        format: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The input is valid but uses a feature scanpress does not handle.
    #[error("unsupported {format} feature: {message}")]
    Unsupported {
        /// The format being read.
        format: &'static str,
        /// Which feature.
        message: String,
    },
    /// A declared size exceeds the configured limits; nothing was allocated for it.
    #[error("limit exceeded: {0}")]
    Limits(String),
    /// Decoding our own output did not give back the encoded bitmap; nothing was written.
    #[error("verification failed: {0}")]
    Verification(String),
    /// The caller asked for something impossible (bad option value, wrong output extension).
    #[error("invalid parameter: {0}")]
    Parameter(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::Format`] for `format` with `message`.
    pub fn format(format: &'static str, message: impl Into<String>) -> Self {
        Error::Format {
            format,
            message: message.into(),
        }
    }

    /// An [`Error::Unsupported`] for `format` with `message`.
    pub fn unsupported(format: &'static str, message: impl Into<String>) -> Self {
        Error::Unsupported {
            format,
            message: message.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
