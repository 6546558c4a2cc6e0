//! [`Strategy`]: the trading side of a backtest — the simulated-venue shell around the trading
//! core ([`flashmm_trading`]), the code that trades live. Every decision (book, σ/κ
//! estimators, prediction freshness, quoter, re-quote policy, every risk check, working orders,
//! lot sizes, the request budget, the kill switch, P&L) is the core's; this shell only does
//! what `execution` does around it, over the replay instead of the bus and a venue:
//!
//! - market data in (as delayed by the feed), predictions from the model over the bus seam;
//! - each decision's instructions out as [`OrderAction`]s, client ids mapped to the simulated
//!   venue's [`OrderId`]s;
//! - the venue's reports back in as fills and order events.
//!
//! What differs from live by design is the venue's (latency, queue position, fills), listed in
//! `docs/backtest.md`.

use std::collections::{BTreeMap, HashMap};

use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::{Fill, OrderEvent};
use flashmm_core::risk::RiskViolationKind;
use flashmm_core::risk::{GuardLimits, KillSwitch, RiskAction, RiskLimits, RiskViolation};
use flashmm_core::signal::drift::{
    DEFAULT_HIT_RATE_WINDOW, DEFAULT_MAX_PENDING, DEFAULT_MID_RETAIN_NS,
};
use flashmm_core::signal::{
    DriftMonitor, FeatureVector, FlatRateConfig, Outcome, PendingPrediction, Prediction,
};
use flashmm_core::strategy::{QuoteParams, RawQuoteParams};
use flashmm_core::time::{MonoNanos, UnixNanos};
use flashmm_features::{FeatureConfig, FeatureStep, MarketFeatures};
use flashmm_recording::RecordEvent;
use flashmm_trading::{Account, Instruction, MarketEngine, Pacer};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::BacktestError;
use crate::fees::FeeSchedule;
use crate::order::{ExchangeReport, NewOrder, OrderAction, OrderId, RejectReason};
use crate::seam::BusSeam;

/// How often the account's P&L marks move on (the day roll, the equity peak), as execution's
/// once-a-second flush does.
const MARK_EVERY_NS: i64 = flashmm_core::time::NANOS_PER_SEC;

/// The quoting parameters of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quoting {
    /// Sizes in lots from notionals at the first mid, as execution sizes them: the level size
    /// from `level_notional`, the inventory scale from the position limit.
    FromNotional {
        /// Every parameter but the sizes.
        template: RawQuoteParams,
        /// Quote currency per level.
        level_notional: Decimal,
    },
    /// Parameters given whole, sizes in lots included (`flashmm backtest --params`).
    Fixed(QuoteParams),
}

/// The venue request budget of the run, as execution's `--venue-requests-per-sec` and
/// `--venue-request-burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBudget {
    /// Requests refilled per second.
    pub per_sec: u32,
    /// Requests at once.
    pub burst: u32,
}

/// What a strategy is made of: the core's settings and the shell's.
#[derive(Debug)]
pub struct StrategySetup {
    /// The market.
    pub spec: MarketSpec,
    /// Quoting parameters.
    pub quoting: Quoting,
    /// Per-market limits.
    pub limits: RiskLimits,
    /// Guard limits.
    pub guards: GuardLimits,
    /// The venue request budget.
    pub budget: RequestBudget,
    /// Fees of the simulated venue (the fee of each fill booked).
    pub fees: FeeSchedule,
    /// The feature engine's settings (ML strategy).
    pub features: FeatureConfig,
    /// Feature vectors per second, at most.
    pub feature_rate_hz: f64,
    /// The flat rate the scored predictions feed (ML strategy).
    pub flat_rate: FlatRateConfig,
    /// The model over the bus (ML strategy); none for the no-prediction baseline.
    pub seam: Option<BusSeam>,
    /// Quote only from this time on (earlier data warms up the book and estimators).
    pub trade_from: Option<UnixNanos>,
}

/// Counts of what the strategy did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyStats {
    /// Orders sent.
    pub orders_placed: u64,
    /// Lots of the orders sent.
    pub lots_placed: i64,
    /// Cancels sent.
    pub cancels_sent: u64,
    /// Cancels that arrived after the order had filled.
    pub cancels_too_late: u64,
    /// Orders refused by the venue because they would have crossed (post-only).
    pub rejected_would_cross: u64,
    /// Orders refused by the venue because its book was not valid.
    pub rejected_no_book: u64,
    /// Decisions that sent orders or cancels.
    pub requotes: u64,
    /// Cancels and places the request budget held back for a later decision.
    pub paced: u64,
    /// Orders the risk checks refused, by the first violation's kind.
    pub risk_refused: BTreeMap<String, u64>,
    /// Standing-risk holds (quotes pulled), by kind.
    pub risk_holds: BTreeMap<String, u64>,
    /// Trades the feature engine refused.
    pub refused_trades: u64,
    /// Predictions received over the bus.
    pub predictions: u64,
    /// Of the predictions scored as inference scores them live (from the trading start), the
    /// ones whose direction the mid then took beyond the model's flat band.
    #[serde(default)]
    pub prediction_hits: u64,
    /// And the ones it moved against (the hit rate is hits / (hits + misses)).
    #[serde(default)]
    pub prediction_misses: u64,
    /// Why quoting stopped for good, if it did (the kill switch).
    pub halted: Option<RiskViolationKind>,
}

/// The feature and model path of the ML strategy (what `feature` and `inference` do live).
#[derive(Debug)]
struct Signal {
    features: MarketFeatures,
    vector: FeatureVector,
    seam: BusSeam,
    /// Scores the seam's predictions into the live hit rate the drift guard reads, as the
    /// inference service does (live, the rate reaches execution through `state:model` once a
    /// second; here at every book update).
    drift: DriftMonitor,
}

/// The trading side of a backtest.
#[derive(Debug)]
pub struct Strategy {
    engine: MarketEngine,
    account: Account,
    pacer: Pacer,
    signal: Option<Signal>,
    fees: FeeSchedule,
    /// Venue order id of each client id sent and not yet done, and back.
    venue_ids: HashMap<ClientOrderId, OrderId>,
    client_ids: HashMap<OrderId, ClientOrderId>,
    next_id: OrderId,
    next_trade: u64,
    last_mark: Option<UnixNanos>,
    trade_from: i64,
    stats: StrategyStats,
}

impl Strategy {
    /// A strategy of `setup`.
    pub fn new(setup: StrategySetup) -> Result<Self, BacktestError> {
        let market = setup.spec.id().clone();
        let signal = match setup.seam {
            Some(seam) => {
                let features =
                    MarketFeatures::new(market, setup.features, Some(setup.feature_rate_hz))?;
                let vector = features.vector(UnixNanos(0));
                Some(Signal {
                    features,
                    vector,
                    seam,
                    drift: DriftMonitor::new(
                        DEFAULT_HIT_RATE_WINDOW,
                        DEFAULT_MID_RETAIN_NS,
                        DEFAULT_MAX_PENDING,
                    )
                    .with_flat_rate(setup.flat_rate),
                })
            }
            None => None,
        };
        let (template, level_notional, fixed) = match setup.quoting {
            Quoting::FromNotional {
                template,
                level_notional,
            } => (template, level_notional, None),
            Quoting::Fixed(params) => (params.values().clone(), Decimal::ZERO, Some(params)),
        };
        let mut engine = MarketEngine::new(
            setup.spec,
            template,
            level_notional,
            setup.limits,
            setup.guards,
            1,
            UnixNanos(0),
        );
        if let Some(params) = fixed {
            engine = engine.with_quote_params(params)?;
        }
        Ok(Strategy {
            engine,
            account: Account::new(KillSwitch::new(UnixNanos(0))),
            pacer: Pacer::new(setup.budget.per_sec, setup.budget.burst, MonoNanos(0)),
            signal,
            fees: setup.fees,
            venue_ids: HashMap::new(),
            client_ids: HashMap::new(),
            next_id: 1,
            next_trade: 1,
            last_mark: None,
            trade_from: setup.trade_from.map_or(i64::MIN, UnixNanos::as_i64),
            stats: StrategyStats::default(),
        })
    }

    /// What the strategy did so far.
    pub fn stats(&self) -> &StrategyStats {
        &self.stats
    }

    /// The model's id, for the ML strategy.
    pub fn model_id(&self) -> Option<&str> {
        self.signal.as_ref().map(|s| s.seam.model_id())
    }

    /// The trading core's engine of the market.
    pub fn engine(&self) -> &MarketEngine {
        &self.engine
    }

    /// A market event seen at `now` (venue receive time `recv_ts` plus the feed latency);
    /// orders to send go to `out`.
    pub fn on_market(
        &mut self,
        now: UnixNanos,
        recv_ts: UnixNanos,
        event: RecordEvent,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        let RecordEvent::Market(event) = event else {
            return Ok(());
        };
        let violation = self
            .engine
            .on_market_event(now, MonoNanos(now.as_i64()), &event);
        if let (Some(v), true) = (violation, self.trading(now)) {
            self.violations(now, &[v], out);
        }
        let counted = self.trading(now);
        if let Some(signal) = &mut self.signal {
            if !matches!(event, MarketEvent::Trade(_)) {
                if let Some(mid) = self.engine.book().mid_ticks() {
                    for outcome in signal.drift.on_mid(recv_ts.as_i64(), mid) {
                        match outcome {
                            Outcome::Hit if counted => self.stats.prediction_hits += 1,
                            Outcome::Miss if counted => self.stats.prediction_misses += 1,
                            _ => {}
                        }
                    }
                    let (rate, window) = (signal.drift.hit_rate(), signal.drift.window_len());
                    self.engine.hit_rate = (rate, window as u64);
                }
            }
            match signal.features.on_event(&event, recv_ts)? {
                FeatureStep::RefusedTrade(_) => self.stats.refused_trades += 1,
                FeatureStep::Publish => {
                    signal.features.write_vector(&mut signal.vector, recv_ts);
                    let shift = signal.drift.flat_shift();
                    if let Some(p) = signal.seam.round_trip(&signal.vector, now, shift)? {
                        let dead_band = signal.seam.dead_band_bps();
                        signal
                            .drift
                            .on_prediction(PendingPrediction::of(&p, dead_band, shift));
                        self.engine.on_prediction(p);
                        self.stats.predictions += 1;
                        if self.stats.predictions.is_multiple_of(4096) {
                            signal.seam.trim(1024)?;
                        }
                    }
                }
                FeatureStep::Held | FeatureStep::Trade | FeatureStep::Book(_) => {}
            }
        }
        self.decide(now, out);
        Ok(())
    }

    /// A prediction received at `now` from elsewhere than this strategy's own model seam (a
    /// replay of recorded predictions).
    pub fn on_prediction(&mut self, prediction: Prediction) {
        self.engine.on_prediction(prediction);
        self.stats.predictions += 1;
    }

    /// A report from the venue, received at `now`; the decision it calls for goes to `out`.
    pub fn on_report(
        &mut self,
        now: UnixNanos,
        report: &ExchangeReport,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        match *report {
            ExchangeReport::Filled {
                id,
                side,
                price,
                qty,
                liquidity,
                done,
                ts,
            } => {
                let spec = self.engine.spec();
                let fee = self.fees.fee(spec, price, qty, liquidity)?;
                let Some(client_id) = self.client_ids.get(&id).cloned() else {
                    return Err(BacktestError::UnknownOrder(id));
                };
                let fill = Fill {
                    market: spec.id().clone(),
                    client_id,
                    venue_order_id: VenueOrderId::new(id.to_string())?,
                    trade_id: TradeId::new(self.next_trade.to_string())?,
                    side,
                    price,
                    qty,
                    fee,
                    liquidity,
                    ts,
                };
                self.next_trade += 1;
                self.engine.book_fill(&fill);
                if done {
                    self.forget(id);
                }
                self.decide(now, out);
            }
            ExchangeReport::Rejected { id, reason } => {
                match reason {
                    RejectReason::WouldCross => self.stats.rejected_would_cross += 1,
                    RejectReason::NoBook => self.stats.rejected_no_book += 1,
                }
                self.order_event(id, OrderEvent::Rejected);
            }
            ExchangeReport::Cancelled { id } => self.order_event(id, OrderEvent::Cancelled),
            ExchangeReport::CancelRejected { id } => {
                // The order filled before the cancel arrived: its fills said so already.
                self.stats.cancels_too_late += 1;
                self.order_event(id, OrderEvent::Cancelled);
            }
        }
        Ok(())
    }

    /// Whether quoting has begun (the warm-up is over).
    fn trading(&self, now: UnixNanos) -> bool {
        now.as_i64() >= self.trade_from
    }

    /// Applies a terminal event to an order and forgets its ids.
    fn order_event(&mut self, id: OrderId, event: OrderEvent) {
        if let Some(client_id) = self.client_ids.get(&id) {
            let _ = self.engine.working.apply(client_id, event);
        }
        self.forget(id);
    }

    fn forget(&mut self, id: OrderId) {
        if let Some(client_id) = self.client_ids.remove(&id) {
            self.venue_ids.remove(&client_id);
        }
    }

    /// Acts on violations as execution does: each standing one is counted; a kill-switch kind
    /// trips the account, and everything is cancelled.
    fn violations(
        &mut self,
        now: UnixNanos,
        violations: &[RiskViolation],
        out: &mut Vec<OrderAction>,
    ) {
        for v in violations {
            let name = kind_name(v.kind());
            match v.kind().action() {
                RiskAction::RefuseOrder => *self.stats.risk_refused.entry(name).or_default() += 1,
                _ => *self.stats.risk_holds.entry(name).or_default() += 1,
            }
        }
        if self.account.on_violations(violations, now).is_some() {
            if let Some(v) = violations
                .iter()
                .find(|v| v.kind().action() == RiskAction::KillSwitch)
            {
                self.stats.halted.get_or_insert(v.kind());
            }
            self.cancel_all(now, out);
        }
    }

    /// One decision of the core at `now`, its instructions sent.
    fn decide(&mut self, now: UnixNanos, out: &mut Vec<OrderAction>) {
        if !self.trading(now) {
            return;
        }
        if self
            .last_mark
            .is_none_or(|last| now.since(last) >= MARK_EVERY_NS)
        {
            self.last_mark = Some(now);
            self.account.mark(now, std::slice::from_ref(&self.engine));
        }
        let mono = MonoNanos(now.as_i64());
        let budget = self.pacer.available(mono);
        let d = self.account.decide(
            std::slice::from_mut(&mut self.engine),
            0,
            now,
            mono,
            true,
            budget,
        );
        self.stats.paced += d.paced as u64;
        if !d.violations.is_empty() {
            self.violations(now, &d.violations, out);
        }
        if !d.instructions.is_empty() {
            self.stats.requotes += 1;
        }
        for i in d.instructions {
            self.execute(now, i, out);
        }
    }

    /// Sends one instruction to the simulated venue.
    fn execute(&mut self, now: UnixNanos, instruction: Instruction, out: &mut Vec<OrderAction>) {
        let mono = MonoNanos(now.as_i64());
        match instruction {
            Instruction::Place { order, .. } => {
                let id = self.next_id;
                self.next_id += 1;
                self.venue_ids.insert(order.client_id().clone(), id);
                self.client_ids.insert(id, order.client_id().clone());
                self.pacer.spend(1, mono);
                self.stats.orders_placed += 1;
                self.stats.lots_placed += order.qty().lots();
                out.push(OrderAction::Place(NewOrder {
                    id,
                    side: order.side(),
                    price: order.price(),
                    qty: order.qty(),
                }));
            }
            Instruction::Cancel { client_id } => {
                if let Some(id) = self.venue_ids.get(&client_id) {
                    self.pacer.spend(1, mono);
                    self.stats.cancels_sent += 1;
                    out.push(OrderAction::Cancel(*id));
                }
            }
            Instruction::CancelAll { .. } => self.cancel_all(now, out),
        }
    }

    /// A cancel-all, as execution's: one request for every order of the market, the working
    /// orders cleared (the venue's answers close them).
    fn cancel_all(&mut self, now: UnixNanos, out: &mut Vec<OrderAction>) {
        self.pacer.spend(1, MonoNanos(now.as_i64()));
        self.stats.cancels_sent += 1;
        self.engine.working.clear();
        out.push(OrderAction::CancelAll);
    }
}

/// The snake_case name of a violation kind, as the risk stream writes it.
fn kind_name(kind: RiskViolationKind) -> String {
    kind.as_str().to_owned()
}
