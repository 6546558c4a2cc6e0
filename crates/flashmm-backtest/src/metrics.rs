//! [`MetricsRecorder`]: what a run measures as it goes: time-weighted spreads and inventory,
//! equity samples, fills and their markouts.

use std::collections::{BTreeMap, VecDeque};

use flashmm_core::book::OrderBook;
use flashmm_core::inventory::Position;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_core::order::Liquidity;
use rust_decimal::Decimal;

use crate::error::BacktestError;
use crate::exchange::FillSimulator;

/// A fill waiting for the mid one horizon later.
#[derive(Debug, Clone, Copy)]
struct PendingMarkout {
    due: i64,
    side: Side,
    price: f64,
    lots: i64,
}

/// The markouts of one horizon.
#[derive(Debug, Clone, Default)]
pub struct MarkoutAccumulator {
    /// The horizon, in milliseconds.
    pub horizon_ms: u64,
    pending: VecDeque<PendingMarkout>,
    /// Fills measured.
    pub fills: u64,
    /// Σ markout_bps × lots.
    pub weighted_bps: f64,
    /// Σ lots.
    pub lots: i64,
    /// Fills whose markout was > 0 (the mid moved our way).
    pub favourable: u64,
    /// Fills whose horizon ran past the end of the data.
    pub unresolved: u64,
}

/// The running measurements of one backtest.
#[derive(Debug, Clone)]
pub struct MetricsRecorder {
    spec: MarketSpec,
    trade_from: i64,
    last_t: Option<i64>,
    /// Time with a two-sided market, ns.
    pub market_time_ns: i64,
    /// ∫ market spread (bps of mid) dt.
    pub market_spread_bps_ns: f64,
    /// ∫ market spread (ticks) dt.
    pub market_spread_ticks_ns: f64,
    /// Time with both our bid and ask resting, ns.
    pub ours_time_ns: i64,
    /// ∫ our spread (bps) dt, while two-sided.
    pub ours_spread_bps_ns: f64,
    /// ∫ the spread of the book with our orders in it (bps) dt, while the market is
    /// two-sided.
    pub combined_spread_bps_ns: f64,
    /// Time during which our orders made the spread tighter, ns.
    pub tighter_time_ns: i64,
    /// Time with at least one of our orders resting, ns.
    pub quoting_time_ns: i64,
    /// Time with at least one of our orders resting while the market is two-sided, ns.
    pub resting_market_time_ns: i64,
    /// Of that, the time our best bid or best ask was at or inside the market's touch, ns.
    pub at_touch_time_ns: i64,
    /// Time spent at each position (lots), ns.
    pub inventory_ns: BTreeMap<i64, i64>,
    /// Equity samples: (venue time ns, net P&L at the mid).
    pub equity: Vec<(i64, Decimal)>,
    /// Position samples: (venue time ns, lots), at each change.
    pub positions: Vec<(i64, i64)>,
    next_sample: i64,
    sample_interval_ns: i64,
    /// One accumulator per horizon.
    pub markouts: Vec<MarkoutAccumulator>,
    /// Fills (maker, taker).
    pub fills: (u64, u64),
    /// Lots filled (maker, taker).
    pub filled_lots: (i64, i64),
    /// Lots bought and sold.
    pub bought_sold_lots: (i64, i64),
    /// Notional traded, in quote currency.
    pub traded_notional: Decimal,
    /// Σ (−side × price × lots) of fills in tick×lot units: the cash flow before fees.
    pub cash_units: i128,
    /// Σ fees of fills (negative: rebates).
    pub fees: Decimal,
    /// First and last venue time counted.
    pub span: Option<(i64, i64)>,
}

impl MetricsRecorder {
    /// A recorder counting from `trade_from`.
    pub fn new(
        spec: MarketSpec,
        trade_from: i64,
        markout_horizons_ms: &[u64],
        sample_interval_ms: u64,
    ) -> Self {
        MetricsRecorder {
            spec,
            trade_from,
            last_t: None,
            market_time_ns: 0,
            market_spread_bps_ns: 0.0,
            market_spread_ticks_ns: 0.0,
            ours_time_ns: 0,
            ours_spread_bps_ns: 0.0,
            combined_spread_bps_ns: 0.0,
            tighter_time_ns: 0,
            resting_market_time_ns: 0,
            at_touch_time_ns: 0,
            quoting_time_ns: 0,
            inventory_ns: BTreeMap::new(),
            equity: Vec::new(),
            positions: Vec::new(),
            next_sample: i64::MIN,
            sample_interval_ns: i64::try_from(sample_interval_ms)
                .unwrap_or(i64::MAX / 1_000_000)
                .saturating_mul(1_000_000),
            markouts: markout_horizons_ms
                .iter()
                .map(|&h| MarkoutAccumulator {
                    horizon_ms: h,
                    ..MarkoutAccumulator::default()
                })
                .collect(),
            fills: (0, 0),
            filled_lots: (0, 0),
            bought_sold_lots: (0, 0),
            traded_notional: Decimal::ZERO,
            cash_units: 0,
            fees: Decimal::ZERO,
            span: None,
        }
    }

    /// Integrates the state in force since the last call up to `t` (call before any change of
    /// the venue's book, our resting orders or our position).
    #[inline]
    pub fn advance(&mut self, t: i64, venue: &FillSimulator, position_lots: i64) {
        let Some(last) = self.last_t.replace(t) else {
            return;
        };
        let from = last.max(self.trade_from);
        if t <= from {
            return;
        }
        let dt = t - from;
        self.span = Some(self.span.map_or((from, t), |(a, _)| (a, t)));
        *self.inventory_ns.entry(position_lots).or_default() += dt;
        let book = venue.book();
        let (own_bid, own_ask) = (venue.best_own(Side::Buy), venue.best_own(Side::Sell));
        let resting = own_bid.is_some() || own_ask.is_some();
        if resting {
            self.quoting_time_ns += dt;
        }
        let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) else {
            return;
        };
        let (bid, ask) = (bid.price.ticks(), ask.price.ticks());
        let mid = (bid + ask) as f64 / 2.0;
        let dtf = dt as f64;
        let to_bps = 1e4 / mid;
        self.market_time_ns += dt;
        self.market_spread_bps_ns += (ask - bid) as f64 * to_bps * dtf;
        self.market_spread_ticks_ns += (ask - bid) as f64 * dtf;
        let best_bid = own_bid.map_or(bid, |b| b.max(bid));
        let best_ask = own_ask.map_or(ask, |a| a.min(ask));
        self.combined_spread_bps_ns += (best_ask - best_bid) as f64 * to_bps * dtf;
        if best_ask - best_bid < ask - bid {
            self.tighter_time_ns += dt;
        }
        if resting {
            self.resting_market_time_ns += dt;
            if own_bid.is_some_and(|b| b >= bid) || own_ask.is_some_and(|a| a <= ask) {
                self.at_touch_time_ns += dt;
            }
        }
        if let (Some(b), Some(a)) = (own_bid, own_ask) {
            self.ours_time_ns += dt;
            self.ours_spread_bps_ns += (a - b) as f64 * to_bps * dtf;
        }
    }

    /// Resolves the markouts due by `t` with `book`'s mid (the mid in force until `t`).
    #[inline]
    pub fn resolve_markouts(&mut self, t: i64, book: &OrderBook) {
        let Some(mid) = book.mid_ticks() else {
            return;
        };
        for acc in &mut self.markouts {
            while let Some(p) = acc.pending.front() {
                if p.due > t {
                    break;
                }
                let bps = p.side.sign() as f64 * (mid - p.price) / p.price * 1e4;
                acc.fills += 1;
                acc.weighted_bps += bps * p.lots as f64;
                acc.lots += p.lots;
                if bps > 0.0 {
                    acc.favourable += 1;
                }
                acc.pending.pop_front();
            }
        }
    }

    /// Samples the equity at `t` if a sample is due.
    #[inline]
    pub fn maybe_sample(
        &mut self,
        t: i64,
        book: &OrderBook,
        position: &Position,
    ) -> Result<(), BacktestError> {
        if t < self.next_sample || t < self.trade_from {
            return Ok(());
        }
        self.next_sample = t - t.rem_euclid(self.sample_interval_ns) + self.sample_interval_ns;
        self.sample(t, book, position)
    }

    /// Samples the equity at `t` at the book's mid.
    pub fn sample(
        &mut self,
        t: i64,
        book: &OrderBook,
        position: &Position,
    ) -> Result<(), BacktestError> {
        if let Some(mid) = book.mid(&self.spec) {
            self.equity.push((t, position.total_pnl(&self.spec, mid)?));
        }
        Ok(())
    }

    /// Books one of our fills at venue time `t`.
    #[allow(clippy::too_many_arguments)]
    pub fn on_fill(
        &mut self,
        t: i64,
        side: Side,
        price: Price,
        qty: Qty,
        liquidity: Liquidity,
        fee: Decimal,
        position_after: i64,
    ) -> Result<(), BacktestError> {
        let lots = qty.lots();
        match liquidity {
            Liquidity::Maker => {
                self.fills.0 += 1;
                self.filled_lots.0 += lots;
            }
            Liquidity::Taker => {
                self.fills.1 += 1;
                self.filled_lots.1 += lots;
            }
        }
        match side {
            Side::Buy => self.bought_sold_lots.0 += lots,
            Side::Sell => self.bought_sold_lots.1 += lots,
        }
        self.traded_notional += self.spec.notional(price, qty)?;
        self.cash_units -= i128::from(side.sign()) * i128::from(price.ticks()) * i128::from(lots);
        self.fees += fee;
        self.positions.push((t, position_after));
        for acc in &mut self.markouts {
            let due = t.saturating_add(
                i64::try_from(acc.horizon_ms)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1_000_000),
            );
            acc.pending.push_back(PendingMarkout {
                due,
                side,
                price: price.ticks() as f64,
                lots,
            });
        }
        Ok(())
    }

    /// Closes the run: markouts still pending are counted as unresolved.
    pub fn finish(&mut self) {
        for acc in &mut self.markouts {
            acc.unresolved += acc.pending.len() as u64;
            acc.pending.clear();
        }
    }
}
