//! How one resolution layer is coded, the same for the encoder and the decoder: the lowest
//! layer's templates (T.82 6.7.1) or a differential layer's (6.7.2), each with what carries from
//! stripe to stripe.

use super::differential::DifferentialLayer;
use super::lowest::LowestLayer;

/// A layer's coder.
pub(super) enum LayerCoder {
    Lowest(LowestLayer),
    Differential(DifferentialLayer),
}

impl LayerCoder {
    /// Starts again after an SDRST (T.82 6.2.6.1).
    pub(super) fn reset(&mut self) {
        match self {
            LayerCoder::Lowest(lowest) => lowest.reset(),
            LayerCoder::Differential(differential) => differential.reset(),
        }
    }
}
