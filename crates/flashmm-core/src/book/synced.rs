//! [`SyncedBook`]: an [`OrderBook`] rebuilt from a market's book events, and whether it is in
//! sync with the venue. Every component that rebuilds a book from `md:{mkt}` or a recording
//! (ingest, the feature pipeline, inference's drift monitor, the trading core, the backtest's
//! simulated venue, the dataset builder) uses it, so they agree on when a book can be trusted.

use super::{BookDelta, BookError, BookSnapshot, OrderBook};
use crate::market::MarketId;
use crate::market_event::MarketEvent;

/// What applying one book event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookUpdate {
    /// A snapshot replaced the book. `resynced` when the book was out of sync before it (the
    /// first snapshot, or the one after a refused update).
    Snapshot {
        /// Whether this snapshot brought the book back into sync.
        resynced: bool,
    },
    /// A delta applied.
    Delta,
    /// A delta arrived while the book waits for a snapshot; it was ignored.
    AwaitingSnapshot,
    /// A delta no newer than the book (a duplicate); it was ignored and the book stays in sync.
    Stale(BookError),
    /// The event was refused (a sequence gap, crossed levels, bad values, another market); the
    /// book is unchanged and now waits for a snapshot.
    Refused(BookError),
}

impl BookUpdate {
    /// Whether the book changed.
    pub fn changed(&self) -> bool {
        matches!(self, BookUpdate::Snapshot { .. } | BookUpdate::Delta)
    }
}

/// A market's book and whether it is in sync: it is from the first snapshot applied until an
/// update is refused, and again from the next snapshot. Deltas are applied only while in sync.
#[derive(Debug, Clone)]
pub struct SyncedBook {
    book: OrderBook,
    synced: bool,
}

impl SyncedBook {
    /// An empty book of `market`, waiting for its first snapshot.
    pub fn new(market: MarketId) -> Self {
        SyncedBook {
            book: OrderBook::new(market),
            synced: false,
        }
    }

    /// The book (its last good state while out of sync).
    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// Whether the book is in sync with the venue.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// Marks the book out of sync until the next snapshot (its events were lost, or the
    /// connection dropped).
    pub fn desync(&mut self) {
        self.synced = false;
    }

    /// Replaces the book with `snapshot`.
    pub fn apply_snapshot(&mut self, snapshot: &BookSnapshot) -> BookUpdate {
        match self.book.apply_snapshot(snapshot) {
            Ok(()) => {
                let resynced = !self.synced;
                self.synced = true;
                BookUpdate::Snapshot { resynced }
            }
            Err(e) => {
                self.synced = false;
                BookUpdate::Refused(e)
            }
        }
    }

    /// Applies `delta` if the book is in sync.
    pub fn apply_delta(&mut self, delta: &BookDelta) -> BookUpdate {
        if !self.synced {
            return BookUpdate::AwaitingSnapshot;
        }
        match self.book.apply_delta(delta) {
            Ok(()) => BookUpdate::Delta,
            Err(e @ BookError::StaleSequence { .. }) => BookUpdate::Stale(e),
            Err(e) => {
                self.synced = false;
                BookUpdate::Refused(e)
            }
        }
    }

    /// Applies a book event; `None` for a trade, which does not touch the book.
    pub fn apply(&mut self, event: &MarketEvent) -> Option<BookUpdate> {
        match event {
            MarketEvent::Snapshot(s) => Some(self.apply_snapshot(s)),
            MarketEvent::Delta(d) => Some(self.apply_delta(d)),
            MarketEvent::Trade(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookLevel;
    use crate::market::{Price, Qty};
    use crate::time::UnixNanos;

    fn market() -> MarketId {
        MarketId::new("SEI/USDC").unwrap()
    }

    fn level(price: i64, qty: i64) -> BookLevel {
        BookLevel {
            price: Price::from_ticks(price),
            qty: Qty::from_lots(qty),
        }
    }

    fn snapshot(seq: u64, bid: i64, ask: i64) -> BookSnapshot {
        BookSnapshot {
            market: market(),
            seq,
            ts: UnixNanos(seq as i64),
            bids: vec![level(bid, 10)],
            asks: vec![level(ask, 10)],
        }
    }

    fn delta(seq: u64, prev: u64, bid: i64) -> BookDelta {
        BookDelta {
            market: market(),
            seq,
            prev_seq: Some(prev),
            ts: UnixNanos(seq as i64),
            bids: vec![level(bid, 5)],
            asks: vec![],
        }
    }

    #[test]
    fn deltas_wait_for_a_snapshot_then_apply_in_sequence() {
        let mut b = SyncedBook::new(market());
        assert_eq!(
            b.apply_delta(&delta(2, 1, 99)),
            BookUpdate::AwaitingSnapshot
        );
        assert!(!b.is_synced());
        assert_eq!(
            b.apply_snapshot(&snapshot(1, 100, 102)),
            BookUpdate::Snapshot { resynced: true }
        );
        assert_eq!(b.apply_delta(&delta(2, 1, 101)), BookUpdate::Delta);
        assert_eq!(b.book().best_bid().map(|l| l.price.ticks()), Some(101));
        assert_eq!(
            b.apply_snapshot(&snapshot(3, 100, 102)),
            BookUpdate::Snapshot { resynced: false }
        );
    }

    #[test]
    fn a_duplicate_is_ignored_but_a_gap_desyncs_until_the_next_snapshot() {
        let mut b = SyncedBook::new(market());
        b.apply_snapshot(&snapshot(5, 100, 102));
        assert!(matches!(
            b.apply_delta(&delta(5, 4, 101)),
            BookUpdate::Stale(_)
        ));
        assert!(b.is_synced());
        assert!(matches!(
            b.apply_delta(&delta(8, 7, 101)),
            BookUpdate::Refused(_)
        ));
        assert!(!b.is_synced());
        assert_eq!(
            b.apply_delta(&delta(6, 5, 101)),
            BookUpdate::AwaitingSnapshot
        );
        assert_eq!(b.book().best_bid().map(|l| l.price.ticks()), Some(100));
        assert_eq!(
            b.apply_snapshot(&snapshot(9, 100, 102)),
            BookUpdate::Snapshot { resynced: true }
        );
    }

    #[test]
    fn a_refused_snapshot_leaves_the_book_out_of_sync() {
        let mut b = SyncedBook::new(market());
        b.apply_snapshot(&snapshot(1, 100, 102));
        assert!(matches!(
            b.apply_snapshot(&snapshot(2, 103, 102)),
            BookUpdate::Refused(BookError::Crossed { .. })
        ));
        assert!(!b.is_synced());
        b.desync();
        assert!(!b.is_synced());
    }
}
