//! The exact best bid and ask of a market, as a venue's top-of-book feed reports them.

use flashmm_core::book::BookLevel;
use flashmm_core::market::MarketId;
use flashmm_core::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// The best bid and best ask with their sizes, exact (e.g. Binance `bookTicker`).
///
/// After a `Top` record, a book replayed from the recording's snapshots and deltas has
/// exactly these best levels: importers reconcile the book with the top before writing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopOfBook {
    /// The market.
    pub market: MarketId,
    /// The venue's update id of this top (in the venue's numbering, not the recording's
    /// book sequence).
    pub venue_seq: u64,
    /// The best bid.
    pub bid: BookLevel,
    /// The best ask.
    pub ask: BookLevel,
    /// When the venue produced it, or the receive time when the venue gives no time.
    pub ts: UnixNanos,
}
