//! The `order` action's parts: [`OrderRequest`] (FlashMM's terms, exact decimals) and
//! [`OrderWire`] (the SDK's `OrderWire`: `a`, `b`, `p`, `s`, `r`, `t`, optional `c`).

use crate::wire::{decimal_to_wire, WireError};
use crate::{Asset, Cloid};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Time in force of a limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tif {
    /// Add liquidity only (post-only): refused rather than crossing the book.
    Alo,
    /// Good till cancelled.
    Gtc,
    /// Immediate or cancel: what does not fill at once is cancelled.
    Ioc,
}

/// How the orders of one action relate. FlashMM's orders are independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Grouping {
    /// Independent orders (`"na"`).
    Na,
    /// Take-profit / stop-loss orders tied to the parent order (`"normalTpsl"`).
    NormalTpsl,
    /// Take-profit / stop-loss orders tied to the position (`"positionTpsl"`).
    PositionTpsl,
}

/// The `limit` order type: `{"tif": "Alo" | "Gtc" | "Ioc"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LimitWire {
    /// Time in force.
    pub tif: Tif,
}

/// The order type `t`: FlashMM sends limit orders only (`{"limit": {"tif": ...}}`); trigger
/// orders are not modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderTypeWire {
    /// The limit order's terms.
    pub limit: LimitWire,
}

/// One order on the wire, field for field the SDK's `order_request_to_order_wire`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderWire {
    /// Asset number.
    pub a: Asset,
    /// Whether it buys.
    pub b: bool,
    /// Limit price, in the wire's decimal format.
    pub p: String,
    /// Size in base units, in the wire's decimal format.
    pub s: String,
    /// Reduce-only.
    pub r: bool,
    /// Order type.
    pub t: OrderTypeWire,
    /// Client order id; left out when absent, as the SDK does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c: Option<Cloid>,
}

/// A limit order in FlashMM's terms: exact decimals, rounded to the market's rules
/// ([`crate::rules::MarketRules`]) by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderRequest {
    /// Asset number.
    pub asset: Asset,
    /// Whether it buys.
    pub is_buy: bool,
    /// Limit price.
    pub price: Decimal,
    /// Size in base units.
    pub size: Decimal,
    /// Reduce-only.
    pub reduce_only: bool,
    /// Time in force.
    pub tif: Tif,
    /// Client order id (see [`Cloid::from_client_order_id`]).
    pub cloid: Option<Cloid>,
}

impl OrderRequest {
    /// The order on the wire; fails when the price or size has more than 8 decimals.
    pub fn to_wire(&self) -> Result<OrderWire, WireError> {
        Ok(OrderWire {
            a: self.asset,
            b: self.is_buy,
            p: decimal_to_wire(self.price)?,
            s: decimal_to_wire(self.size)?,
            r: self.reduce_only,
            t: OrderTypeWire {
                limit: LimitWire { tif: self.tif },
            },
            c: self.cloid,
        })
    }
}
