//! REST request and response bodies.

use super::{FillMsg, OrderUpdateMsg};
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Side};
use flashmm_core::order::TimeInForce;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/markets`: the listed markets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketsResponse {
    /// Every market's spec: tick, lot, minimum notional, maker and taker fee rates.
    pub markets: Vec<MarketSpec>,
}

/// `POST /api/v1/orders`: a new limit order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrderRequest {
    /// The market.
    pub market: MarketId,
    /// The client's id for the order, unique among the account's open orders.
    pub client_order_id: ClientOrderId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price, a multiple of the tick size.
    pub price: Decimal,
    /// The size in base units, a multiple of the lot size.
    pub size: Decimal,
    /// GTC, IOC or post-only.
    pub tif: TimeInForce,
}

/// Which order a cancel or replace refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderRef {
    /// By the venue's id: `{"order_id": "42"}`.
    OrderId(VenueOrderId),
    /// By the client's id: `{"client_order_id": "mm-7"}`.
    ClientOrderId(ClientOrderId),
}

/// `POST /api/v1/orders/cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    /// The market.
    pub market: MarketId,
    /// The order.
    #[serde(flatten)]
    pub order: OrderRef,
}

/// `POST /api/v1/orders/replace`: a new price and size for an open order.
///
/// At the same price and a size not larger than the open size the order is amended in place
/// and keeps its priority and ids; otherwise it is cancelled and a new order enters with a new
/// venue id and `new_client_order_id` (or the old client id when not given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplaceRequest {
    /// The market.
    pub market: MarketId,
    /// The order replaced.
    #[serde(flatten)]
    pub order: OrderRef,
    /// The new limit price.
    pub price: Decimal,
    /// The new open size.
    pub size: Decimal,
    /// The client id of the new order, when it gets a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_client_order_id: Option<ClientOrderId>,
}

/// `POST /api/v1/orders/cancel-all`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAllRequest {
    /// Only this market's orders; every market's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<MarketId>,
}

/// The answer to place, cancel and replace: the order's state after the request, and the
/// fills the request caused for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAck {
    /// The order after the request (the new order after a replace).
    pub order: OrderUpdateMsg,
    /// Its fills during the request.
    #[serde(default)]
    pub fills: Vec<FillMsg>,
}

/// The answer to cancel-all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAllResponse {
    /// The orders cancelled.
    pub cancelled: Vec<OrderUpdateMsg>,
}

/// `GET /api/v1/orders/open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrdersResponse {
    /// The account's open orders, oldest first per market.
    pub orders: Vec<OrderUpdateMsg>,
}

/// One asset's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceEntry {
    /// The asset, e.g. `USDC`.
    pub asset: String,
    /// Free to use.
    pub available: Decimal,
    /// Held by open orders.
    pub reserved: Decimal,
}

/// `GET /api/v1/balances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalancesResponse {
    /// One entry per asset the venue lists.
    pub balances: Vec<BalanceEntry>,
}

/// `GET /api/v1/fills?since=NS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillsResponse {
    /// The account's fills with `ts > since`, oldest first (the venue keeps the latest
    /// 10 000 per account).
    pub fills: Vec<FillMsg>,
}
