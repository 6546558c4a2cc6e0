//! Estimates [`FlowParams`] from a recording of a real market.
//!
//! The recording is replayed into a book (price → lots per side). Only levels within a window
//! of ticks around the mid count (feeds also update far levels the simulated flow never
//! reaches); from them:
//!
//! - **Limit orders**: every level whose size goes up is one arrival of that many lots, at a
//!   distance from the mid of the book before the change. `limit_rate` is the added volume
//!   per second over the mean arrival size, `limit_size_mean` that mean, and
//!   `distance_mean_ticks` the mean distance. Feeds that batch updates (Binance's 100 ms diffs)
//!   merge arrivals at one price: the volume rate is right, the count a lower bound.
//! - **Market orders**: consecutive trades with the same time and aggressor are one order.
//!   `market_rate` is orders per second, `market_size_mean` their mean size, `max_sweep_ticks`
//!   the farthest any went past the mid it met (at least one tick).
//! - **Cancels**: the volume that leaves the book beyond what traded, as a hazard per second
//!   on the time-averaged resting volume (`cancel_rate`).
//! - **Price dynamics**: the log-mid return over each second is regressed, through the origin,
//!   on the integral over that second of the decayed signed market-order flow, for each
//!   candidate half-life of that memory; the half-life with the smallest residual wins and
//!   gives `impact` (never negative) and `volatility` (residual deviation per √s).
//!
//! `informed` is not observable in public data and is kept from the base parameters, as is
//! anything the data cannot estimate (no trades, too short a span).

use std::collections::BTreeMap;

use flashmm_core::market::{MarketSpec, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::trade::Trade;
use rust_decimal::prelude::ToPrimitive;

use super::{FlowError, FlowParams};
use flashmm_recording::{Record, RecordEvent};

/// Length of one return interval of the price regression, in nanoseconds.
const BUCKET_NS: i64 = flashmm_core::time::NANOS_PER_SEC;
/// Candidate half-lives of the flow memory, in seconds.
pub const HALF_LIFE_CANDIDATES: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
/// The default half-width of the window around the mid whose levels count, in ticks.
pub const DEFAULT_WINDOW_TICKS: i64 = 100;
/// The fewest return intervals the price regression needs.
const MIN_BUCKETS: usize = 10;

/// What the estimator saw, next to the parameters it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationStats {
    /// Seconds of data (the sum over segments).
    pub seconds: f64,
    /// Records of the calibrated market.
    pub records: u64,
    /// Level increases counted as limit order arrivals.
    pub limit_arrivals: u64,
    /// Lots that left the book other than by trading.
    pub cancelled_lots: i64,
    /// Market orders (grouped trades).
    pub market_orders: u64,
    /// Trades.
    pub trades: u64,
    /// One-second return intervals in the price regression.
    pub return_intervals: usize,
    /// The regression's coefficient of determination at the chosen half-life.
    pub r_squared: f64,
}

/// The estimated parameters and what they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The parameters, validated.
    pub params: FlowParams,
    /// The counts behind them.
    pub stats: CalibrationStats,
}

/// A market order being assembled from its trades.
#[derive(Debug, Clone, Copy)]
struct OpenMarketOrder {
    ts: i64,
    side: Side,
    lots: i64,
}

/// Streaming estimator of one market's flow parameters.
#[derive(Debug, Clone)]
pub struct FlowCalibrator {
    spec: MarketSpec,
    window_ticks: f64,
    tick: f64,
    lot: f64,
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
    first_mid_ticks: Option<f64>,
    records: u64,
    // time
    seconds: f64,
    last_ts: Option<i64>,
    // limit orders
    limit_arrivals: u64,
    added_lots: i64,
    distance_sum: f64,
    removed_lots: i64,
    resting_lot_seconds: f64,
    // market orders
    open_order: Option<OpenMarketOrder>,
    order_start_mid: Option<f64>,
    market_orders: u64,
    market_lots: i64,
    traded_lots: i64,
    trades: u64,
    max_sweep: f64,
    // price regression, per candidate half-life: decayed signed flow in lots
    imbalance: [f64; HALF_LIFE_CANDIDATES.len()],
    integral: [f64; HALF_LIFE_CANDIDATES.len()],
    bucket_end: Option<i64>,
    bucket_start_mid: Option<f64>,
    sxy: [f64; HALF_LIFE_CANDIDATES.len()],
    sxx: [f64; HALF_LIFE_CANDIDATES.len()],
    syy: f64,
    buckets: usize,
}

impl FlowCalibrator {
    /// An estimator for the market of `spec` (records of other markets are ignored) that
    /// counts levels within [`DEFAULT_WINDOW_TICKS`] of the mid.
    pub fn new(spec: MarketSpec) -> Self {
        Self::with_window(spec, DEFAULT_WINDOW_TICKS)
    }

    /// An estimator that counts levels within `window_ticks` of the mid (at least one).
    pub fn with_window(spec: MarketSpec, window_ticks: i64) -> Self {
        FlowCalibrator {
            window_ticks: window_ticks.max(1) as f64,
            tick: spec.tick_size().to_f64().unwrap_or(1.0),
            lot: spec.lot_size().to_f64().unwrap_or(1.0),
            spec,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            first_mid_ticks: None,
            records: 0,
            seconds: 0.0,
            last_ts: None,
            limit_arrivals: 0,
            added_lots: 0,
            distance_sum: 0.0,
            removed_lots: 0,
            resting_lot_seconds: 0.0,
            open_order: None,
            order_start_mid: None,
            market_orders: 0,
            market_lots: 0,
            traded_lots: 0,
            trades: 0,
            max_sweep: 0.0,
            imbalance: [0.0; HALF_LIFE_CANDIDATES.len()],
            integral: [0.0; HALF_LIFE_CANDIDATES.len()],
            bucket_end: None,
            bucket_start_mid: None,
            sxy: [0.0; HALF_LIFE_CANDIDATES.len()],
            sxx: [0.0; HALF_LIFE_CANDIDATES.len()],
            syy: 0.0,
            buckets: 0,
        }
    }

    /// The market being calibrated.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// Starts a new segment (the next recording): the book, the clock and the flow memory
    /// restart; the totals carry on.
    pub fn new_segment(&mut self) {
        self.close_market_order();
        self.bids.clear();
        self.asks.clear();
        self.last_ts = None;
        self.bucket_end = None;
        self.bucket_start_mid = None;
        self.imbalance = [0.0; HALF_LIFE_CANDIDATES.len()];
        self.integral = [0.0; HALF_LIFE_CANDIDATES.len()];
    }

    /// Feeds one record, in time order.
    pub fn observe(&mut self, record: &Record) {
        if record.event.market() != self.spec.id() {
            return;
        }
        self.records += 1;
        self.advance_to(record.recv_ts.as_i64());
        match &record.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => {
                self.bids = s
                    .bids
                    .iter()
                    .map(|l| (l.price.ticks(), l.qty.lots()))
                    .collect();
                self.asks = s
                    .asks
                    .iter()
                    .map(|l| (l.price.ticks(), l.qty.lots()))
                    .collect();
            }
            RecordEvent::Market(MarketEvent::Delta(d)) => {
                let mid = self.mid_ticks();
                for (side, level) in d
                    .bids
                    .iter()
                    .map(|l| (Side::Buy, l))
                    .chain(d.asks.iter().map(|l| (Side::Sell, l)))
                {
                    let book = match side {
                        Side::Buy => &mut self.bids,
                        Side::Sell => &mut self.asks,
                    };
                    let price = level.price.ticks();
                    let new = level.qty.lots().max(0);
                    let old = if new == 0 {
                        book.remove(&price).unwrap_or(0)
                    } else {
                        book.insert(price, new).unwrap_or(0)
                    };
                    let inside = mid.is_some_and(|m| (price as f64 - m).abs() <= self.window_ticks);
                    if !inside {
                        continue;
                    }
                    if new > old {
                        self.limit_arrivals += 1;
                        self.added_lots += new - old;
                        if let Some(mid) = mid {
                            self.distance_sum += (price as f64 - mid).abs();
                        }
                    } else {
                        self.removed_lots += old - new;
                    }
                }
            }
            RecordEvent::Market(MarketEvent::Trade(t)) => self.trade(t),
            RecordEvent::Top(_) => {}
        }
        if self.first_mid_ticks.is_none() {
            self.first_mid_ticks = self.mid_ticks();
        }
        if self.bucket_end.is_none() && self.mid_ticks().is_some() {
            self.bucket_end = Some(record.recv_ts.as_i64() + BUCKET_NS);
            self.bucket_start_mid = self.mid_ticks();
        }
    }

    /// The estimated parameters; `base` supplies what the data cannot estimate.
    pub fn finish(mut self, base: &FlowParams) -> Result<Calibration, FlowError> {
        self.close_market_order();
        let first_mid = self.first_mid_ticks.ok_or(FlowError::Invalid {
            field: "initial_price",
            reason: "cannot be estimated: the data has no two-sided book",
        })?;
        if self.seconds <= 0.0 || self.limit_arrivals == 0 {
            return Err(FlowError::Invalid {
                field: "limit_rate",
                reason: "cannot be estimated: the data spans no time or adds no liquidity",
            });
        }
        let mut params = base.clone();
        params.initial_price = first_mid * self.tick;
        let limit_mean_lots = self.added_lots as f64 / self.limit_arrivals as f64;
        params.limit_size_mean = limit_mean_lots * self.lot;
        params.limit_rate = self.added_lots as f64 / self.seconds / limit_mean_lots;
        params.distance_mean_ticks = self.distance_sum / self.limit_arrivals as f64;
        let cancelled = (self.removed_lots - self.traded_lots).max(0);
        let mean_resting = self.resting_lot_seconds / self.seconds;
        params.cancel_rate = if mean_resting > 0.0 {
            cancelled as f64 / self.seconds / mean_resting
        } else {
            0.0
        };
        let mut r_squared = 0.0;
        if self.market_orders > 0 {
            let market_mean_lots = self.market_lots as f64 / self.market_orders as f64;
            params.market_rate = self.market_orders as f64 / self.seconds;
            params.market_size_mean = market_mean_lots * self.lot;
            params.max_sweep_ticks = (self.max_sweep.ceil() as i64).max(1);
            if self.buckets >= MIN_BUCKETS && self.syy > 0.0 {
                let (best, sse) = (0..HALF_LIFE_CANDIDATES.len())
                    .filter(|&i| self.sxx[i] > 0.0)
                    .map(|i| {
                        let beta = (self.sxy[i] / self.sxx[i]).max(0.0);
                        let sse = self.syy - 2.0 * beta * self.sxy[i] + beta * beta * self.sxx[i];
                        (i, sse)
                    })
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((0, self.syy));
                let beta = if self.sxx[best] > 0.0 {
                    (self.sxy[best] / self.sxx[best]).max(0.0)
                } else {
                    0.0
                };
                // beta is per lot of flow; the latent price counts flow in mean order sizes.
                params.impact = beta * market_mean_lots;
                params.imbalance_half_life_s = HALF_LIFE_CANDIDATES[best];
                let bucket_s = BUCKET_NS as f64 / 1e9;
                params.volatility = (sse.max(0.0) / self.buckets as f64 / bucket_s).sqrt();
                r_squared = 1.0 - sse / self.syy;
            }
        }
        params.validate()?;
        Ok(Calibration {
            params,
            stats: CalibrationStats {
                seconds: self.seconds,
                records: self.records,
                limit_arrivals: self.limit_arrivals,
                cancelled_lots: cancelled,
                market_orders: self.market_orders,
                trades: self.trades,
                return_intervals: self.buckets,
                r_squared,
            },
        })
    }

    fn mid_ticks(&self) -> Option<f64> {
        let bid = *self.bids.keys().next_back()?;
        let ask = *self.asks.keys().next()?;
        Some((bid + ask) as f64 / 2.0)
    }

    /// Resting lots within the window around the mid.
    fn resting_lots(&self) -> i64 {
        let Some(mid) = self.mid_ticks() else {
            return 0;
        };
        let low = (mid - self.window_ticks).ceil() as i64;
        let high = (mid + self.window_ticks).floor() as i64;
        self.bids
            .range(low..=high)
            .chain(self.asks.range(low..=high))
            .map(|(_, lots)| lots)
            .sum()
    }

    /// Moves the clock to `ts`, closing every return interval that ends on the way.
    fn advance_to(&mut self, ts: i64) {
        let Some(last) = self.last_ts else {
            self.last_ts = Some(ts);
            return;
        };
        if ts <= last {
            return;
        }
        while let Some(end) = self.bucket_end.filter(|&end| end <= ts) {
            self.elapse(end);
            self.close_bucket();
            self.bucket_end = Some(end + BUCKET_NS);
        }
        self.elapse(ts);
    }

    fn elapse(&mut self, to: i64) {
        let Some(last) = self.last_ts else { return };
        let dt = (to - last).max(0) as f64 / 1e9;
        if dt == 0.0 {
            return;
        }
        self.seconds += dt;
        self.resting_lot_seconds += self.resting_lots() as f64 * dt;
        for (i, half_life) in HALF_LIFE_CANDIDATES.iter().enumerate() {
            let k = std::f64::consts::LN_2 / half_life;
            let decay = (-k * dt).exp();
            self.integral[i] += self.imbalance[i] * (1.0 - decay) / k;
            self.imbalance[i] *= decay;
        }
        self.last_ts = Some(to);
    }

    fn close_bucket(&mut self) {
        let end_mid = self.mid_ticks();
        if let (Some(start), Some(end)) = (self.bucket_start_mid, end_mid) {
            if start > 0.0 && end > 0.0 {
                let y = (end / start).ln();
                for i in 0..HALF_LIFE_CANDIDATES.len() {
                    self.sxy[i] += self.integral[i] * y;
                    self.sxx[i] += self.integral[i] * self.integral[i];
                }
                self.syy += y * y;
                self.buckets += 1;
            }
        }
        self.integral = [0.0; HALF_LIFE_CANDIDATES.len()];
        self.bucket_start_mid = end_mid;
    }

    fn trade(&mut self, t: &Trade) {
        self.trades += 1;
        let lots = t.qty.lots().max(0);
        self.traded_lots += lots;
        let ts = t.ts.as_i64();
        let same = self
            .open_order
            .is_some_and(|o| o.ts == ts && o.side == t.aggressor);
        if !same {
            self.close_market_order();
            self.open_order = Some(OpenMarketOrder {
                ts,
                side: t.aggressor,
                lots: 0,
            });
            self.order_start_mid = self.mid_ticks();
        }
        if let Some(order) = self.open_order.as_mut() {
            order.lots += lots;
        }
        if let Some(mid) = self.order_start_mid {
            let past = (t.price.ticks() as f64 - mid) * t.aggressor.sign() as f64;
            self.max_sweep = self.max_sweep.max(past);
        }
        for imbalance in self.imbalance.iter_mut() {
            *imbalance += (t.aggressor.sign() * lots) as f64;
        }
    }

    fn close_market_order(&mut self) {
        if let Some(order) = self.open_order.take() {
            self.market_orders += 1;
            self.market_lots += order.lots;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
    use flashmm_core::identifiers::TradeId;
    use flashmm_core::market::{Price, Qty};
    use flashmm_core::time::UnixNanos;
    use rust_decimal::Decimal;

    fn spec() -> MarketSpec {
        flashmm_core::market::fixture::spec(
            "ETH/USDC",
            Decimal::new(1, 2),
            Decimal::new(1, 4),
            Decimal::ZERO,
        )
    }

    fn lvl(ticks: i64, lots: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(ticks), Qty::from_lots(lots))
    }

    fn rec(ts_ms: i64, event: RecordEvent) -> Record {
        Record {
            recv_ts: UnixNanos(ts_ms * 1_000_000),
            event,
        }
    }

    #[test]
    fn estimates_rates_sizes_and_distances_of_a_hand_made_recording() {
        let market = spec().id().clone();
        let mut c = FlowCalibrator::new(spec());
        c.observe(&rec(
            0,
            RecordEvent::from(BookSnapshot {
                market: market.clone(),
                seq: 1,
                bids: vec![lvl(99, 100)],
                asks: vec![lvl(101, 100)],
                ts: UnixNanos(0),
            }),
        ));
        // Two seconds: two arrivals of 50 lots at 3 ticks and 1 tick from the mid (100).
        let delta = |seq, ts_ms, bids, asks| {
            rec(
                ts_ms,
                RecordEvent::from(BookDelta {
                    market: market.clone(),
                    seq,
                    prev_seq: Some(seq - 1),
                    bids,
                    asks,
                    ts: UnixNanos(ts_ms * 1_000_000),
                }),
            )
        };
        c.observe(&delta(2, 500, vec![lvl(97, 50)], vec![]));
        c.observe(&delta(3, 1000, vec![], vec![lvl(101, 150)]));
        // One market buy of 20 lots in two trades at the same time, then its level change.
        for (id, qty) in [(1u64, 5), (2, 15)] {
            c.observe(&rec(
                1500,
                RecordEvent::from(Trade {
                    market: market.clone(),
                    trade_id: TradeId::new(id.to_string()).unwrap(),
                    price: Price::from_ticks(101),
                    qty: Qty::from_lots(qty),
                    aggressor: Side::Buy,
                    ts: UnixNanos(1_500_000_000),
                }),
            ));
        }
        c.observe(&delta(4, 1500, vec![], vec![lvl(101, 130)]));
        // A cancel of 30 lots at 2 s.
        c.observe(&delta(5, 2000, vec![lvl(99, 70)], vec![]));
        let cal = c.finish(&FlowParams::default()).unwrap();
        let p = &cal.params;
        assert_eq!(cal.stats.limit_arrivals, 2);
        assert_eq!(cal.stats.market_orders, 1);
        assert_eq!(cal.stats.trades, 2);
        assert_eq!(cal.stats.cancelled_lots, 30);
        assert!((cal.stats.seconds - 2.0).abs() < 1e-12);
        assert!((p.initial_price - 1.0).abs() < 1e-12);
        assert!((p.limit_size_mean - 50.0 * 1e-4).abs() < 1e-12);
        assert!((p.limit_rate - 1.0).abs() < 1e-12, "{}", p.limit_rate);
        assert!((p.distance_mean_ticks - 2.0).abs() < 1e-12);
        assert!((p.market_rate - 0.5).abs() < 1e-12);
        assert!((p.market_size_mean - 20.0 * 1e-4).abs() < 1e-12);
        assert_eq!(p.max_sweep_ticks, 1);
        // Resting lots: 200 for 0.5 s, 250 for 0.5 s, 300 for 0.5 s, 280 for 0.5 s.
        let mean_resting = (200.0 + 250.0 + 300.0 + 280.0) / 4.0;
        assert!((p.cancel_rate - 30.0 / 2.0 / mean_resting).abs() < 1e-12);
        assert_eq!(p.informed, FlowParams::default().informed);
        p.validate().unwrap();
    }

    #[test]
    fn buying_that_lifts_the_mid_gives_a_positive_impact() {
        let market = spec().id().clone();
        let mut c = FlowCalibrator::new(spec());
        let mut seq = 1;
        c.observe(&rec(
            0,
            RecordEvent::from(BookSnapshot {
                market: market.clone(),
                seq,
                bids: vec![lvl(10_000, 100)],
                asks: vec![lvl(10_002, 100)],
                ts: UnixNanos(0),
            }),
        ));
        let (mut bid, mut ask) = (10_000, 10_002);
        for s in 0..40i64 {
            let t = s * 1000 + 100;
            let buys = s % 2 == 0;
            let side = if buys { Side::Buy } else { Side::Sell };
            c.observe(&rec(
                t,
                RecordEvent::from(Trade {
                    market: market.clone(),
                    trade_id: TradeId::new((s + 1).to_string()).unwrap(),
                    price: Price::from_ticks(if buys { ask } else { bid }),
                    qty: Qty::from_lots(10),
                    aggressor: side,
                    ts: UnixNanos(t * 1_000_000),
                }),
            ));
            // The mid follows the flow a few ticks over the next moments.
            let step = if buys { 3 } else { -3 };
            seq += 1;
            c.observe(&rec(
                t + 300,
                RecordEvent::from(BookDelta {
                    market: market.clone(),
                    seq,
                    prev_seq: Some(seq - 1),
                    bids: vec![lvl(bid, 0), lvl(bid + step, 100)],
                    asks: vec![lvl(ask, 0), lvl(ask + step, 100)],
                    ts: UnixNanos((t + 300) * 1_000_000),
                }),
            ));
            bid += step;
            ask += step;
        }
        let cal = c.finish(&FlowParams::default()).unwrap();
        assert!(cal.stats.return_intervals >= MIN_BUCKETS);
        assert!(cal.params.impact > 0.0, "{:?}", cal.params);
        assert!(cal.stats.r_squared > 0.5, "{:?}", cal.stats);
    }

    #[test]
    fn an_empty_recording_is_refused() {
        let c = FlowCalibrator::new(spec());
        assert!(matches!(
            c.finish(&FlowParams::default()),
            Err(FlowError::Invalid {
                field: "initial_price",
                ..
            })
        ));
    }
}
