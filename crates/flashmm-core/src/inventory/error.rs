//! Errors raised when a fill cannot be booked into a position.

use crate::market::{MarketId, Qty};
use thiserror::Error;

/// Why a fill was refused. A refused fill leaves the position unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PositionError {
    /// The fill is for another market.
    #[error("fill for {got} applied to the position in {expected}")]
    MarketMismatch {
        /// The position's market.
        expected: MarketId,
        /// The fill's market.
        got: MarketId,
    },
    /// The fill's quantity is zero or negative.
    #[error("fill quantity must be positive, got {0}")]
    Qty(Qty),
    /// The position, its cost or its P&L would leave the representable range.
    #[error("position arithmetic overflow")]
    Overflow,
}
