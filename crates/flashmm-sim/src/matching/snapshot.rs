//! Full L2 snapshots.

use flashmm_core::book::BookLevel;
use serde::{Deserialize, Serialize};

/// The aggregated book at sequence number `seq`: applying the level updates of the reports
/// with sequence numbers `seq + 1, seq + 2, ...` to it gives the later books.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2Snapshot {
    /// The book sequence number this snapshot reflects.
    pub seq: u64,
    /// Bid levels, best (highest) first.
    pub bids: Vec<BookLevel>,
    /// Ask levels, best (lowest) first.
    pub asks: Vec<BookLevel>,
}

impl L2Snapshot {
    /// Whether the best bid is at or above the best ask (never true of an engine's book).
    pub fn is_crossed(&self) -> bool {
        matches!((self.bids.first(), self.asks.first()), (Some(b), Some(a)) if b.price >= a.price)
    }
}
