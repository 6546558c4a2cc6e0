//! The books ingest keeps, one per market, and what each venue event means for the stream.
//!
//! Every book event is applied to FlashMM's own `OrderBook` before it is published, so what
//! reaches `md:{mkt}` always forms a valid sequence: a crossed, malformed, out-of-order or
//! gapped update is refused, counted, and answered with a resync from a fresh snapshot.

use std::collections::HashMap;

use flashmm_core::book::{BookError, BookUpdate, OrderBook, SyncedBook};
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_venue::venue::VenueEvent;

/// What to do with one venue event.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Publish it on the market's `md` stream: it applied cleanly.
    Publish(MarketEvent),
    /// Drop it: a stale duplicate, or a delta while waiting for a resync snapshot.
    Drop {
        /// The market.
        market: MarketId,
        /// Why, as a metric label.
        reason: &'static str,
    },
    /// The book is broken: fetch a snapshot and publish it.
    Resync {
        /// The market.
        market: MarketId,
        /// Why, as a metric label.
        reason: &'static str,
    },
    /// An event for a market not configured here.
    UnknownMarket(MarketId),
    /// Not market data (connection state, our own orders): nothing to publish.
    Ignore,
}

/// One book per configured market.
#[derive(Debug)]
pub struct BookKeeper {
    books: HashMap<MarketId, SyncedBook>,
}

/// The metric label of a refused book update.
pub fn reason(error: &BookError) -> &'static str {
    match error {
        BookError::MarketMismatch { .. } => "market_mismatch",
        BookError::NoSnapshot => "no_snapshot",
        BookError::StaleSequence { .. } => "stale",
        BookError::SequenceGap { .. } => "gap",
        BookError::NegativeQty { .. } => "negative_qty",
        BookError::InvalidPrice { .. } => "invalid_price",
        BookError::DuplicateLevel { .. } => "duplicate_level",
        BookError::Crossed { .. } => "crossed",
    }
}

impl BookKeeper {
    /// Empty books for `markets`; each waits for its first snapshot.
    pub fn new(markets: impl IntoIterator<Item = MarketId>) -> Self {
        BookKeeper {
            books: markets
                .into_iter()
                .map(|m| (m.clone(), SyncedBook::new(m)))
                .collect(),
        }
    }

    /// The current book of a market.
    pub fn book(&self, market: &MarketId) -> Option<&OrderBook> {
        self.books.get(market).map(SyncedBook::book)
    }

    /// Marks a market's book as needing a resync (e.g. its events could not be published).
    pub fn invalidate(&mut self, market: &MarketId) {
        if let Some(book) = self.books.get_mut(market) {
            book.desync();
        }
    }

    /// Marks every book as needing a resync (the venue connection was lost).
    pub fn invalidate_all(&mut self) {
        for book in self.books.values_mut() {
            book.desync();
        }
    }

    /// Whether a market's book is in sync with the venue.
    pub fn is_valid(&self, market: &MarketId) -> bool {
        self.books.get(market).is_some_and(SyncedBook::is_synced)
    }

    /// Applies a venue event and says what to publish.
    pub fn on_event(&mut self, event: VenueEvent) -> Outcome {
        let VenueEvent::Market(event) = event else {
            // Connection state and our own orders and fills: not market data.
            return Outcome::Ignore;
        };
        let Some(book) = self.books.get_mut(event.market()) else {
            return Outcome::UnknownMarket(event.market().clone());
        };
        let dropped = |reason| Outcome::Drop {
            market: event.market().clone(),
            reason,
        };
        match book.apply(&event) {
            None => match &event {
                MarketEvent::Trade(t) if t.price.ticks() <= 0 || t.qty.lots() <= 0 => {
                    dropped("bad_trade")
                }
                _ => Outcome::Publish(event),
            },
            Some(BookUpdate::Snapshot { .. } | BookUpdate::Delta) => Outcome::Publish(event),
            Some(BookUpdate::AwaitingSnapshot) => dropped("awaiting_snapshot"),
            Some(BookUpdate::Stale(e)) => dropped(reason(&e)),
            Some(BookUpdate::Refused(e)) => Outcome::Resync {
                market: event.market().clone(),
                reason: reason(&e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
    use flashmm_core::identifiers::TradeId;
    use flashmm_core::market::{Price, Qty, Side};
    use flashmm_core::time::UnixNanos;
    use flashmm_core::trade::Trade;

    fn sei() -> MarketId {
        MarketId::new("SEI/USDC").unwrap()
    }

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    fn snapshot(seq: u64) -> VenueEvent {
        VenueEvent::Market(MarketEvent::Snapshot(BookSnapshot {
            market: sei(),
            seq,
            bids: vec![lv(100, 5)],
            asks: vec![lv(102, 5)],
            ts: UnixNanos(1),
        }))
    }

    fn delta(seq: u64, bid: BookLevel, ask: BookLevel) -> VenueEvent {
        VenueEvent::Market(MarketEvent::Delta(BookDelta {
            market: sei(),
            seq,
            prev_seq: Some(seq - 1),
            bids: vec![bid],
            asks: vec![ask],
            ts: UnixNanos(2),
        }))
    }

    #[test]
    fn a_clean_sequence_is_published() {
        let mut k = BookKeeper::new([sei()]);
        assert!(matches!(
            k.on_event(snapshot(10)),
            Outcome::Publish(MarketEvent::Snapshot(_))
        ));
        assert!(matches!(
            k.on_event(delta(11, lv(101, 3), lv(103, 1))),
            Outcome::Publish(MarketEvent::Delta(_))
        ));
        assert_eq!(k.book(&sei()).unwrap().best_bid(), Some(lv(101, 3)));
    }

    #[test]
    fn deltas_before_a_snapshot_are_dropped() {
        let mut k = BookKeeper::new([sei()]);
        let out = k.on_event(delta(11, lv(101, 3), lv(103, 1)));
        assert_eq!(
            out,
            Outcome::Drop {
                market: sei(),
                reason: "awaiting_snapshot"
            }
        );
    }

    #[test]
    fn a_gap_asks_for_a_resync_and_later_deltas_wait_for_it() {
        let mut k = BookKeeper::new([sei()]);
        k.on_event(snapshot(10));
        assert_eq!(
            k.on_event(delta(12, lv(101, 3), lv(103, 1))),
            Outcome::Resync {
                market: sei(),
                reason: "gap"
            }
        );
        assert!(!k.is_valid(&sei()));
        assert!(matches!(
            k.on_event(delta(13, lv(101, 3), lv(103, 1))),
            Outcome::Drop { .. }
        ));
        assert!(matches!(k.on_event(snapshot(13)), Outcome::Publish(_)));
        assert!(k.is_valid(&sei()));
    }

    #[test]
    fn a_crossed_update_is_refused_and_the_book_kept() {
        let mut k = BookKeeper::new([sei()]);
        k.on_event(snapshot(10));
        let out = k.on_event(delta(11, lv(105, 1), lv(103, 1)));
        assert_eq!(
            out,
            Outcome::Resync {
                market: sei(),
                reason: "crossed"
            }
        );
        assert_eq!(k.book(&sei()).unwrap().best_bid(), Some(lv(100, 5)));
    }

    #[test]
    fn stale_deltas_are_dropped_without_a_resync() {
        let mut k = BookKeeper::new([sei()]);
        k.on_event(snapshot(10));
        let out = k.on_event(delta(10, lv(101, 3), lv(103, 1)));
        assert_eq!(
            out,
            Outcome::Drop {
                market: sei(),
                reason: "stale"
            }
        );
        assert!(k.is_valid(&sei()));
    }

    #[test]
    fn unknown_markets_and_bad_trades_are_not_published() {
        let mut k = BookKeeper::new([sei()]);
        let eth = MarketId::new("ETH/USDC").unwrap();
        let trade = |market: MarketId, qty: i64| {
            VenueEvent::Market(MarketEvent::Trade(Trade {
                market,
                trade_id: TradeId::new("t1").unwrap(),
                price: Price::from_ticks(101),
                qty: Qty::from_lots(qty),
                aggressor: Side::Buy,
                ts: UnixNanos(3),
            }))
        };
        assert_eq!(
            k.on_event(trade(eth.clone(), 1)),
            Outcome::UnknownMarket(eth)
        );
        assert!(matches!(
            k.on_event(trade(sei(), 0)),
            Outcome::Drop {
                reason: "bad_trade",
                ..
            }
        ));
        assert!(matches!(
            k.on_event(trade(sei(), 2)),
            Outcome::Publish(MarketEvent::Trade(_))
        ));
        assert_eq!(k.on_event(VenueEvent::Connected), Outcome::Ignore);
    }
}
