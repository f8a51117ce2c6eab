//! Containers: each builds a file from encoded pages, in memory, for the pipeline to write atomically.

pub mod pdf;
pub mod tiff;
