//! The execution report of one of our fills.

use super::Liquidity;
use crate::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use crate::market::{MarketId, Price, Qty, Side};
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One execution of one of our orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    /// The market.
    pub market: MarketId,
    /// Our id of the order that traded.
    pub client_id: ClientOrderId,
    /// The venue's id of the order that traded.
    pub venue_order_id: VenueOrderId,
    /// The venue's id of the trade.
    pub trade_id: TradeId,
    /// Our side.
    pub side: Side,
    /// The execution price.
    pub price: Price,
    /// The executed quantity.
    pub qty: Qty,
    /// The fee charged, in quote currency; negative is a rebate received.
    pub fee: Decimal,
    /// Whether we made or took liquidity.
    pub liquidity: Liquidity,
    /// When the venue executed it.
    pub ts: UnixNanos,
}

impl StreamMessage for Fill {
    const TYPE: &'static str = "fill";
    const VERSION: u16 = 1;
}
