//! [`Backtest`]: the event loop of a run.
//!
//! One clock, the venue's (the recording's receive times). Each recorded event is applied to
//! the venue ([`FillSimulator`]) at its time, and reaches the [`Strategy`] one feed latency
//! later. The orders and cancels the strategy sends reach the venue one order latency after
//! it sent them; the venue's reports (fills, rejects, cancels) reach the strategy one order
//! latency after they happened. Three FIFO queues hold what is in flight; before each
//! recorded event, everything due earlier is delivered in time order (ties: market data to
//! the strategy first, then orders to the venue, then reports to the strategy). The latency
//! jitter is drawn from generators seeded by the config's seed, so a run is deterministic.

use std::collections::VecDeque;

use flashmm_core::inventory::Position;
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_recording::{Record, RecordEvent, RecordingError};

use crate::config::BacktestConfig;
use crate::error::BacktestError;
use crate::exchange::FillSimulator;
use crate::latency::LatencyModel;
use crate::metrics::MetricsRecorder;
use crate::order::{ExchangeReport, OrderAction};
use crate::report::{build_report, ReplayReport, Report, ReportInputs};
use crate::seam::BusSeam;
use crate::strategy::{Strategy, StrategySetup};

/// How far a run has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Records read.
    pub records: u64,
    /// Venue time of the last record.
    pub ts: UnixNanos,
}

/// One configured run over one market.
#[derive(Debug)]
pub struct Backtest {
    config: BacktestConfig,
    spec: MarketSpec,
    seam: Option<BusSeam>,
}

/// Which queue holds the next thing due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Feed,
    Venue,
    Report,
}

struct Loop {
    venue: FillSimulator,
    strategy: Strategy,
    feed: LatencyModel,
    order_lat: LatencyModel,
    report_lat: LatencyModel,
    to_strategy_md: VecDeque<(i64, Record)>,
    to_venue: VecDeque<(i64, OrderAction)>,
    to_strategy_reports: VecDeque<(i64, ExchangeReport)>,
    position: Position,
    metrics: MetricsRecorder,
    spec: MarketSpec,
    config: BacktestConfig,
    reports: Vec<ExchangeReport>,
    actions: Vec<OrderAction>,
}

impl Backtest {
    /// A run of `config` over the market of `spec`; with a `seam` (the model over the
    /// in-memory bus) it is the ML strategy, without it the no-prediction baseline.
    pub fn new(
        config: BacktestConfig,
        spec: MarketSpec,
        seam: Option<BusSeam>,
    ) -> Result<Self, BacktestError> {
        config.validate()?;
        Ok(Backtest { config, spec, seam })
    }

    /// Replays `records` (other markets' records are skipped and counted; unreadable ones
    /// too) and reports. `progress` is called every 65 536 records.
    pub fn run<I>(
        self,
        records: I,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Report, BacktestError>
    where
        I: IntoIterator<Item = Result<Record, RecordingError>>,
    {
        let strategy_name = if self.seam.is_some() {
            "ml"
        } else {
            "baseline"
        };
        let c = &self.config;
        let trade_from = c.trade_from.map_or(i64::MIN, UnixNanos::as_i64);
        let strategy = Strategy::new(StrategySetup {
            // The engine prices its quotes with the simulated venue's fees.
            spec: self
                .spec
                .clone()
                .with_fees(c.fees.maker_rate, c.fees.taker_rate),
            quoting: c.quote.clone(),
            limits: c.risk.clone(),
            guards: c.guards.clone(),
            budget: c.budget,
            fees: c.fees,
            features: c.features.clone(),
            feature_rate_hz: c.feature_rate_hz,
            flat_rate: c.flat_rate,
            seam: self.seam,
            trade_from: c.trade_from,
        })?;
        let mut l = Loop {
            venue: FillSimulator::new(self.spec.id().clone(), c.cancel_model, c.post_only),
            strategy,
            feed: LatencyModel::new(c.feed_latency, c.seed.wrapping_mul(3)),
            order_lat: LatencyModel::new(c.order_latency, c.seed.wrapping_mul(3).wrapping_add(1)),
            report_lat: LatencyModel::new(c.order_latency, c.seed.wrapping_mul(3).wrapping_add(2)),
            to_strategy_md: VecDeque::new(),
            to_venue: VecDeque::new(),
            to_strategy_reports: VecDeque::new(),
            position: Position::new(self.spec.id().clone()),
            metrics: MetricsRecorder::new(
                self.spec.clone(),
                trade_from,
                &c.markout_horizons_ms,
                c.sample_interval_ms,
            ),
            spec: self.spec.clone(),
            config: self.config.clone(),
            reports: Vec::new(),
            actions: Vec::new(),
        };
        let mut replay = ReplayReport {
            records: 0,
            book_events: 0,
            trades: 0,
            other_markets: 0,
            unreadable: 0,
            refused_updates: 0,
            seconds: 0.0,
            span_ns: None,
        };
        let mut last_t = i64::MIN;
        for record in records {
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    replay.unreadable += 1;
                    continue;
                }
            };
            replay.records += 1;
            if record.event.market() != self.spec.id() {
                replay.other_markets += 1;
                continue;
            }
            match record.event {
                RecordEvent::Market(MarketEvent::Snapshot(_) | MarketEvent::Delta(_)) => {
                    replay.book_events += 1
                }
                RecordEvent::Market(MarketEvent::Trade(_)) => replay.trades += 1,
                RecordEvent::Top(_) => {}
            }
            // Time never runs backwards on the venue's clock.
            let t = record.recv_ts.as_i64().max(last_t);
            last_t = t;
            l.deliver_until(t)?;
            l.market_event(t, record)?;
            if replay.records & 0xFFFF == 0 {
                progress(Progress {
                    records: replay.records,
                    ts: UnixNanos(t),
                });
            }
        }
        l.deliver_until(i64::MAX)?;
        if last_t > i64::MIN {
            l.metrics.advance(last_t, &l.venue, l.position.qty());
            l.metrics.sample(last_t, l.venue.book(), &l.position)?;
        }
        l.metrics.finish();
        replay.refused_updates = l.venue.refused_updates();
        replay.span_ns = l.metrics.span;
        replay.seconds = l.metrics.span.map_or(0.0, |(a, b)| (b - a) as f64 / 1e9);
        let final_mid = l.venue.book().mid(&l.spec);
        build_report(
            &l.metrics,
            ReportInputs {
                strategy: strategy_name,
                model_id: l.strategy.model_id().map(str::to_owned),
                spec: &l.spec,
                config: &l.config,
                position: &l.position,
                final_mid,
                stats: l.strategy.stats().clone(),
                replay,
            },
        )
    }
}

impl Loop {
    /// Applies a recorded event to the venue at `t` and queues it for the strategy.
    fn market_event(&mut self, t: i64, record: Record) -> Result<(), BacktestError> {
        self.metrics.resolve_markouts(t, self.venue.book());
        self.metrics.advance(t, &self.venue, self.position.qty());
        self.venue
            .on_event(UnixNanos(t), &record.event, &mut self.reports);
        self.book_reports(t)?;
        self.metrics
            .maybe_sample(t, self.venue.book(), &self.position)?;
        if !matches!(record.event, RecordEvent::Top(_)) {
            let at = self.feed.arrival(t);
            self.to_strategy_md.push_back((at, record));
        }
        Ok(())
    }

    /// Delivers everything in flight that is due before `t`, in time order.
    fn deliver_until(&mut self, t: i64) -> Result<(), BacktestError> {
        loop {
            let mut next: Option<(i64, Next)> = None;
            for (at, which) in [
                (self.to_strategy_md.front().map(|e| e.0), Next::Feed),
                (self.to_venue.front().map(|e| e.0), Next::Venue),
                (self.to_strategy_reports.front().map(|e| e.0), Next::Report),
            ] {
                if let Some(at) = at {
                    if at < t && next.is_none_or(|(n, _)| at < n) {
                        next = Some((at, which));
                    }
                }
            }
            let Some((at, which)) = next else {
                return Ok(());
            };
            match which {
                Next::Feed => {
                    let Some((_, record)) = self.to_strategy_md.pop_front() else {
                        return Ok(());
                    };
                    self.strategy.on_market(
                        UnixNanos(at),
                        record.recv_ts,
                        record.event,
                        &mut self.actions,
                    )?;
                    for action in self.actions.drain(..) {
                        let arrival = self.order_lat.arrival(at);
                        self.to_venue.push_back((arrival, action));
                    }
                }
                Next::Venue => {
                    let Some((_, action)) = self.to_venue.pop_front() else {
                        return Ok(());
                    };
                    self.metrics.advance(at, &self.venue, self.position.qty());
                    match action {
                        OrderAction::Place(o) => {
                            self.venue.place(UnixNanos(at), o, &mut self.reports)
                        }
                        OrderAction::Cancel(id) => self.venue.cancel(id, &mut self.reports),
                        OrderAction::CancelAll => self.venue.cancel_all(&mut self.reports),
                    }
                    self.book_reports(at)?;
                }
                Next::Report => {
                    let Some((_, report)) = self.to_strategy_reports.pop_front() else {
                        return Ok(());
                    };
                    self.strategy
                        .on_report(UnixNanos(at), &report, &mut self.actions)?;
                    for action in self.actions.drain(..) {
                        let arrival = self.order_lat.arrival(at);
                        self.to_venue.push_back((arrival, action));
                    }
                }
            }
        }
    }

    /// Books the venue's fresh reports (fills into the true position and the metrics) and
    /// sends them to the strategy.
    fn book_reports(&mut self, t: i64) -> Result<(), BacktestError> {
        if self.reports.is_empty() {
            return Ok(());
        }
        let mut filled = false;
        for report in std::mem::take(&mut self.reports) {
            if let ExchangeReport::Filled {
                side,
                price,
                qty,
                liquidity,
                ..
            } = report
            {
                let fee = self.config.fees.fee(&self.spec, price, qty, liquidity)?;
                self.position.apply_fill(side, price, qty, fee)?;
                self.metrics
                    .on_fill(t, side, price, qty, liquidity, fee, self.position.qty())?;
                filled = true;
            }
            let at = self.report_lat.arrival(t);
            self.to_strategy_reports.push_back((at, report));
        }
        if filled {
            self.metrics.sample(t, self.venue.book(), &self.position)?;
        }
        Ok(())
    }
}
