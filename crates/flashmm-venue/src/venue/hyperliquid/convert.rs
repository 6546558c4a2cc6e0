//! The venue's messages as FlashMM's: books, trades, order updates and fills, in ticks and
//! lots; times from the venue's milliseconds to nanoseconds.

use super::HlMarket;
use crate::venue::{OrderReport, VenueError};
use flashmm_core::book::{BookLevel, BookSnapshot};
use flashmm_core::identifiers::{ClientOrderId, TradeId};
use flashmm_core::market::{Qty, Side};
use flashmm_core::order::{Fill, Liquidity, OrderStatus, TimeInForce};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_hyperliquid::info::{self, L2Book, Level};
use flashmm_hyperliquid::ws::{WsOrder, WsTrade};
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock in UTC milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// UTC milliseconds as UTC nanoseconds.
pub fn ms_to_ns(ms: u64) -> i64 {
    i64::try_from(ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000)
}

/// FlashMM's side of the venue's.
pub fn side_of(side: info::Side) -> Side {
    match side {
        info::Side::Bid => Side::Buy,
        info::Side::Ask => Side::Sell,
    }
}

/// Levels in ticks and lots.
pub fn levels(m: &HlMarket, levels: &[Level]) -> Result<Vec<BookLevel>, VenueError> {
    levels
        .iter()
        .map(|l| {
            Ok(BookLevel::new(
                m.price_from_wire(l.px)?,
                m.qty_from_wire(l.sz)?,
            ))
        })
        .collect()
}

/// A book of the venue as a snapshot with sequence number `seq`.
pub fn book_snapshot(m: &HlMarket, book: &L2Book, seq: u64) -> Result<BookSnapshot, VenueError> {
    Ok(BookSnapshot {
        market: m.spec.id().clone(),
        seq,
        bids: levels(m, book.bids())?,
        asks: levels(m, book.asks())?,
        ts: UnixNanos(ms_to_ns(book.time)),
    })
}

/// A public trade.
pub fn trade(m: &HlMarket, t: &WsTrade) -> Result<Trade, VenueError> {
    Ok(Trade {
        market: m.spec.id().clone(),
        trade_id: TradeId::new(t.tid.to_string()).map_err(|e| VenueError::Decode(e.to_string()))?,
        price: m.price_from_wire(t.px)?,
        qty: m.qty_from_wire(t.sz)?,
        aggressor: side_of(t.side),
        ts: UnixNanos(ms_to_ns(t.time)),
    })
}

/// One of the account's fills, for the FlashMM order `client_id`.
pub fn fill_to_core(
    m: &HlMarket,
    f: &info::Fill,
    client_id: ClientOrderId,
) -> Result<Fill, VenueError> {
    let decode = |e: flashmm_core::identifiers::IdError| VenueError::Decode(e.to_string());
    // The trade id, else the transaction hash with the order id (fills without `tid`).
    let trade_id = match f.tid {
        Some(tid) => tid.to_string(),
        None => format!("{}-{}", f.hash, f.oid),
    };
    Ok(Fill {
        market: m.spec.id().clone(),
        client_id,
        venue_order_id: super::client::oid_id(f.oid)?,
        trade_id: TradeId::new(trade_id).map_err(decode)?,
        side: side_of(f.side),
        price: m.price_from_wire(f.px)?,
        qty: m.qty_from_wire(f.sz)?,
        fee: f.fee,
        liquidity: if f.crossed {
            Liquidity::Taker
        } else {
            Liquidity::Maker
        },
        ts: UnixNanos(ms_to_ns(f.time)),
    })
}

/// An `orderUpdates` entry as a report of the FlashMM order `client_id` (time in force as
/// it was sent, when known).
pub fn order_report(
    m: &HlMarket,
    u: &WsOrder,
    client_id: ClientOrderId,
    tif: Option<TimeInForce>,
) -> Result<OrderReport, VenueError> {
    let qty = m.qty_from_wire(u.order.orig_sz)?;
    let leaves = m.qty_from_wire(u.order.sz)?;
    let filled = qty.checked_sub(leaves).unwrap_or(Qty::ZERO);
    let (status, leaves) = if u.status.is_filled() {
        (OrderStatus::Filled, Qty::ZERO)
    } else if u.status.is_canceled() {
        (OrderStatus::Cancelled, Qty::ZERO)
    } else if u.status.is_rejected() {
        (OrderStatus::Rejected, Qty::ZERO)
    } else if filled.lots() > 0 {
        (OrderStatus::PartiallyFilled, leaves)
    } else {
        (OrderStatus::Open, leaves)
    };
    Ok(OrderReport {
        market: m.spec.id().clone(),
        client_id,
        venue_order_id: super::client::oid_id(u.order.oid)?,
        side: side_of(u.order.side),
        price: m.price_from_wire(u.order.limit_px)?,
        qty,
        filled,
        leaves,
        tif: tif.unwrap_or(TimeInForce::Gtc),
        status,
        reason: (!u.status.is_open()).then(|| u.status.0.clone()),
        ts: UnixNanos(ms_to_ns(u.status_timestamp)),
        fills: Vec::new(),
    })
}
