//! Changed price levels.

use flashmm_core::market::{Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// A changed level of the book: its new aggregate quantity, zero when the level is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelUpdate {
    /// Bid (`Buy`) or ask (`Sell`) side.
    pub side: Side,
    /// The level's price.
    pub price: Price,
    /// The new aggregate quantity; zero removes the level.
    pub qty: Qty,
}
