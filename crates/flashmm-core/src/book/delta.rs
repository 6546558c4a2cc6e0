//! The incremental book message.

use super::BookLevel;
use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Changed levels of one market's book. Each level gives the new total at its price; a zero
/// quantity removes the level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookDelta {
    /// The market.
    pub market: MarketId,
    /// The venue sequence number of this update.
    pub seq: u64,
    /// The sequence number of the update before it, when the venue sends one; a book whose
    /// last sequence differs has missed updates.
    pub prev_seq: Option<u64>,
    /// Changed bid levels.
    pub bids: Vec<BookLevel>,
    /// Changed ask levels.
    pub asks: Vec<BookLevel>,
    /// When the venue produced it.
    pub ts: UnixNanos,
}

impl StreamMessage for BookDelta {
    const TYPE: &'static str = "book_delta";
    const VERSION: u16 = 1;
}
