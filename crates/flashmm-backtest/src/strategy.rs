//! [`Strategy`]: the trading side of a backtest, the live code in the order the `execution`
//! service runs it: book → σ/κ estimators → (features → model over the bus seam) → quoter →
//! re-quote policy → risk checks → orders, on the data as delayed by the feed.

use std::collections::BTreeMap;

use flashmm_core::book::{BookLevel, OrderBook};
use flashmm_core::inventory::Position;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_core::risk::{
    GuardLimits, GuardedOrder, MarketRisk, RiskAction, RiskLimits, RiskState, RiskViolation,
    RiskViolationKind,
};
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::strategy::{
    InventoryView, QuoteParams, QuoteTarget, Quoter, RequoteDecision, RequotePolicy,
};
use flashmm_core::time::UnixNanos;
use flashmm_features::{FeatureConfig, FeatureEngine, Throttle};
use flashmm_venue::recording::RecordEvent;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::BacktestError;
use crate::fees::FeeSchedule;
use crate::order::{ExchangeReport, NewOrder, OrderAction, OrderId, RejectReason};
use crate::seam::BusSeam;

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
    /// Re-quotes acted on.
    pub requotes: u64,
    /// Quotes the quoter could not form (e.g. a one-sided book).
    pub quote_errors: u64,
    /// Orders the risk checks refused, by the first violation's kind.
    pub risk_refused: BTreeMap<String, u64>,
    /// Standing-risk holds (no quoting), by kind.
    pub risk_holds: BTreeMap<String, u64>,
    /// Book updates the strategy's book refused.
    pub refused_updates: u64,
    /// Trades the feature engine refused.
    pub refused_trades: u64,
    /// Predictions received over the bus.
    pub predictions: u64,
    /// Why quoting stopped for good, if it did (the kill switch: daily loss, drawdown or an
    /// extreme move).
    pub halted: Option<RiskViolationKind>,
}

/// One of our orders as the strategy knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Working {
    id: OrderId,
    side: Side,
    level: usize,
    price: i64,
    qty: i64,
    cancel_sent: bool,
}

/// The feature and model path of the ML strategy.
#[derive(Debug)]
struct Signal {
    engine: FeatureEngine,
    throttle: Throttle,
    vector: FeatureVector,
    seam: BusSeam,
}

/// The trading side of a backtest.
#[derive(Debug)]
pub struct Strategy {
    spec: MarketSpec,
    book: OrderBook,
    book_valid: bool,
    signal: Option<Signal>,
    prediction: Option<Prediction>,
    quoter: Quoter,
    policy: RequotePolicy,
    min_interval_ns: i64,
    limits: RiskLimits,
    guards: GuardLimits,
    risk: Option<MarketRisk>,
    fees: FeeSchedule,
    position: Position,
    traded_notional: Decimal,
    equity_peak: Decimal,
    orders: Vec<Working>,
    next_id: OrderId,
    last_data: Option<UnixNanos>,
    trade_from: i64,
    stats: StrategyStats,
}

impl Strategy {
    /// A strategy for `spec` with the risk manager of `limits` and `guards`; with a `seam`,
    /// features go to the model over the bus at most
    /// `feature_rate_hz` times a second and its predictions skew the quotes (else no
    /// prediction: the Avellaneda–Stoikov baseline).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        spec: MarketSpec,
        params: QuoteParams,
        limits: RiskLimits,
        guards: GuardLimits,
        fees: FeeSchedule,
        features: FeatureConfig,
        feature_rate_hz: f64,
        seam: Option<BusSeam>,
        trade_from: Option<UnixNanos>,
    ) -> Result<Self, BacktestError> {
        let market = spec.id().clone();
        let signal = match seam {
            Some(seam) => {
                let engine = FeatureEngine::new(market.clone(), features)?;
                let vector = engine.vector(UnixNanos(0));
                Some(Signal {
                    engine,
                    throttle: Throttle::new(feature_rate_hz)?,
                    vector,
                    seam,
                })
            }
            None => None,
        };
        Ok(Strategy {
            book: OrderBook::new(market.clone()),
            book_valid: false,
            signal,
            prediction: None,
            policy: RequotePolicy::new(&params),
            min_interval_ns: params.min_requote_interval_ns(),
            quoter: Quoter::new(spec.clone(), params)?,
            limits,
            guards,
            risk: None,
            fees,
            position: Position::new(market),
            traded_notional: Decimal::ZERO,
            equity_peak: Decimal::ZERO,
            orders: Vec::new(),
            next_id: 1,
            last_data: None,
            trade_from: trade_from.map_or(i64::MIN, UnixNanos::as_i64),
            stats: StrategyStats::default(),
            spec,
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

    /// The position as the strategy knows it (fills reported so far).
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// A market event seen at `now` (venue receive time `recv_ts` plus the feed latency);
    /// orders to send go to `out`.
    pub fn on_market(
        &mut self,
        now: UnixNanos,
        recv_ts: UnixNanos,
        event: &RecordEvent,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        match event {
            RecordEvent::Snapshot(s) => {
                self.book_valid = self.book.apply_snapshot(s).is_ok();
                if !self.book_valid {
                    self.stats.refused_updates += 1;
                    return Ok(());
                }
            }
            RecordEvent::Delta(d) => {
                if !self.book_valid {
                    return Ok(());
                }
                if self.book.apply_delta(d).is_err() {
                    self.book_valid = false;
                    self.stats.refused_updates += 1;
                    return Ok(());
                }
            }
            RecordEvent::Trade(t) => {
                if self.book_valid {
                    self.quoter.on_trade(t, &self.book);
                }
                if let Some(signal) = &mut self.signal {
                    if signal.engine.on_trade(t, recv_ts).is_err() {
                        self.stats.refused_trades += 1;
                    }
                }
                return self.maybe_quote(now, out);
            }
            RecordEvent::Top(_) => return Ok(()),
        }
        self.last_data = Some(recv_ts);
        self.quoter.on_book(now, &self.book);
        if now.as_i64() >= self.trade_from && self.quoter.volatility().is_warm() {
            let sigma = self.quoter.sigma_bps();
            let top = self.book.mid_ticks().zip(self.book.spread_ticks());
            let risk = self.risk_manager(now);
            if let Some(v) = top.and_then(|(m, s)| risk.on_mid(now, m, s as f64, sigma)) {
                self.trip(&v, out);
            }
        }
        if let Some(signal) = &mut self.signal {
            signal.engine.on_book(&self.book, recv_ts)?;
            if signal.throttle.try_acquire(recv_ts) {
                signal.engine.write_vector(&mut signal.vector, recv_ts);
                if let Some(p) = signal.seam.round_trip(&signal.vector, now)? {
                    self.prediction = Some(p);
                    self.stats.predictions += 1;
                }
                if self.stats.predictions.is_multiple_of(4096) {
                    signal.seam.trim(1024)?;
                }
            }
        }
        self.maybe_quote(now, out)
    }

    /// A report from the venue, received at `now`; a fill may call for new quotes, which go
    /// to `out`.
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
                ..
            } => {
                let fee = self.fees.fee(&self.spec, price, qty, liquidity)?;
                self.position.apply_fill(side, price, qty, fee)?;
                self.traded_notional += self.spec.notional(price, qty)?;
                if let Some(i) = self.find(id) {
                    self.orders[i].qty -= qty.lots();
                    if done || self.orders[i].qty <= 0 {
                        self.orders.swap_remove(i);
                    }
                }
                return self.maybe_quote(now, out);
            }
            ExchangeReport::Rejected { id, reason } => {
                match reason {
                    RejectReason::WouldCross => self.stats.rejected_would_cross += 1,
                    RejectReason::NoBook => self.stats.rejected_no_book += 1,
                }
                self.remove(id);
            }
            ExchangeReport::Cancelled { id } => self.remove(id),
            ExchangeReport::CancelRejected { id } => {
                self.stats.cancels_too_late += 1;
                self.remove(id);
            }
        }
        Ok(())
    }

    fn find(&self, id: OrderId) -> Option<usize> {
        self.orders.iter().position(|o| o.id == id)
    }

    fn remove(&mut self, id: OrderId) {
        if let Some(i) = self.find(id) {
            self.orders.swap_remove(i);
        }
    }

    /// Forms quotes and acts on them when the re-quote policy says so.
    fn maybe_quote(
        &mut self,
        now: UnixNanos,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        if now.as_i64() < self.trade_from || self.stats.halted.is_some() || !self.book_valid {
            return Ok(());
        }
        if let Some(last) = self.policy.last_requote() {
            if now.since(last) < self.min_interval_ns {
                return Ok(());
            }
        }
        let Some(mid) = self.book.mid(&self.spec) else {
            return Ok(());
        };
        let state = self.risk_state(now, mid)?;
        let standing = self.risk_manager(now).standing(&state, None, 0);
        if let Some(v) = standing
            .iter()
            .find(|v| v.kind().action() != RiskAction::RefuseOrder)
        {
            self.trip(v, out);
            return Ok(());
        }
        let inventory = InventoryView {
            position_lots: self.position.qty(),
            traded_notional: self.traded_notional,
        };
        let quote = match self
            .quoter
            .quote(now, &self.book, &inventory, self.prediction.as_ref())
        {
            Ok(q) => q,
            Err(_) => {
                self.stats.quote_errors += 1;
                return Ok(());
            }
        };
        let working = self.working_target();
        if let RequoteDecision::Requote(_) = self.policy.decide(now, &working, &quote.target) {
            self.stats.requotes += 1;
            self.apply_target(now, mid, &quote.target, out)?;
        }
        Ok(())
    }

    fn risk_manager(&mut self, now: UnixNanos) -> &mut MarketRisk {
        let (limits, guards) = (&self.limits, &self.guards);
        self.risk
            .get_or_insert_with(|| MarketRisk::new(limits.clone(), guards.clone(), now))
    }

    /// Acts on a violation that stops quoting: cancel everything, and for a kill-switch kind
    /// stop for the rest of the run.
    fn trip(&mut self, v: &RiskViolation, out: &mut Vec<OrderAction>) {
        let kind = v.kind();
        *self.stats.risk_holds.entry(kind_name(kind)).or_default() += 1;
        if kind.action() == RiskAction::KillSwitch {
            self.stats.halted.get_or_insert(kind);
        }
        self.cancel_all(out);
    }

    fn risk_state(&mut self, now: UnixNanos, mid: Decimal) -> Result<RiskState, BacktestError> {
        let equity = self.position.total_pnl(&self.spec, mid)?;
        self.equity_peak = self.equity_peak.max(equity);
        let tokens = self.risk_manager(now).order_tokens(now);
        // Every order of a side may still fill, cancels in flight included (the live rule).
        let resting = |side: Side| {
            self.orders
                .iter()
                .filter(|o| o.side == side)
                .map(|o| {
                    self.spec
                        .notional(Price::from_ticks(o.price), Qty::from_lots(o.qty))
                        .unwrap_or(Decimal::MAX)
                })
                .fold(Decimal::ZERO, Decimal::saturating_add)
        };
        Ok(RiskState {
            position_notional: self.position.notional(&self.spec, mid)?,
            open_orders: u32::try_from(self.orders.len()).unwrap_or(u32::MAX),
            resting_buy_notional: resting(Side::Buy),
            resting_sell_notional: resting(Side::Sell),
            daily_pnl: equity,
            equity_peak: self.equity_peak,
            equity,
            // Receive times are simulated: the age is on the replay's own clock.
            market_data_age_ms: self
                .last_data
                .map(|t| u64::try_from(now.since(t).max(0) / 1_000_000).unwrap_or(u64::MAX)),
            order_tokens: tokens,
            now,
        })
    }

    /// The working quotes as the re-quote policy compares them: per side, the live orders
    /// not being cancelled, by level.
    fn working_target(&self) -> QuoteTarget {
        let mut target = QuoteTarget::empty();
        let mut live: Vec<&Working> = self.orders.iter().filter(|o| !o.cancel_sent).collect();
        live.sort_by_key(|o| o.level);
        for o in live {
            target.side_mut(o.side).push(BookLevel::new(
                Price::from_ticks(o.price),
                Qty::from_lots(o.qty),
            ));
        }
        target
    }

    /// Diffs `target` against the working orders level by level: a level within the
    /// tolerances keeps its order (and its queue position); any other is cancelled and, if
    /// the target has the level, replaced after the risk checks.
    fn apply_target(
        &mut self,
        now: UnixNanos,
        mid: Decimal,
        target: &QuoteTarget,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        let p = self.quoter.params().values();
        let (tol_ticks, tol_size) = (p.requote_tolerance_ticks, p.requote_size_tolerance);
        for side in [Side::Buy, Side::Sell] {
            let want = target.side(side);
            let deepest = self
                .orders
                .iter()
                .filter(|o| o.side == side && !o.cancel_sent)
                .map(|o| o.level + 1)
                .max()
                .unwrap_or(0);
            for level in 0..want.len().max(deepest) {
                let current = self
                    .orders
                    .iter()
                    .position(|o| o.side == side && o.level == level && !o.cancel_sent);
                let wanted = want.get(level);
                if let (Some(c), Some(w)) = (current, wanted) {
                    let o = &self.orders[c];
                    let size_off = (o.qty - w.qty.lots()).abs() as f64;
                    if (o.price - w.price.ticks()).abs() <= tol_ticks
                        && size_off <= tol_size * w.qty.lots() as f64
                    {
                        continue;
                    }
                }
                if let Some(c) = current {
                    self.orders[c].cancel_sent = true;
                    self.stats.cancels_sent += 1;
                    out.push(OrderAction::Cancel(self.orders[c].id));
                }
                if let Some(w) = wanted {
                    self.place(now, mid, side, level, *w, out)?;
                }
            }
        }
        Ok(())
    }

    fn place(
        &mut self,
        now: UnixNanos,
        mid: Decimal,
        side: Side,
        level: usize,
        w: BookLevel,
        out: &mut Vec<OrderAction>,
    ) -> Result<(), BacktestError> {
        let state = self.risk_state(now, mid)?;
        let mid_x2_ticks = match (self.book.best_bid(), self.book.best_ask()) {
            (Some(b), Some(a)) => b.price.ticks().saturating_add(a.price.ticks()),
            _ => 0,
        };
        let opposite = side.opposite();
        let own = self
            .orders
            .iter()
            .filter(|o| o.side == opposite && !o.cancel_sent)
            .map(|o| o.price);
        let own_opposite = match opposite {
            Side::Buy => own.max(),
            Side::Sell => own.min(),
        }
        .map(Price::from_ticks);
        let guarded = GuardedOrder {
            spec: &self.spec,
            side,
            price: w.price,
            qty: w.qty,
            mid_x2_ticks,
            own_opposite,
            position_notional: state.position_notional,
            global_exposure: state.position_notional.abs(),
        };
        let (limits, guards) = (&self.limits, &self.guards);
        let risk = self
            .risk
            .get_or_insert_with(|| MarketRisk::new(limits.clone(), guards.clone(), now));
        let checked = risk.check_order(&state, &guarded);
        if let Err(v) = checked {
            *self
                .stats
                .risk_refused
                .entry(kind_name(v[0].kind()))
                .or_default() += 1;
            return Ok(());
        }
        let id = self.next_id;
        self.next_id += 1;
        self.orders.push(Working {
            id,
            side,
            level,
            price: w.price.ticks(),
            qty: w.qty.lots(),
            cancel_sent: false,
        });
        self.stats.orders_placed += 1;
        self.stats.lots_placed += w.qty.lots();
        out.push(OrderAction::Place(NewOrder {
            id,
            side,
            price: w.price,
            qty: w.qty,
        }));
        Ok(())
    }

    fn cancel_all(&mut self, out: &mut Vec<OrderAction>) {
        for o in self.orders.iter_mut().filter(|o| !o.cancel_sent) {
            o.cancel_sent = true;
            self.stats.cancels_sent += 1;
            out.push(OrderAction::Cancel(o.id));
        }
    }
}

/// The snake_case name of a violation kind, as the risk stream writes it.
fn kind_name(kind: RiskViolationKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{kind:?}"))
}
