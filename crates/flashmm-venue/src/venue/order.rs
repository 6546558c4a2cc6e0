//! Order entry requests and balances in ticks and lots.

use super::OrderRef;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::order::TimeInForce;
use rust_decimal::Decimal;

/// A new limit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The market.
    pub market: MarketId,
    /// FlashMM's id for it.
    pub client_id: ClientOrderId,
    /// Buy or sell.
    pub side: Side,
    /// Limit price in ticks.
    pub price: Price,
    /// Size in lots.
    pub qty: Qty,
    /// GTC, IOC or post-only.
    pub tif: TimeInForce,
}

/// A cancel-replace of an open order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceOrder {
    /// The market.
    pub market: MarketId,
    /// The order replaced.
    pub order: OrderRef,
    /// New limit price in ticks.
    pub price: Price,
    /// New open size in lots.
    pub qty: Qty,
    /// The client id of the new order when the venue creates one; the old id when `None`.
    pub new_client_id: Option<ClientOrderId>,
}

/// One asset's balance, exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetBalance {
    /// The asset.
    pub asset: String,
    /// Free to use.
    pub available: Decimal,
    /// Held by open orders.
    pub reserved: Decimal,
}
