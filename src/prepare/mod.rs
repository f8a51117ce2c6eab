//! Everything done to a page before it is encoded: the only place where lossy steps happen, and
//! each one is named in the report.

pub mod analyse;
pub mod binarize;
pub mod layers;
