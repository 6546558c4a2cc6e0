//! The per-order events the engine emits.

use super::{Fill, OrderId, RejectReason, TimeInForce};
use crate::account::AccountId;
use flashmm_core::market::{Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// Why an open order left the book without being filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CancelReason {
    /// The owner cancelled it (cancel or cancel-all).
    Requested,
    /// A cancel-replace moved it to a new order, which loses time priority.
    Replaced {
        /// The id of the replacing order.
        by: OrderId,
    },
    /// Self-trade prevention: an incoming order of the same account would have matched it.
    SelfTrade,
    /// The venue reset the market (a replayed recording restarting from its beginning).
    MarketReset,
}

/// Something that happened to one order, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    /// The order passed validation and funding and entered the engine.
    Accepted {
        /// Its new id.
        order: OrderId,
        /// The owner.
        account: AccountId,
        /// Buy or sell.
        side: Side,
        /// The limit price.
        price: Price,
        /// The size.
        qty: Qty,
        /// Time in force.
        tif: TimeInForce,
    },
    /// The request was refused; nothing changed.
    Rejected {
        /// The requesting account.
        account: AccountId,
        /// The order a cancel or replace referred to; `None` for a new order.
        order: Option<OrderId>,
        /// Why.
        reason: RejectReason,
    },
    /// Part or all of an order traded.
    Filled(Fill),
    /// An open order left the book unfilled; its reservation was released.
    Cancelled {
        /// The order.
        order: OrderId,
        /// The owner.
        account: AccountId,
        /// The quantity that was still open.
        qty: Qty,
        /// Why.
        reason: CancelReason,
    },
    /// The unfilled rest of an IOC order expired instead of resting.
    Expired {
        /// The order.
        order: OrderId,
        /// The owner.
        account: AccountId,
        /// The quantity that expired.
        qty: Qty,
    },
    /// A cancel-replace reduced the size of an order in place, keeping its time priority.
    Amended {
        /// The order.
        order: OrderId,
        /// The owner.
        account: AccountId,
        /// Its unchanged price.
        price: Price,
        /// Its new open quantity.
        qty: Qty,
    },
}
