//! [`FeatureEngine`]: one market's features, updated in O(1) amortised per book or trade
//! event, read as a [`FeatureVector`] whenever the caller wants one.

use crate::book_features::BookFeatures;
use crate::book_flow::BookFlow;
use crate::config::FeatureConfig;
use crate::error::FeatureError;
use crate::numeric::to_feature;
use crate::ofi::Touch;
use crate::schema::{schema_hash, Feature, NUM_FEATURES};
use crate::trade_features::{TradeFlow, TradeSample};
use flashmm_core::book::OrderBook;
use flashmm_core::market::MarketId;
use flashmm_core::signal::FeatureVector;
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;

/// Incremental feature extraction for one market.
///
/// Feed it every book state (after each snapshot or delta is applied) with
/// [`on_book`](Self::on_book) and every public trade with [`on_trade`](Self::on_trade);
/// [`values`](Self::values) and [`vector`](Self::vector) then give the features as of the
/// latest event. Time only comes in with the events: the engine reads no clock. A timestamp
/// earlier than one already seen is taken as the latest seen, so time never runs backwards
/// inside the engine.
#[derive(Debug, Clone)]
pub struct FeatureEngine {
    market: MarketId,
    config: FeatureConfig,
    schema_hash: u64,
    book: BookFeatures,
    flow: BookFlow,
    trades: TradeFlow,
    now: Option<i64>,
    values: [f32; NUM_FEATURES],
}

impl FeatureEngine {
    /// An engine for `market`, after validating `config`.
    pub fn new(market: MarketId, config: FeatureConfig) -> Result<Self, FeatureError> {
        config.validate()?;
        let mut engine = FeatureEngine {
            market,
            schema_hash: schema_hash(&config),
            book: BookFeatures::default(),
            flow: BookFlow::new(&config),
            trades: TradeFlow::new(&config),
            now: None,
            values: [0.0; NUM_FEATURES],
            config,
        };
        engine.refresh(0);
        Ok(engine)
    }

    /// The engine's market.
    pub fn market(&self) -> &MarketId {
        &self.market
    }

    /// The configuration the engine runs with.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// The schema hash of every vector it produces.
    pub fn schema_hash(&self) -> u64 {
        self.schema_hash
    }

    /// The time of the latest event seen, if any.
    pub fn ts(&self) -> Option<UnixNanos> {
        self.now.map(UnixNanos)
    }

    /// Updates every feature from the book state `book` observed at `ts`.
    pub fn on_book(&mut self, book: &OrderBook, ts: UnixNanos) -> Result<(), FeatureError> {
        self.check_market(book.market())?;
        let now = self.tick(ts);
        self.book = BookFeatures::compute(book, &self.config);
        self.flow.on_book(now, Touch::of(book), self.book.mid_ticks);
        self.trades.advance(now);
        self.write_book();
        self.refresh(now);
        Ok(())
    }

    /// Updates the trade and time-dependent features with a public trade observed at `ts`.
    /// A trade with a non-positive price or quantity is refused and changes nothing.
    pub fn on_trade(&mut self, trade: &Trade, ts: UnixNanos) -> Result<(), FeatureError> {
        self.check_market(&trade.market)?;
        let (price, qty) = (trade.price.ticks(), trade.qty.lots());
        if price <= 0 || qty <= 0 {
            return Err(FeatureError::InvalidTrade {
                price: trade.price,
                qty: trade.qty,
            });
        }
        let now = self.tick(ts);
        self.trades
            .on_trade(now, TradeSample::new(price, qty, trade.aggressor));
        self.flow.advance(now);
        self.refresh(now);
        Ok(())
    }

    /// Moves time to `ts` without an event: ages the wall-time windows and the time since
    /// the last trade (for callers that sample on a timer).
    pub fn on_time(&mut self, ts: UnixNanos) {
        let now = self.tick(ts);
        self.flow.advance(now);
        self.trades.advance(now);
        self.refresh(now);
    }

    /// The features as of the latest event, in schema order; every value is finite.
    #[inline]
    pub fn values(&self) -> &[f32; NUM_FEATURES] {
        &self.values
    }

    /// One feature as of the latest event.
    #[inline]
    pub fn value(&self, feature: Feature) -> f32 {
        self.values[feature.index()]
    }

    /// The features as a message, stamped with the latest event time and `origin_ts`.
    pub fn vector(&self, origin_ts: UnixNanos) -> FeatureVector {
        FeatureVector {
            market: self.market.clone(),
            schema_hash: self.schema_hash,
            values: self.values.to_vec(),
            ts: UnixNanos(self.now.unwrap_or(0)),
            origin_ts,
        }
    }

    /// Writes the features into `out`, reusing its allocation.
    pub fn write_vector(&self, out: &mut FeatureVector, origin_ts: UnixNanos) {
        out.market.clone_from(&self.market);
        out.schema_hash = self.schema_hash;
        out.values.clear();
        out.values.extend_from_slice(&self.values);
        out.ts = UnixNanos(self.now.unwrap_or(0));
        out.origin_ts = origin_ts;
    }

    fn check_market(&self, market: &MarketId) -> Result<(), FeatureError> {
        if *market != self.market {
            return Err(FeatureError::MarketMismatch {
                expected: self.market.clone(),
                got: market.clone(),
            });
        }
        Ok(())
    }

    /// The engine's time after an event at `ts`: never earlier than the last.
    fn tick(&mut self, ts: UnixNanos) -> i64 {
        let now = self.now.map_or(ts.0, |last| last.max(ts.0));
        self.now = Some(now);
        now
    }

    fn set(&mut self, feature: Feature, value: f64) {
        self.values[feature.index()] = to_feature(value);
    }

    /// Writes the features of the current book state.
    fn write_book(&mut self) {
        use Feature::*;
        let b = self.book;
        self.set(SpreadBps, b.spread_bps);
        self.set(MicroMidBps, b.micro_mid_bps);
        self.set(BookTwoSided, b.two_sided);
        for (f, v) in [Imbalance0, Imbalance1, Imbalance2, Imbalance3]
            .into_iter()
            .zip(b.imbalance)
        {
            self.set(f, v);
        }
        self.set(DepthBid, b.depth[0]);
        self.set(DepthAsk, b.depth[1]);
        self.set(SlopeBidBps, b.slope_bps[0]);
        self.set(SlopeAskBps, b.slope_bps[1]);
    }

    /// Writes the windowed and time-dependent features as of `now`.
    fn refresh(&mut self, now: i64) {
        use Feature::*;
        const OFI: [Feature; 5] = [OfiE0, OfiE1, OfiT0, OfiT1, OfiT2];
        const RET: [Feature; 5] = [RetE0Bps, RetE1Bps, RetT0Bps, RetT1Bps, RetT2Bps];
        const RV: [Feature; 5] = [RvE0Bps, RvE1Bps, RvT0Bps, RvT1Bps, RvT2Bps];
        const SIGNED_VOL: [Feature; 3] = [SignedVolT0, SignedVolT1, SignedVolT2];
        const TRADE_IMB: [Feature; 3] = [TradeImbT0, TradeImbT1, TradeImbT2];
        for k in 0..OFI.len() {
            let v = self.flow.values(k);
            self.set(OFI[k], v.ofi);
            self.set(RET[k], v.ret_bps);
            self.set(RV[k], v.rv_bps);
        }
        for k in 0..SIGNED_VOL.len() {
            self.set(SIGNED_VOL[k], self.trades.signed_volume(k));
            self.set(TRADE_IMB[k], self.trades.count_imbalance(k));
        }
        self.set(VwapMidBps, self.trades.vwap_mid_bps(self.book.mid_ticks));
        self.set(TimeSinceTradeS, self.trades.time_since_trade_s(now));
    }
}
