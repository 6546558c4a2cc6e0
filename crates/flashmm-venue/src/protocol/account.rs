//! Private messages of an authenticated account: order updates and fills.

use super::WireConversionError;
use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Side};
use flashmm_core::order::OrderStatus;
use flashmm_core::order::{Liquidity, TimeInForce};
use flashmm_core::time::UnixNanos;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order's state as the venue reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusWire {
    /// Resting in the book with nothing filled.
    Open,
    /// Resting in the book, partly filled.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Left the book unfilled (requested, replaced, self-trade prevention, disconnect).
    Cancelled,
    /// The unfilled rest of an IOC order.
    Expired,
    /// Refused; nothing changed.
    Rejected,
}

impl OrderStatusWire {
    /// Core's order status for this state.
    pub fn to_core(self) -> OrderStatus {
        match self {
            OrderStatusWire::Open => OrderStatus::Open,
            OrderStatusWire::PartiallyFilled => OrderStatus::PartiallyFilled,
            OrderStatusWire::Filled => OrderStatus::Filled,
            OrderStatusWire::Cancelled => OrderStatus::Cancelled,
            OrderStatusWire::Expired => OrderStatus::Expired,
            OrderStatusWire::Rejected => OrderStatus::Rejected,
        }
    }

    /// Whether the order can no longer change.
    pub fn is_terminal(self) -> bool {
        self.to_core().is_terminal()
    }
}

/// The state of one of the account's orders after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderUpdateMsg {
    /// The market.
    pub market: MarketId,
    /// The venue's id of the order.
    pub order_id: VenueOrderId,
    /// The id the client gave it.
    pub client_order_id: ClientOrderId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price.
    pub price: Decimal,
    /// The order's size: the original size, or the new size after an amendment.
    pub size: Decimal,
    /// The size filled so far.
    pub filled: Decimal,
    /// The size still open (zero once terminal).
    pub remaining: Decimal,
    /// Time in force.
    pub tif: TimeInForce,
    /// The state after the change.
    pub status: OrderStatusWire,
    /// Why it was cancelled, expired or rejected, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the change happened, UTC nanoseconds.
    pub ts: i64,
}

/// One execution of one of the account's orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillMsg {
    /// The market.
    pub market: MarketId,
    /// The venue's trade id, shared with the public trade.
    pub trade_id: String,
    /// The venue's id of the order.
    pub order_id: VenueOrderId,
    /// The id the client gave the order.
    pub client_order_id: ClientOrderId,
    /// The order's side.
    pub side: Side,
    /// Maker or taker.
    pub liquidity: Liquidity,
    /// The execution price.
    pub price: Decimal,
    /// The size executed.
    pub size: Decimal,
    /// The fee in quote currency; negative is a rebate paid to the account.
    pub fee: Decimal,
    /// The asset the fee is paid in.
    pub fee_asset: String,
    /// What is still open on the order after this fill.
    pub remaining: Decimal,
    /// When it happened, UTC nanoseconds.
    pub ts: i64,
}

impl FillMsg {
    /// The fill as core's fill message, in ticks and lots.
    pub fn to_core(
        &self,
        spec: &MarketSpec,
    ) -> Result<flashmm_core::order::Fill, WireConversionError> {
        Ok(flashmm_core::order::Fill {
            market: self.market.clone(),
            client_id: self.client_order_id.clone(),
            venue_order_id: self.order_id.clone(),
            trade_id: TradeId::new(self.trade_id.clone())?,
            side: self.side,
            price: spec.price_from_decimal(self.price)?,
            qty: spec.qty_from_decimal(self.size)?,
            fee: self.fee,
            liquidity: match self.liquidity {
                Liquidity::Maker => flashmm_core::order::Liquidity::Maker,
                Liquidity::Taker => flashmm_core::order::Liquidity::Taker,
            },
            ts: UnixNanos(self.ts),
        })
    }
}
