//! Order requests and resting orders.

use super::OrderId;
use crate::account::AccountId;
use flashmm_core::market::{Price, Qty, Side};
use flashmm_core::order::TimeInForce;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A new limit order as submitted to [`MatchingEngine::place`](super::MatchingEngine::place).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// The account placing the order.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price in ticks.
    pub price: Price,
    /// The size in lots.
    pub qty: Qty,
    /// Time in force.
    pub tif: TimeInForce,
}

impl OrderRequest {
    /// A request of `account` for `lots` lots on `side` at `ticks`.
    pub fn new(account: AccountId, side: Side, ticks: i64, lots: i64, tif: TimeInForce) -> Self {
        OrderRequest {
            account,
            side,
            price: Price::from_ticks(ticks),
            qty: Qty::from_lots(lots),
            tif,
        }
    }
}

/// An order in the book (or being matched), as the engine tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestingOrder {
    /// The engine's id for it.
    pub id: OrderId,
    /// The owning account.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price.
    pub price: Price,
    /// The open (unfilled) quantity.
    pub qty: Qty,
    /// The quantity filled so far.
    pub filled: Qty,
    /// Time in force.
    pub tif: TimeInForce,
    /// What the order still holds reserved in the ledger: quote for a buy (notional plus the
    /// worst-case fee), base for a sell.
    pub reserved: Decimal,
}
