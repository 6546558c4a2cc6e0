//! The messages between the strategy and the simulated venue: [`NewOrder`], [`OrderAction`]
//! and [`ExchangeReport`].

use flashmm_core::market::{Price, Qty, Side};
use flashmm_core::order::Liquidity;
use flashmm_core::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Our id of an order in a backtest: a counter from 1.
pub type OrderId = u64;

/// A limit order the strategy sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewOrder {
    /// Our id.
    pub id: OrderId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price.
    pub price: Price,
    /// The size.
    pub qty: Qty,
}

/// What the strategy sends to the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    /// Place a new order.
    Place(NewOrder),
    /// Cancel a working order.
    Cancel(OrderId),
    /// Cancel every working order of the market.
    CancelAll,
}

/// Why the venue refused an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A post-only order would have crossed the spread when it arrived.
    WouldCross,
    /// The venue's book was not valid (before the first snapshot or after a gap).
    NoBook,
}

/// What the venue tells the strategy about its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeReport {
    /// (Part of) an order traded.
    Filled {
        /// The order.
        id: OrderId,
        /// Its side.
        side: Side,
        /// The execution price.
        price: Price,
        /// The lots traded.
        qty: Qty,
        /// Whether the order rested (maker) or crossed (taker).
        liquidity: Liquidity,
        /// Whether nothing of the order is left.
        done: bool,
        /// Venue time of the fill.
        ts: UnixNanos,
    },
    /// The order was refused on arrival.
    Rejected {
        /// The order.
        id: OrderId,
        /// Why.
        reason: RejectReason,
    },
    /// The order was cancelled.
    Cancelled {
        /// The order.
        id: OrderId,
    },
    /// The cancel came too late: the order had already filled.
    CancelRejected {
        /// The order.
        id: OrderId,
    },
}
