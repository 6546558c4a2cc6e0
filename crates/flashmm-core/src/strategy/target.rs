//! [`QuoteTarget`]: the levels we want resting, per side.

use crate::book::BookLevel;
use crate::market::{MarketId, Side};
use crate::quote::QuoteIntent;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// The quotes wanted in one market: bids best (highest) first, asks best (lowest) first.
/// Level `i` of a side is the order slot `(side, i)` the order manager keeps one order in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteTarget {
    /// Wanted bids, best first.
    pub bids: Vec<BookLevel>,
    /// Wanted asks, best first.
    pub asks: Vec<BookLevel>,
}

impl QuoteTarget {
    /// No quotes on either side.
    pub fn empty() -> Self {
        QuoteTarget::default()
    }

    /// The levels of one side, best first.
    pub fn side(&self, side: Side) -> &[BookLevel] {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// The levels of one side, mutably.
    pub fn side_mut(&mut self, side: Side) -> &mut Vec<BookLevel> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// Whether neither side has a level.
    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }

    /// The target as a [`QuoteIntent`] message, for the audit trail and the backtester.
    pub fn to_intent(
        &self,
        market: MarketId,
        reason: String,
        ts: UnixNanos,
        origin_ts: UnixNanos,
    ) -> QuoteIntent {
        QuoteIntent {
            market,
            bids: self.bids.clone(),
            asks: self.asks.clone(),
            reason,
            ts,
            origin_ts,
        }
    }
}
