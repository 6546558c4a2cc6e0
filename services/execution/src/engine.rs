//! [`Engine`]: the service's single decision loop over every market — inputs in, risk and
//! quoting through [`MarketEngine`], orders out to the venue, state and streams written.

use crate::inputs::Input;
use crate::latency::LatencyWindow;
use crate::market::{AccountView, Instruction, MarketEngine, Tif};
use crate::settings::ExecArgs;
use crate::state::StateStore;
use crate::telemetry as t;
use flashmm_bus::{runtime, Bus, BusError, Namespace};
use flashmm_core::control::{ExecAction, ExecCommand};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::order::{Fill, Order, OrderEvent, OrderStatus, OrderUpdate};
use flashmm_core::risk::{KillSwitch, RiskAction, RiskEvent, RiskViolation, RiskViolationKind};
use flashmm_core::time::UnixNanos;
use flashmm_venue::matching::TimeInForce;
use flashmm_venue::protocol::ErrorCode;
use flashmm_venue::venue::{
    NewOrder, OrderRef, OrderReport, SimVenue, Venue, VenueError, VenueEvent,
};
use metrics::{counter, gauge, histogram};
use rust_decimal::Decimal;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const SEC: i64 = 1_000_000_000;

/// The most queued inputs taken in one batch before deciding.
const MAX_BATCH: usize = 1024;

/// How long start-up reconciliation keeps retrying a venue that rate-limits the account (a
/// predecessor killed mid-run may have spent its request budget) or cannot be reached.
const VENUE_PATIENCE: Duration = Duration::from_secs(15);

/// How long the cancel-all at shutdown keeps retrying.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(3);

/// Most fills held in memory for `fills:{mkt}` while Redis is away (beyond it they are
/// dropped from the stream, never from the position).
const MAX_UNPUBLISHED_FILLS: usize = 100_000;

/// How long the once-a-second Redis probe waits before it calls Redis away.
const REDIS_PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// How long a cancel-all while trading (kill switch, pause, stale data, flatten) keeps retrying
/// a rate limit or a transport failure: pulling quotes must not be lost to a busy bucket.
const CANCEL_ALL_PATIENCE: Duration = Duration::from_secs(2);

/// Runs `call` until it succeeds, answers an error other than a rate limit or a transport
/// failure, or `patience` has passed; waits the venue's retry hint between tries.
async fn retrying<T, F, Fut>(what: &str, patience: Duration, mut call: F) -> Result<T, VenueError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, VenueError>>,
{
    let deadline = Instant::now() + patience;
    loop {
        let e = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let wait = match &e {
            VenueError::Api(a) if a.code == ErrorCode::RateLimited => {
                Duration::from_millis(a.retry_after_ms.unwrap_or(100).clamp(10, 1_000))
            }
            VenueError::Transport(_) => Duration::from_millis(200),
            _ => return Err(e),
        };
        if Instant::now() + wait > deadline {
            return Err(e);
        }
        tracing::warn!(error = %e, retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "{what}: retrying");
        tokio::time::sleep(wait).await;
    }
}

/// The decision loop's state.
pub struct Engine<B: Bus> {
    bus: B,
    ns: Namespace,
    store: StateStore,
    venue: SimVenue,
    /// The markets, in configuration order.
    pub markets: Vec<MarketEngine>,
    /// The trading mode.
    pub kill: KillSwitch,
    args: ExecArgs,
    venue_up: bool,
    /// False from a failed Redis write or probe until a probe succeeds: no quoting, no Redis
    /// writes.
    redis_up: AtomicBool,
    published: HashMap<(usize, RiskViolationKind), UnixNanos>,
    tick_to_quote: LatencyWindow,
    decision: LatencyWindow,
    day: i64,
    day_start_equity: Decimal,
    equity_peak: Decimal,
    cancels: Vec<u64>,
    fills: Vec<u64>,
    /// Fills booked while Redis was away, published on `fills:{mkt}` once it is back.
    unpublished_fills: VecDeque<(String, Fill, UnixNanos)>,
    /// Per market, the reason of a cancel-all the venue refused: retried on each flush.
    cancel_all_due: Vec<Option<String>>,
}

fn failure_kind(e: &VenueError) -> Option<&'static str> {
    match e {
        VenueError::Api(a) => match a.code {
            ErrorCode::Rejected | ErrorCode::UnknownOrder | ErrorCode::DuplicateClientOrderId => {
                None
            }
            ErrorCode::InjectedReject => Some("injected_reject"),
            ErrorCode::AckDropped => Some("ack_dropped"),
            // Our own pacing, not the venue's health: counted, never trips the breaker.
            ErrorCode::RateLimited => None,
            _ => Some("api"),
        },
        VenueError::Transport(_) => Some("timeout"),
        _ => Some("other"),
    }
}

impl<B: Bus + Clone + 'static> Engine<B> {
    /// An engine over restored markets and mode.
    pub fn new(
        bus: B,
        ns: Namespace,
        store: StateStore,
        venue: SimVenue,
        markets: Vec<MarketEngine>,
        kill: KillSwitch,
        args: ExecArgs,
    ) -> Self {
        let n = markets.len();
        Engine {
            bus,
            ns,
            store,
            venue,
            markets,
            kill,
            args,
            venue_up: true,
            redis_up: AtomicBool::new(true),
            published: HashMap::new(),
            tick_to_quote: LatencyWindow::new(4096),
            decision: LatencyWindow::new(4096),
            day: 0,
            day_start_equity: Decimal::ZERO,
            equity_peak: Decimal::ZERO,
            cancels: vec![0; n],
            fills: vec![0; n],
            cancel_all_due: vec![None; n],
            unpublished_fills: VecDeque::new(),
        }
    }

    /// Restart reconciliation: cancels every order the account has at the venue (orphans of
    /// a dead predecessor included), forgets saved open orders, books the venue's fills since
    /// the saved cursor exactly once, and restores the day's P&L marks.
    pub async fn reconcile(&mut self) -> anyhow::Result<()> {
        let now = runtime::now();
        let venue = &self.venue;
        let cancelled = retrying("cancel-all", VENUE_PATIENCE, || venue.cancel_all(None)).await?;
        let saved_orders = self.bus.get_state(&self.store.orders).await?;
        self.store
            .clear_orders(&self.bus, saved_orders.into_keys().collect())
            .await?;
        let exec = self.bus.get_state(&self.store.exec).await?;
        let dec = |k: &str| exec.get(k).and_then(|v| v.parse::<Decimal>().ok());
        self.day = exec.get("day").and_then(|v| v.parse().ok()).unwrap_or(0);
        self.day_start_equity = dec("day_start_equity").unwrap_or_default();
        self.equity_peak = dec("equity_peak").unwrap_or_default();
        let since = self
            .markets
            .iter()
            .map(|m| m.ledger.resume_from(SEC))
            .min()
            .unwrap_or(0);
        let venue = &self.venue;
        let fills = retrying("fills", VENUE_PATIENCE, || venue.fills_since(since)).await?;
        let mut booked = 0;
        for f in fills {
            let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &f.market) else {
                continue;
            };
            let fill = match f.to_core(self.markets[idx].spec()) {
                Ok(fill) => fill,
                Err(e) => {
                    tracing::warn!(error = %e, "venue fill not convertible");
                    continue;
                }
            };
            if self.book_fill(idx, &fill, now).await {
                booked += 1;
            }
        }
        for i in 0..self.markets.len() {
            self.store
                .save_market(&self.bus, &self.markets[i], now)
                .await?;
        }
        self.store.save_mode(&self.bus, &self.kill).await?;
        gauge!(t::KILL_SWITCH).set(f64::from(u8::from(
            self.kill.mode() == flashmm_core::risk::TradingMode::Killed,
        )));
        tracing::info!(
            cancelled = cancelled.len(),
            fills_booked = booked,
            mode = %self.kill.mode(),
            "reconciled with the venue"
        );
        Ok(())
    }

    /// Runs until `shutdown` resolves; then cancels everything and records `stopped`.
    pub async fn run(
        mut self,
        mut rx: mpsc::Receiver<Input>,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut flush = tokio::time::interval(Duration::from_secs(1));
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sweep = tokio::time::interval(Duration::from_secs(5));
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                input = rx.recv() => match input {
                    Some(input) => self.on_inputs(input, &mut rx).await,
                    None => break,
                },
                _ = tick.tick() => {
                    for i in 0..self.markets.len() {
                        self.run_decision(i, None, Instant::now()).await;
                    }
                }
                _ = flush.tick() => self.flush().await,
                _ = sweep.tick() => self.sweep().await,
            }
        }
        let now = runtime::now();
        let venue = &self.venue;
        match retrying("cancel-all", SHUTDOWN_PATIENCE, || venue.cancel_all(None)).await {
            Ok(cancelled) => {
                tracing::info!(
                    cancelled = cancelled.len(),
                    "every order cancelled at shutdown"
                );
                // Nothing rests any more: `state:orders` says so (what `flashmm down` checks).
                if self.redis_up() {
                    if let Ok(saved) = self.bus.get_state(&self.store.orders).await {
                        let ids = saved.into_keys().collect();
                        let _ = self.store.clear_orders(&self.bus, ids).await;
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cancel-all at shutdown failed"),
        }
        for m in &mut self.markets {
            m.working.clear();
        }
        self.kill.stop("shutdown", now);
        self.flush().await;
        self.store.save_mode(&self.bus, &self.kill).await?;
        Ok(())
    }

    /// Takes `first` and whatever else is already queued (a bounded batch), applies every
    /// market data event and prediction in order, and then decides once per touched market:
    /// a backlog (a slow venue, a loaded host) costs one decision per market instead of one
    /// per event, so the loop catches up instead of falling further behind the feed.
    async fn on_inputs(&mut self, first: Input, rx: &mut mpsc::Receiver<Input>) {
        let mut touched: Vec<Option<(UnixNanos, Instant)>> = vec![None; self.markets.len()];
        self.on_input(first, &mut touched).await;
        for _ in 0..MAX_BATCH {
            match rx.try_recv() {
                Ok(input) => self.on_input(input, &mut touched).await,
                Err(_) => break,
            }
        }
        for (idx, t) in touched.into_iter().enumerate() {
            if let Some((origin, started)) = t {
                self.run_decision(idx, Some(origin), started).await;
            }
        }
    }

    /// Applies one input; market data and predictions mark their market in `touched` with
    /// the origin and read time of the oldest event not decided on yet.
    async fn on_input(&mut self, input: Input, touched: &mut [Option<(UnixNanos, Instant)>]) {
        match input {
            Input::Md(idx, event, origin, started) => {
                let now = runtime::now();
                let Some(m) = self.markets.get_mut(idx) else {
                    return;
                };
                if let Some(v) = m.on_market_event(now, &event) {
                    if v.kind() == RiskViolationKind::BookGap {
                        counter!(t::BOOK_GAPS_TOTAL, "market" => m.key().to_owned()).increment(1);
                    }
                    self.violations(idx, vec![v], now).await;
                }
                if let Some(t) = touched.get_mut(idx) {
                    t.get_or_insert((origin, started));
                }
            }
            Input::Pred(idx, p, origin, started) => {
                if let Some(m) = self.markets.get_mut(idx) {
                    m.on_prediction(p);
                }
                if let Some(t) = touched.get_mut(idx) {
                    t.get_or_insert((origin, started));
                }
            }
            Input::Cmd(cmd, done) => {
                self.command(cmd).await;
                let _ = done.send(());
            }
            Input::Venue(e) => self.venue_event(e).await,
        }
    }

    fn account(&self) -> AccountView {
        let equity: Decimal = self.markets.iter().map(MarketEngine::net_pnl).sum();
        AccountView {
            can_quote: self.kill.can_quote() && self.venue_up && self.redis_up(),
            daily_pnl: equity - self.day_start_equity,
            equity,
            equity_peak: self.equity_peak.max(equity),
            global_exposure: self
                .markets
                .iter()
                .map(|m| m.position_notional().abs())
                .sum(),
        }
    }

    async fn run_decision(&mut self, idx: usize, origin: Option<UnixNanos>, started: Instant) {
        let account = self.account();
        let now = runtime::now();
        let Some(m) = self.markets.get_mut(idx) else {
            return;
        };
        let d = m.decide(now, &account);
        let key = m.key().to_owned();
        if d.stale_prediction && !d.instructions.is_empty() {
            counter!(t::STALE_PREDICTION_TOTAL, "market" => key.clone()).increment(1);
        }
        if !d.violations.is_empty() {
            self.violations(idx, d.violations, now).await;
        }
        if d.instructions.is_empty() || !self.venue_up {
            return;
        }
        let elapsed = started.elapsed();
        self.decision.record(elapsed.as_micros() as u64);
        histogram!(t::DECISION_LATENCY_SECONDS, "market" => key).record(elapsed.as_secs_f64());
        if let Some(origin) = origin {
            let since = runtime::now().since(origin);
            if since > 0 {
                self.tick_to_quote.record((since / 1_000) as u64);
            }
        }
        for i in d.instructions {
            self.execute(idx, i).await;
        }
    }

    /// Counts a violation and publishes it on `risk` (at most every 5 s per market and kind).
    async fn publish_violation(&mut self, idx: usize, v: &RiskViolation, now: UnixNanos) {
        let kind = v.kind();
        let key = self.markets[idx].key().to_owned();
        counter!(t::RISK_VIOLATIONS_TOTAL, "market" => key.clone(), "kind" => kind.as_str())
            .increment(1);
        let due = self
            .published
            .get(&(idx, kind))
            .is_none_or(|last| now.since(*last) >= 5 * SEC);
        if due && self.redis_up() {
            self.published.insert((idx, kind), now);
            tracing::warn!(market = %key, kind = kind.as_str(), detail = %v, "risk limit");
            let event = RiskEvent::new(v, Some(self.markets[idx].spec().id().clone()), now);
            if let Err(e) = self.store.publish_risk(&self.bus, &key, &event).await {
                self.redis_failed(&e);
                tracing::warn!(error = %e, "risk event not published");
            }
        }
    }

    /// Publishes each violation and acts on it: a kill trips the switch and cancels
    /// everything (the markets' own decisions cancel for the other kinds).
    async fn violations(&mut self, idx: usize, violations: Vec<RiskViolation>, now: UnixNanos) {
        let mut kill = None;
        for v in &violations {
            self.publish_violation(idx, v, now).await;
            if v.kind().action() == RiskAction::KillSwitch && kill.is_none() {
                kill = Some(v.to_string());
            }
        }
        if let Some(reason) = kill {
            if self.kill.trip(reason, now) {
                tracing::error!(reason = self.kill.reason(), "kill switch tripped");
                gauge!(t::KILL_SWITCH).set(1.0);
                self.cancel_everything("kill switch").await;
                if self.redis_up() {
                    let _ = self.store.save_mode(&self.bus, &self.kill).await;
                }
            }
        }
    }

    async fn cancel_everything(&mut self, reason: &str) {
        for i in 0..self.markets.len() {
            self.execute(
                i,
                Instruction::CancelAll {
                    reason: reason.to_owned(),
                },
            )
            .await;
        }
    }

    async fn venue_failure(&mut self, idx: usize, kind: &'static str) {
        let now = runtime::now();
        let m = &mut self.markets[idx];
        counter!(t::VENUE_ERRORS_TOTAL, "market" => m.key().to_owned(), "kind" => kind)
            .increment(1);
        if m.risk.venue_failure(now) {
            gauge!(t::BREAKER_OPEN, "market" => m.key().to_owned()).set(1.0);
            if let flashmm_core::risk::BreakerState::Open { until } = m.risk.breaker(now) {
                self.publish_violation(idx, &RiskViolation::CircuitOpen { until }, now)
                    .await;
            }
        }
    }

    async fn publish_order(
        &self,
        idx: usize,
        order: &Order,
        event: OrderEvent,
        reason: Option<String>,
    ) {
        if !self.redis_up() {
            return;
        }
        let m = &self.markets[idx];
        if let Err(e) = self
            .store
            .order_update(
                &self.bus,
                &self.ns,
                m,
                OrderUpdate {
                    order: order.clone(),
                    event,
                    reason,
                    ts: runtime::now(),
                },
            )
            .await
        {
            self.redis_failed(&e);
            tracing::warn!(error = %e, "order update not written");
        }
    }

    /// Applies `event` to a working order and publishes the result.
    async fn order_event(
        &mut self,
        idx: usize,
        id: &ClientOrderId,
        event: OrderEvent,
        reason: Option<String>,
    ) {
        match self.markets[idx].working.apply(id, event) {
            Ok(Some(order)) => self.publish_order(idx, &order, event, reason).await,
            Ok(None) => {}
            Err(e) => tracing::debug!(order = %id, error = %e, "order event refused"),
        }
    }

    async fn execute(&mut self, idx: usize, instruction: Instruction) {
        let key = self.markets[idx].key().to_owned();
        let market = self.markets[idx].spec().id().clone();
        match instruction {
            Instruction::Place { order, tif } => {
                self.publish_order(idx, &order, OrderEvent::Submitted, None)
                    .await;
                counter!(t::QUOTES_TOTAL, "market" => key).increment(1);
                let req = NewOrder {
                    market,
                    client_id: order.client_id().clone(),
                    side: order.side(),
                    price: order.price(),
                    qty: order.qty(),
                    tif: match tif {
                        Tif::PostOnly => TimeInForce::PostOnly,
                        Tif::Ioc => TimeInForce::Ioc,
                    },
                };
                match self.venue.place(&req).await {
                    Ok(report) => {
                        self.markets[idx].risk.venue_success(runtime::now());
                        self.report(idx, report).await;
                    }
                    Err(e) => {
                        let kind = failure_kind(&e);
                        let lost = matches!(kind, Some("ack_dropped" | "timeout"));
                        if !lost {
                            self.order_event(
                                idx,
                                order.client_id(),
                                OrderEvent::Rejected,
                                Some(e.to_string()),
                            )
                            .await;
                        }
                        if let Some(kind) = kind {
                            self.venue_failure(idx, kind).await;
                        }
                    }
                }
            }
            Instruction::Cancel { client_id } => {
                counter!(t::CANCELS_TOTAL, "market" => key).increment(1);
                self.cancels[idx] += 1;
                let r = self
                    .venue
                    .cancel(&market, &OrderRef::ClientOrderId(client_id.clone()))
                    .await;
                match r {
                    Ok(report) => self.report(idx, report).await,
                    Err(e) => {
                        let gone = e.api().is_some_and(|a| a.code == ErrorCode::UnknownOrder);
                        if gone {
                            self.order_event(
                                idx,
                                &client_id,
                                OrderEvent::Cancelled,
                                Some(e.to_string()),
                            )
                            .await;
                        } else if let Some(kind) = failure_kind(&e) {
                            self.venue_failure(idx, kind).await;
                        }
                        // Otherwise it stays cancel-requested; the sweep sends it again.
                    }
                }
            }
            Instruction::CancelAll { reason } => {
                counter!(t::CANCELS_TOTAL, "market" => key.clone()).increment(1);
                self.cancels[idx] += 1;
                let venue = &self.venue;
                match retrying("cancel-all", CANCEL_ALL_PATIENCE, || {
                    venue.cancel_all(Some(&market))
                })
                .await
                {
                    Ok(_) => {
                        self.cancel_all_due[idx] = None;
                        let gone = self.markets[idx].working.clear();
                        for mut w in gone {
                            let _ = w.order.transition(OrderEvent::Cancelled);
                            self.publish_order(
                                idx,
                                &w.order,
                                OrderEvent::Cancelled,
                                Some(reason.clone()),
                            )
                            .await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(market = %key, error = %e, "cancel-all failed; retried each second");
                        self.cancel_all_due[idx] = Some(reason);
                        if let Some(kind) = failure_kind(&e) {
                            self.venue_failure(idx, kind).await;
                        }
                    }
                }
            }
        }
    }

    /// Brings a working order in line with a venue report (fills arrive as fills).
    async fn report(&mut self, idx: usize, report: OrderReport) {
        let now = runtime::now();
        for f in &report.fills {
            self.book_fill(idx, f, now).await;
        }
        let id = report.client_id.clone();
        let Some(w) = self.markets[idx].working.get(&id) else {
            if !report.status.is_terminal() && report.status != OrderStatus::New {
                // Not ours any more (a previous run's): cancel the orphan.
                let market = self.markets[idx].spec().id().clone();
                let _ = self
                    .venue
                    .cancel(&market, &OrderRef::ClientOrderId(id))
                    .await;
            }
            return;
        };
        let current = w.order.status();
        let event = match report.status {
            OrderStatus::Open | OrderStatus::PartiallyFilled | OrderStatus::Filled
                if current == OrderStatus::PendingNew =>
            {
                Some(OrderEvent::Accepted)
            }
            OrderStatus::Cancelled => Some(OrderEvent::Cancelled),
            OrderStatus::Expired => Some(OrderEvent::Expired),
            OrderStatus::Rejected => Some(OrderEvent::Rejected),
            _ => None,
        };
        if let Some(w) = self.markets[idx].working.get(&id) {
            if w.order.venue_order_id().is_none() {
                let mut o = w.order.clone();
                o.set_venue_order_id(report.venue_order_id.clone());
                let slot = w.slot;
                self.markets[idx].working.insert(o, slot);
            }
        }
        if let Some(event) = event {
            self.order_event(idx, &id, event, report.reason.clone())
                .await;
        }
    }

    async fn book_fill(&mut self, idx: usize, fill: &Fill, now: UnixNanos) -> bool {
        if !self.markets[idx].book_fill(fill) {
            return false;
        }
        self.fills[idx] += 1;
        let key = self.markets[idx].key().to_owned();
        counter!(t::FILLS_TOTAL, "market" => key.clone()).increment(1);
        if !self.redis_up() {
            // Booked in memory and kept for `fills:{mkt}` until Redis is back; the position
            // is saved by the first flush then (a restart rebuilds it from the venue's fills).
            self.hold_fill(key, fill, now);
            return true;
        }
        if let Err(e) = self
            .store
            .publish_fill(&self.bus, &self.ns, &key, fill, now)
            .await
        {
            self.redis_failed(&e);
            tracing::warn!(error = %e, "fill not published");
            self.hold_fill(key, fill, now);
            return true;
        }
        if let Err(e) = self
            .store
            .save_market(&self.bus, &self.markets[idx], now)
            .await
        {
            self.redis_failed(&e);
            tracing::warn!(error = %e, "position not saved");
        }
        true
    }

    /// Keeps a fill for `fills:{mkt}` until Redis takes it (at most
    /// [`MAX_UNPUBLISHED_FILLS`]).
    fn hold_fill(&mut self, key: String, fill: &Fill, ts: UnixNanos) {
        if self.unpublished_fills.len() < MAX_UNPUBLISHED_FILLS {
            self.unpublished_fills.push_back((key, fill.clone(), ts));
        }
    }

    /// Publishes the fills booked while Redis was away, oldest first.
    async fn publish_held_fills(&mut self) {
        while let Some((key, fill, ts)) = self.unpublished_fills.front() {
            if let Err(e) = self
                .store
                .publish_fill(&self.bus, &self.ns, key, fill, *ts)
                .await
            {
                self.redis_failed(&e);
                return;
            }
            self.unpublished_fills.pop_front();
        }
    }

    async fn venue_event(&mut self, e: VenueEvent) {
        match e {
            VenueEvent::Connected => {
                if !self.venue_up {
                    tracing::info!("venue reconnected: cancel-all, then quoting again");
                    self.cancel_everything("reconnect").await;
                    if let Err(e) = self.catch_up_fills().await {
                        tracing::warn!(error = %e, "fills after reconnect not fetched");
                    }
                }
                self.venue_up = true;
            }
            VenueEvent::Disconnected { reason } => {
                if self.venue_up {
                    counter!(t::VENUE_DISCONNECTS_TOTAL).increment(1);
                    tracing::warn!(reason, "venue connection lost");
                    let now = runtime::now();
                    for i in 0..self.markets.len() {
                        self.violations(
                            i,
                            vec![RiskViolation::Disconnected {
                                reason: reason.clone(),
                            }],
                            now,
                        )
                        .await;
                    }
                    // Cancel-on-disconnect removed them at the venue; try explicitly too.
                    self.cancel_everything("disconnected").await;
                }
                self.venue_up = false;
            }
            VenueEvent::Order(report) => {
                if let Some(idx) = self
                    .markets
                    .iter()
                    .position(|m| m.spec().id() == &report.market)
                {
                    self.report(idx, report).await;
                }
            }
            VenueEvent::Fill(fill) => {
                if let Some(idx) = self
                    .markets
                    .iter()
                    .position(|m| m.spec().id() == &fill.market)
                {
                    self.book_fill(idx, &fill, runtime::now()).await;
                }
            }
            VenueEvent::Snapshot(_) | VenueEvent::Delta(_) | VenueEvent::Trade(_) => {}
        }
    }

    async fn catch_up_fills(&mut self) -> anyhow::Result<()> {
        let since = self
            .markets
            .iter()
            .map(|m| m.ledger.resume_from(SEC))
            .min()
            .unwrap_or(0);
        let now = runtime::now();
        for f in self.venue.fills_since(since).await? {
            if let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &f.market) {
                if let Ok(fill) = f.to_core(self.markets[idx].spec()) {
                    self.book_fill(idx, &fill, now).await;
                }
            }
        }
        Ok(())
    }

    async fn command(&mut self, cmd: ExecCommand) {
        let now = runtime::now();
        let label = match &cmd.action {
            ExecAction::Pause { .. } => "pause",
            ExecAction::Resume => "resume",
            ExecAction::CancelAll => "cancel_all",
            ExecAction::Flatten => "flatten",
        };
        counter!(t::COMMANDS_TOTAL, "action" => label).increment(1);
        tracing::info!(action = label, actor = %cmd.actor, "operator command");
        match cmd.action {
            ExecAction::Pause { reason } => {
                self.kill.pause(format!("{}: {reason}", cmd.actor), now);
            }
            ExecAction::Resume => {
                self.kill.resume(now);
                for m in &mut self.markets {
                    m.flatten = None;
                }
                gauge!(t::KILL_SWITCH).set(0.0);
            }
            ExecAction::CancelAll => self.cancel_everything("operator cancel-all").await,
            ExecAction::Flatten => {
                self.kill.pause(format!("{}: flatten", cmd.actor), now);
                let aggressive_after_ns = self
                    .args
                    .flatten_aggressive
                    .then(|| i64::try_from(self.args.flatten_passive_ms).unwrap_or(0) * 1_000_000);
                for m in &mut self.markets {
                    m.flatten = Some(crate::market::Flatten {
                        since: now,
                        aggressive_after_ns,
                    });
                }
                self.cancel_everything("flatten").await;
            }
        }
        if let Err(e) = self.store.save_mode(&self.bus, &self.kill).await {
            tracing::warn!(error = %e, "trading mode not saved");
        }
    }

    /// The account's P&L, drawdown and their limits as gauges (alerts compare them).
    fn account_gauges(&self, account: &AccountView, [realized, unrealized, fees]: [Decimal; 3]) {
        let f = |d: Decimal| f64::try_from(d).unwrap_or(f64::NAN);
        for (kind, v) in [
            ("realized", realized),
            ("unrealized", unrealized),
            ("fees", fees),
            ("net", account.equity),
        ] {
            gauge!(t::PNL_USDC, "kind" => kind).set(f(v));
        }
        gauge!(t::DAILY_PNL_USDC).set(f(account.daily_pnl));
        gauge!(t::DRAWDOWN_USDC).set(f(self.equity_peak - account.equity));
        if let Some(limits) = self.markets.first().map(|m| m.risk.limits()) {
            gauge!(t::DRAWDOWN_LIMIT_USDC).set(f(limits.max_drawdown));
            gauge!(t::DAILY_LOSS_LIMIT_USDC).set(f(limits.daily_loss_limit));
        }
    }

    /// Probes Redis. Losing it stops quoting (every order is pulled: without Redis no market
    /// data, prediction or command arrives, and nothing is recorded) until it answers again.
    async fn check_redis(&mut self) {
        let probe =
            tokio::time::timeout(REDIS_PROBE_TIMEOUT, self.bus.get_state(&self.store.trading))
                .await;
        let up = matches!(probe, Ok(Ok(_)));
        gauge!(t::REDIS_UP).set(f64::from(u8::from(up)));
        let was = self.redis_up.swap(up, Ordering::Relaxed);
        if up && !was {
            tracing::info!("Redis answers again: quoting resumes");
        } else if !up && was {
            tracing::error!("Redis does not answer: every order pulled until it is back");
            self.cancel_everything("redis down").await;
        }
    }

    /// Whether Redis answered the last write or probe.
    fn redis_up(&self) -> bool {
        self.redis_up.load(Ordering::Relaxed)
    }

    /// Notes a failed Redis write: an unavailable Redis stops quoting (the next decisions pull
    /// every order) and further writes until a probe succeeds.
    fn redis_failed(&self, e: &BusError) {
        if matches!(e, BusError::Unavailable(_)) && self.redis_up.swap(false, Ordering::Relaxed) {
            gauge!(t::REDIS_UP).set(0.0);
            tracing::error!(error = %e, "Redis does not answer: quotes pulled until it is back");
        }
    }

    /// Once a second: refused cancel-alls again, the Redis probe, state hashes, P&L marks,
    /// model hit rates, gauges.
    async fn flush(&mut self) {
        for idx in 0..self.markets.len() {
            if let Some(reason) = self.cancel_all_due[idx].take() {
                self.execute(idx, Instruction::CancelAll { reason }).await;
            }
        }
        self.check_redis().await;
        if !self.redis_up() {
            return;
        }
        self.publish_held_fills().await;
        let now = runtime::now();
        let account = self.account();
        let day = now.as_i64() / (86_400 * SEC);
        if day != self.day {
            self.day = day;
            self.day_start_equity = account.equity;
        }
        self.equity_peak = self.equity_peak.max(account.equity);
        if let Ok(model) = self.store.hit_rate(&self.bus).await {
            for m in &mut self.markets {
                let rate = model
                    .get(&format!("hit_rate:{}", m.key()))
                    .and_then(|v| v.parse::<f64>().ok());
                let n = model
                    .get(&format!("hit_rate_n:{}", m.key()))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
                m.hit_rate = (rate, n);
            }
        }
        let (mut realized, mut unrealized, mut fees) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (i, m) in self.markets.iter().enumerate() {
            let _ = self.store.save_market(&self.bus, m, now).await;
            let _ = self.store.save_quote(&self.bus, m, now).await;
            let spec = m.spec();
            realized += m.position.realized_pnl(spec).unwrap_or_default();
            unrealized += m
                .mark()
                .and_then(|mk| m.position.unrealized_pnl(spec, mk).ok())
                .unwrap_or_default();
            fees += m.position.fees_paid() - m.position.rebates_earned();
            let key = m.key().to_owned();
            if let Some(r) = m.inventory_ratio().and_then(|r| r.try_into().ok()) {
                gauge!(t::INVENTORY_RATIO, "market" => key.clone()).set::<f64>(r);
            }
            if self.fills[i] > 0 {
                gauge!(t::CANCELS_PER_FILL, "market" => key.clone())
                    .set(self.cancels[i] as f64 / self.fills[i] as f64);
            }
            let open = !m
                .risk
                .breaker(now)
                .eq(&flashmm_core::risk::BreakerState::Closed)
                && !matches!(
                    m.risk.breaker(now),
                    flashmm_core::risk::BreakerState::HalfOpen
                );
            gauge!(t::BREAKER_OPEN, "market" => key).set(f64::from(u8::from(open)));
        }
        let _ = self
            .store
            .save_total_pnl(&self.bus, realized, unrealized, fees, now)
            .await;
        self.account_gauges(&account, [realized, unrealized, fees]);
        let mut fields = vec![
            ("day".to_owned(), self.day.to_string()),
            (
                "day_start_equity".to_owned(),
                self.day_start_equity.to_string(),
            ),
            ("equity_peak".to_owned(), self.equity_peak.to_string()),
        ];
        let _ = self.bus.set_state(&self.store.exec, &fields).await;
        fields.clear();
        for (name, w, q) in [
            ("tick_to_quote_p50_us", &self.tick_to_quote, 0.5),
            ("tick_to_quote_p99_us", &self.tick_to_quote, 0.99),
            ("decision_p99_us", &self.decision, 0.99),
        ] {
            if let Some(v) = w.quantile(q) {
                fields.push((name.to_owned(), v.to_string()));
            }
        }
        let _ = self.bus.set_state(&self.store.latency, &fields).await;
    }

    /// Every 5 s: the venue's open orders against ours. Venue orders we do not track are
    /// cancelled (orphans), cancels still pending are sent again, and ours the venue no longer
    /// has are closed.
    async fn sweep(&mut self) {
        if !self.venue_up {
            return;
        }
        let open = match self.venue.open_orders(None).await {
            Ok(o) => o,
            Err(e) => {
                tracing::debug!(error = %e, "open orders not listed");
                return;
            }
        };
        let now = runtime::now();
        for o in &open {
            let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &o.market) else {
                continue;
            };
            let retry = self.markets[idx]
                .working
                .get(&o.client_id)
                .is_none_or(|w| w.order.status() == OrderStatus::PendingCancel);
            if retry {
                let _ = self
                    .venue
                    .cancel(&o.market, &OrderRef::ClientOrderId(o.client_id.clone()))
                    .await;
            }
        }
        for idx in 0..self.markets.len() {
            let gone: Vec<ClientOrderId> = self.markets[idx]
                .working
                .iter()
                .filter(|w| now.since(w.order.ts()) > 2 * SEC)
                .filter(|w| !open.iter().any(|o| &o.client_id == w.order.client_id()))
                .map(|w| w.order.client_id().clone())
                .collect();
            for id in gone {
                self.order_event(
                    idx,
                    &id,
                    OrderEvent::Cancelled,
                    Some("not at the venue".into()),
                )
                .await;
            }
        }
    }
}
