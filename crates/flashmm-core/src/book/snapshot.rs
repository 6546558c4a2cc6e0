//! The full-book message that (re)starts a book.

use super::BookLevel;
use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Every level of one market's book at sequence `seq`; replaces whatever the book held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSnapshot {
    /// The market.
    pub market: MarketId,
    /// The venue sequence number the snapshot is taken at.
    pub seq: u64,
    /// Bid levels, in any order.
    pub bids: Vec<BookLevel>,
    /// Ask levels, in any order.
    pub asks: Vec<BookLevel>,
    /// When the venue produced it.
    pub ts: UnixNanos,
}

impl StreamMessage for BookSnapshot {
    const TYPE: &'static str = "book_snapshot";
    const VERSION: u16 = 1;
}
