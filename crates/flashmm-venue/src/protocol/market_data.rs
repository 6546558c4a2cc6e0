//! Public market-data messages: book snapshots, book deltas and trades.

use super::WireLevel;
use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::identifiers::{IdError, TradeId};
use flashmm_core::market::{ConversionError, MarketId, MarketSpec, Side};
use flashmm_core::time::UnixNanos;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The whole book of one market at sequence `seq`, best levels first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMsg {
    /// The market.
    pub market: MarketId,
    /// The book sequence number the snapshot reflects.
    pub seq: u64,
    /// Bid levels, best (highest) first.
    pub bids: Vec<WireLevel>,
    /// Ask levels, best (lowest) first.
    pub asks: Vec<WireLevel>,
    /// When the venue took it, UTC nanoseconds.
    pub ts: i64,
}

impl SnapshotMsg {
    /// The snapshot as core's book message, in ticks and lots.
    pub fn to_core(&self, spec: &MarketSpec) -> Result<BookSnapshot, ConversionError> {
        Ok(BookSnapshot {
            market: self.market.clone(),
            seq: self.seq,
            bids: WireLevel::to_levels(&self.bids, spec)?,
            asks: WireLevel::to_levels(&self.asks, spec)?,
            ts: UnixNanos(self.ts),
        })
    }
}

/// The levels of one market's book changed by one engine step: each gives the new aggregate
/// size at its price, zero removing the level. `prev_seq` is always `seq - 1` as sent by the
/// venue; a client whose book is not at `prev_seq` has missed an update and must resync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaMsg {
    /// The market.
    pub market: MarketId,
    /// The book sequence number after this update.
    pub seq: u64,
    /// The sequence number this update follows.
    pub prev_seq: u64,
    /// Changed bid levels.
    pub bids: Vec<WireLevel>,
    /// Changed ask levels.
    pub asks: Vec<WireLevel>,
    /// When the venue produced it, UTC nanoseconds.
    pub ts: i64,
}

impl DeltaMsg {
    /// The delta as core's book message, in ticks and lots.
    pub fn to_core(&self, spec: &MarketSpec) -> Result<BookDelta, ConversionError> {
        Ok(BookDelta {
            market: self.market.clone(),
            seq: self.seq,
            prev_seq: Some(self.prev_seq),
            bids: WireLevel::to_levels(&self.bids, spec)?,
            asks: WireLevel::to_levels(&self.asks, spec)?,
            ts: UnixNanos(self.ts),
        })
    }
}

/// A public trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeMsg {
    /// The market.
    pub market: MarketId,
    /// The venue's trade id, unique within the market.
    pub trade_id: String,
    /// The execution price.
    pub price: Decimal,
    /// The size traded, base units.
    pub size: Decimal,
    /// The taker's side (`buy` lifted an ask).
    pub aggressor: Side,
    /// When it happened, UTC nanoseconds.
    pub ts: i64,
}

/// Why a wire message cannot become a core message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireConversionError {
    /// A price or size is off the market's grid or out of range.
    #[error("{0}")]
    Value(#[from] ConversionError),
    /// An identifier is malformed.
    #[error("{0}")]
    Id(#[from] IdError),
}

impl TradeMsg {
    /// The trade as core's trade message, in ticks and lots.
    pub fn to_core(
        &self,
        spec: &MarketSpec,
    ) -> Result<flashmm_core::trade::Trade, WireConversionError> {
        Ok(flashmm_core::trade::Trade {
            market: self.market.clone(),
            trade_id: TradeId::new(self.trade_id.clone())?,
            price: spec.price_from_decimal(self.price)?,
            qty: spec.qty_from_decimal(self.size)?,
            aggressor: self.aggressor,
            ts: UnixNanos(self.ts),
        })
    }
}
