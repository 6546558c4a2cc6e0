//! Public trades.

use super::TradeSeq;
use flashmm_core::market::{Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// A trade as published to market data: no accounts or orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The trade number.
    pub id: TradeSeq,
    /// The execution price.
    pub price: Price,
    /// The quantity traded.
    pub qty: Qty,
    /// The side of the taker (a `Buy` lifted an ask).
    pub aggressor: Side,
}
