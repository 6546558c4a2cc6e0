//! The quote intent message.

use crate::book::BookLevel;
use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// The full set of levels we want resting in one market; execution reconciles open orders to
/// it. Empty sides mean no quotes on that side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteIntent {
    /// The market.
    pub market: MarketId,
    /// Wanted bids, best first.
    pub bids: Vec<BookLevel>,
    /// Wanted asks, best first.
    pub asks: Vec<BookLevel>,
    /// Why these quotes (e.g. the inputs that shaped them), for the audit trail.
    pub reason: String,
    /// When the intent was formed.
    pub ts: UnixNanos,
    /// When ingest received the venue message that caused it.
    pub origin_ts: UnixNanos,
}

impl StreamMessage for QuoteIntent {
    const TYPE: &'static str = "quote_intent";
    const VERSION: u16 = 1;
}
