//! [`MarketFeatures`]: one market's feature pipeline as the feature service, the backtester and
//! the dataset builder all run it: a [`SyncedBook`] rebuilt from the market's events, the
//! [`FeatureEngine`] fed with it and with trades, and the [`Throttle`] that decides when a
//! vector goes out.

use flashmm_core::book::{BookDelta, BookSnapshot, BookUpdate, OrderBook, SyncedBook};
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::signal::FeatureVector;
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;

use crate::{Feature, FeatureConfig, FeatureEngine, FeatureError, Throttle};

/// What one market event did to a market's features.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureStep {
    /// The book changed, the features follow it, and the throttle lets a vector out now.
    Publish,
    /// The book changed and the features follow it; the throttle holds the vector back.
    Held,
    /// A trade was taken into the trade features.
    Trade,
    /// A trade the trade features refused (it is skipped).
    RefusedTrade(FeatureError),
    /// A book event that did not change the book (awaiting a snapshot, a duplicate, or
    /// refused: see [`BookUpdate`]); no vector.
    Book(BookUpdate),
}

/// One market's book, feature engine and publication throttle.
#[derive(Debug, Clone)]
pub struct MarketFeatures {
    book: SyncedBook,
    engine: FeatureEngine,
    throttle: Option<Throttle>,
}

impl MarketFeatures {
    /// The features of `market` with `config`, letting out at most `max_rate_hz` vectors a
    /// second, or one after every book change when `None`.
    pub fn new(
        market: MarketId,
        config: FeatureConfig,
        max_rate_hz: Option<f64>,
    ) -> Result<Self, FeatureError> {
        Ok(MarketFeatures {
            book: SyncedBook::new(market.clone()),
            engine: FeatureEngine::new(market, config)?,
            throttle: max_rate_hz.map(Throttle::new).transpose()?,
        })
    }

    /// Applies one market event received at `origin_ts`.
    ///
    /// Errors only when the feature engine refuses a book state (time going backwards):
    /// the book is updated, the features are not.
    pub fn on_event(
        &mut self,
        event: &MarketEvent,
        origin_ts: UnixNanos,
    ) -> Result<FeatureStep, FeatureError> {
        match event {
            MarketEvent::Snapshot(s) => self.on_snapshot(s, origin_ts),
            MarketEvent::Delta(d) => self.on_delta(d, origin_ts),
            MarketEvent::Trade(t) => Ok(self.on_trade(t, origin_ts)),
        }
    }

    /// Applies a book snapshot received at `origin_ts`.
    pub fn on_snapshot(
        &mut self,
        snapshot: &BookSnapshot,
        origin_ts: UnixNanos,
    ) -> Result<FeatureStep, FeatureError> {
        let update = self.book.apply_snapshot(snapshot);
        self.after_book(update, origin_ts)
    }

    /// Applies a book delta received at `origin_ts`.
    pub fn on_delta(
        &mut self,
        delta: &BookDelta,
        origin_ts: UnixNanos,
    ) -> Result<FeatureStep, FeatureError> {
        let update = self.book.apply_delta(delta);
        self.after_book(update, origin_ts)
    }

    /// Takes a public trade received at `origin_ts` into the trade features.
    pub fn on_trade(&mut self, trade: &Trade, origin_ts: UnixNanos) -> FeatureStep {
        match self.engine.on_trade(trade, origin_ts) {
            Ok(()) => FeatureStep::Trade,
            Err(e) => FeatureStep::RefusedTrade(e),
        }
    }

    fn after_book(
        &mut self,
        update: BookUpdate,
        origin_ts: UnixNanos,
    ) -> Result<FeatureStep, FeatureError> {
        if !update.changed() {
            return Ok(FeatureStep::Book(update));
        }
        self.engine.on_book(self.book.book(), origin_ts)?;
        let due = self
            .throttle
            .as_mut()
            .is_none_or(|t| t.try_acquire(origin_ts));
        Ok(if due {
            FeatureStep::Publish
        } else {
            FeatureStep::Held
        })
    }

    /// The book the features follow.
    pub fn book(&self) -> &OrderBook {
        self.book.book()
    }

    /// Whether the book is in sync.
    pub fn is_synced(&self) -> bool {
        self.book.is_synced()
    }

    /// The feature engine.
    pub fn engine(&self) -> &FeatureEngine {
        &self.engine
    }

    /// The current values, in schema order.
    pub fn values(&self) -> &[f32; crate::NUM_FEATURES] {
        self.engine.values()
    }

    /// One feature's current value.
    pub fn value(&self, feature: Feature) -> f32 {
        self.engine.value(feature)
    }

    /// The current vector, stamped `origin_ts`.
    pub fn vector(&self, origin_ts: UnixNanos) -> FeatureVector {
        self.engine.vector(origin_ts)
    }

    /// Writes the current vector into `out`, stamped `origin_ts`, without allocating.
    pub fn write_vector(&self, out: &mut FeatureVector, origin_ts: UnixNanos) {
        self.engine.write_vector(out, origin_ts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::BookLevel;
    use flashmm_core::market::{Price, Qty};

    fn market() -> MarketId {
        MarketId::new("SEI/USDC").unwrap()
    }

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    fn snapshot(seq: u64) -> MarketEvent {
        MarketEvent::Snapshot(BookSnapshot {
            market: market(),
            seq,
            ts: UnixNanos(seq as i64),
            bids: vec![lv(100, 10)],
            asks: vec![lv(102, 10)],
        })
    }

    fn delta(seq: u64, bid_qty: i64) -> MarketEvent {
        MarketEvent::Delta(BookDelta {
            market: market(),
            seq,
            prev_seq: Some(seq - 1),
            ts: UnixNanos(seq as i64),
            bids: vec![lv(100, bid_qty)],
            asks: vec![],
        })
    }

    #[test]
    fn the_throttle_lets_one_vector_out_per_interval_and_the_features_follow_every_change() {
        // 10 Hz: one vector per 100 ms.
        let mut f = MarketFeatures::new(market(), FeatureConfig::default(), Some(10.0)).unwrap();
        let ms = |n: i64| UnixNanos(n * 1_000_000);
        assert_eq!(
            f.on_event(&delta(2, 5), ms(0)).unwrap(),
            FeatureStep::Book(BookUpdate::AwaitingSnapshot)
        );
        assert_eq!(
            f.on_event(&snapshot(1), ms(1)).unwrap(),
            FeatureStep::Publish
        );
        assert_eq!(
            f.on_event(&delta(2, 30), ms(50)).unwrap(),
            FeatureStep::Held
        );
        // The held change is in the features all the same.
        let mut direct = FeatureEngine::new(market(), FeatureConfig::default()).unwrap();
        direct.on_book(f.book(), ms(50)).unwrap();
        assert_eq!(
            f.value(Feature::Imbalance0),
            direct.value(Feature::Imbalance0)
        );
        assert_eq!(
            f.on_event(&delta(3, 40), ms(101)).unwrap(),
            FeatureStep::Publish
        );
        assert!(matches!(
            f.on_event(&delta(9, 40), ms(300)).unwrap(),
            FeatureStep::Book(BookUpdate::Refused(_))
        ));
        assert!(!f.is_synced());
    }

    #[test]
    fn without_a_throttle_every_book_change_publishes() {
        let mut f = MarketFeatures::new(market(), FeatureConfig::default(), None).unwrap();
        assert_eq!(
            f.on_event(&snapshot(1), UnixNanos(1)).unwrap(),
            FeatureStep::Publish
        );
        assert_eq!(
            f.on_event(&delta(2, 3), UnixNanos(2)).unwrap(),
            FeatureStep::Publish
        );
    }
}
