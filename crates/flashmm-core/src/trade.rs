//! Public trades: the [`Trade`] message for an execution printed by the venue.

use crate::identifiers::TradeId;
use crate::market::{MarketId, Price, Qty, Side};
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// An execution between any two participants, as printed on the venue's trade feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The market.
    pub market: MarketId,
    /// The venue's id of the trade.
    pub trade_id: TradeId,
    /// The execution price.
    pub price: Price,
    /// The executed quantity.
    pub qty: Qty,
    /// The side of the order that crossed the spread.
    pub aggressor: Side,
    /// When the venue executed it.
    pub ts: UnixNanos,
}

impl StreamMessage for Trade {
    const TYPE: &'static str = "trade";
    const VERSION: u16 = 1;
}
