//! What a subscription yields, and the state of one order.

use crate::protocol::{FillMsg, OrderUpdateMsg, WireConversionError};
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::TimeInForce;
use flashmm_core::order::{Fill, OrderStatus};
use flashmm_core::time::UnixNanos;

/// One of the account's orders as the venue reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderReport {
    /// The market.
    pub market: MarketId,
    /// FlashMM's id.
    pub client_id: ClientOrderId,
    /// The venue's id.
    pub venue_order_id: VenueOrderId,
    /// Buy or sell.
    pub side: Side,
    /// Limit price.
    pub price: Price,
    /// Order size (original, or amended).
    pub qty: Qty,
    /// Filled so far.
    pub filled: Qty,
    /// Still open.
    pub leaves: Qty,
    /// Time in force.
    pub tif: TimeInForce,
    /// State.
    pub status: OrderStatus,
    /// Why it was cancelled, expired or rejected.
    pub reason: Option<String>,
    /// Venue time of the change.
    pub ts: UnixNanos,
    /// Fills the request caused (empty for stream events and listings).
    pub fills: Vec<Fill>,
}

impl OrderReport {
    /// Converts a wire update with `spec`.
    pub fn from_wire(
        spec: &MarketSpec,
        u: &OrderUpdateMsg,
        fills: &[FillMsg],
    ) -> Result<Self, WireConversionError> {
        Ok(OrderReport {
            market: u.market.clone(),
            client_id: u.client_order_id.clone(),
            venue_order_id: u.order_id.clone(),
            side: u.side,
            price: spec.price_from_decimal(u.price)?,
            qty: spec.qty_from_decimal(u.size)?,
            filled: spec.qty_from_decimal(u.filled)?,
            leaves: spec.qty_from_decimal(u.remaining)?,
            tif: u.tif,
            status: u.status.to_core(),
            reason: u.reason.clone(),
            ts: UnixNanos(u.ts),
            fills: fills
                .iter()
                .map(|f| f.to_core(spec))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// One event of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueEvent {
    /// The connection is (re)established; snapshots follow. Books must be rebuilt from them.
    Connected,
    /// The connection was lost; the stream reconnects with backoff.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// Public market data: a book snapshot, a book delta (with `seq` and `prev_seq`) or a
    /// trade.
    Market(MarketEvent),
    /// A change of one of the account's orders.
    Order(OrderReport),
    /// A fill of one of the account's orders.
    Fill(Fill),
}
