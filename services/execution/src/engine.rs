//! [`Engine`]: the service's single decision loop over every market — inputs in, risk and
//! quoting through [`MarketEngine`], orders out to the venue, state and streams written.
//!
//! The loop never waits for I/O on the quoting path: a decision's orders go to the venue as
//! concurrent requests whose answers come back into the loop as they land ([`Landed`]), and
//! every Redis write goes through the [`Writer`] task. Only a cancel-all waits: it first lets
//! every request in flight land, so no order placed before it can outlive it.

use crate::inputs::Input;
use crate::latency::LatencyWindow;
use crate::settings::ExecArgs;
use crate::state::{StateStore, HOLD};
use crate::telemetry as t;
use crate::writer::Writer;
use flashmm_bus::{runtime, Bus, Namespace};
use flashmm_core::control::{ExecAction, ExecCommand};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::MarketId;
use flashmm_core::order::{Fill, Order, OrderEvent, OrderStatus, OrderUpdate};
use flashmm_core::risk::{KillSwitch, RiskEvent, RiskViolation, RiskViolationKind};
use flashmm_core::time::{MonoNanos, UnixNanos};
use flashmm_trading::{Account, AccountView, Instruction, MarketEngine, Pacer, Tif};
use flashmm_venue::matching::TimeInForce;
use flashmm_venue::protocol::{ErrorCode, FillMsg};
use flashmm_venue::venue::{
    NewOrder, OrderRef, OrderReport, SimVenue, Venue, VenueError, VenueEvent,
};
use metrics::{counter, gauge, histogram};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};

const SEC: i64 = 1_000_000_000;

/// The most queued inputs taken in one batch before deciding.
const MAX_BATCH: usize = 1024;

/// How long start-up reconciliation keeps retrying a venue that rate-limits the account (a
/// predecessor killed mid-run may have spent its request budget) or cannot be reached.
const VENUE_PATIENCE: Duration = Duration::from_secs(15);

/// How long the cancel-all at shutdown keeps retrying.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(3);

/// How long a mode change waits for Redis to take it before going on (the writer keeps the
/// hold until Redis is back).
const SAVE_PATIENCE: Duration = Duration::from_millis(500);

/// How long the once-a-second Redis probe waits before it calls Redis away.
const REDIS_PROBE_TIMEOUT: Duration = Duration::from_millis(300);

/// How long a cancel-all while trading (kill switch, pause, stale data, flatten) keeps retrying
/// a rate limit or a transport failure: pulling quotes must not be lost to a busy bucket.
const CANCEL_ALL_PATIENCE: Duration = Duration::from_secs(2);

/// Runs `call` until it succeeds, answers an error other than a rate limit or a transport
/// failure, or `patience` has passed; waits the venue's retry hint between tries.
pub async fn retrying<T, F, Fut>(
    what: &str,
    patience: Duration,
    mut call: F,
) -> Result<T, VenueError>
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

/// A venue request's answer (or the Redis probe's), back in the loop.
#[derive(Debug)]
enum Landed {
    /// The answer to placing `client_id` in market `idx`.
    Placed {
        /// The market.
        idx: usize,
        /// The order.
        client_id: ClientOrderId,
        /// The venue's report or error.
        result: Result<OrderReport, VenueError>,
    },
    /// The answer to cancelling `client_id` in market `idx`.
    Cancelled {
        /// The market.
        idx: usize,
        /// The order.
        client_id: ClientOrderId,
        /// The venue's report or error.
        result: Result<OrderReport, VenueError>,
    },
    /// A cancel of an order that is not ours any more: nothing to track.
    Orphan,
    /// The venue's open orders, for the sweep.
    Swept(Result<Vec<OrderReport>, VenueError>),
    /// The once-a-second Redis probe: `state:model` when Redis answered, and whether
    /// `state:trading` still holds execution's hold field (gone after a FLUSHALL or a Redis
    /// restarted without its data).
    Probed(Option<(BTreeMap<String, String>, bool)>),
    /// The venue's open orders of a market, looked up for `client_id`, whose placement's answer
    /// was lost.
    LookedUp {
        /// The market.
        idx: usize,
        /// The order.
        client_id: ClientOrderId,
        /// The venue's open orders of the market, or the error.
        result: Result<Vec<OrderReport>, VenueError>,
    },
}

/// The decision loop's state.
pub struct Engine<B: Bus> {
    bus: B,
    ns: Namespace,
    store: StateStore,
    writer: Writer,
    venue: Arc<SimVenue>,
    /// The markets, in configuration order.
    pub markets: Vec<MarketEngine>,
    /// The trading mode and the account's P&L marks.
    pub account: Account,
    /// The origin of the monotonic clock the markets see ([`MonoNanos`]).
    origin: Instant,
    args: ExecArgs,
    venue_up: bool,
    published: HashMap<(usize, RiskViolationKind), UnixNanos>,
    tick_to_quote: LatencyWindow,
    decision: LatencyWindow,
    cancels: Vec<u64>,
    fills: Vec<u64>,
    /// Per market, the reason of a cancel-all the venue refused: retried on each flush.
    cancel_all_due: Vec<Option<String>>,
    /// Venue requests (and the probe) in flight.
    inflight: JoinSet<Landed>,
    /// Orders whose placement is in flight.
    placing: HashSet<ClientOrderId>,
    /// Orders to cancel as soon as their placement lands (a cancel must not overtake it).
    cancel_on_ack: HashSet<ClientOrderId>,
    sweeping: bool,
    probing: bool,
    /// Redis was found without execution's state: restored on the next flush.
    state_lost: bool,
    /// The venue request budget of the trading key, shared by the markets.
    pacer: Pacer,
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
    /// An engine over restored markets and mode; starts its Redis writer.
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
        let pacer = Pacer::new(
            args.venue_requests_per_sec,
            args.venue_request_burst,
            MonoNanos(0),
        );
        Engine {
            pacer,
            writer: Writer::spawn(bus.clone()),
            bus,
            ns,
            store,
            venue: Arc::new(venue),
            markets,
            account: Account::new(kill),
            origin: Instant::now(),
            args,
            venue_up: true,
            published: HashMap::new(),
            tick_to_quote: LatencyWindow::new(4096),
            decision: LatencyWindow::new(4096),
            cancels: vec![0; n],
            fills: vec![0; n],
            cancel_all_due: vec![None; n],
            inflight: JoinSet::new(),
            placing: HashSet::new(),
            cancel_on_ack: HashSet::new(),
            sweeping: false,
            probing: false,
            state_lost: false,
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
        self.writer
            .send(self.store.clear_orders(saved_orders.into_keys().collect()));
        let exec = self.bus.get_state(&self.store.exec).await?;
        let dec = |k: &str| exec.get(k).and_then(|v| v.parse::<Decimal>().ok());
        self.account.day = exec.get("day").and_then(|v| v.parse().ok()).unwrap_or(0);
        self.account.day_start_equity = dec("day_start_equity").unwrap_or_default();
        self.account.equity_peak = dec("equity_peak").unwrap_or_default();
        let since = self.replay_cursor();
        let venue = &self.venue;
        let fills = retrying("fills", VENUE_PATIENCE, || venue.fills_since(since)).await?;
        let booked = self.replay_fills(fills, now);
        let trading = self.bus.get_state(&self.store.trading).await?;
        if !trading.contains_key(HOLD) {
            self.writer.send(self.store.hold(&self.account.kill, None));
        }
        for m in &self.markets {
            self.writer.send_all(self.store.market(m, now));
        }
        self.writer.send(self.store.mode(&self.account.kill));
        self.writer.sync().await;
        gauge!(t::KILL_SWITCH).set(f64::from(u8::from(
            self.account.kill.mode() == flashmm_core::risk::TradingMode::Killed,
        )));
        tracing::info!(
            cancelled = cancelled.len(),
            fills_booked = booked,
            mode = %self.account.kill.mode(),
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
                Some(landed) = self.inflight.join_next(), if !self.inflight.is_empty() => {
                    self.landed(landed);
                }
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
                _ = sweep.tick() => self.sweep(),
            }
        }
        let now = runtime::now();
        let _ = tokio::time::timeout(SHUTDOWN_PATIENCE, self.drain_inflight()).await;
        let venue = &self.venue;
        match retrying("cancel-all", SHUTDOWN_PATIENCE, || venue.cancel_all(None)).await {
            Ok(cancelled) => {
                tracing::info!(
                    cancelled = cancelled.len(),
                    "every order cancelled at shutdown"
                );
                // Nothing rests any more: `state:orders` says so (what `flashmm down` checks).
                self.writer.sync().await;
                if self.writer.is_up() {
                    if let Ok(saved) = self.bus.get_state(&self.store.orders).await {
                        let ids = saved.into_keys().collect();
                        self.writer.send(self.store.clear_orders(ids));
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cancel-all at shutdown failed"),
        }
        for m in &mut self.markets {
            m.working.clear();
        }
        self.account.kill.stop("shutdown", now);
        self.flush().await;
        self.writer.send(self.store.mode(&self.account.kill));
        self.writer.sync().await;
        Ok(())
    }

    /// Handles every request in flight as it lands, until none is left.
    async fn drain_inflight(&mut self) {
        while let Some(landed) = self.inflight.join_next().await {
            self.landed(landed);
        }
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
                let received = self.mono(started);
                let Some(m) = self.markets.get_mut(idx) else {
                    return;
                };
                if let Some(v) = m.on_market_event(now, received, &event) {
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
        self.account
            .view(&self.markets, self.venue_up && self.writer.is_up())
    }

    /// `at` on the monotonic clock the markets measure freshness on.
    fn mono(&self, at: Instant) -> MonoNanos {
        let ns = at.saturating_duration_since(self.origin).as_nanos();
        MonoNanos(i64::try_from(ns).unwrap_or(i64::MAX))
    }

    /// Charges `n` venue requests sent now to the budget.
    fn spend(&mut self, n: usize) {
        let now = self.mono(Instant::now());
        self.pacer.spend(n, now);
    }

    async fn run_decision(&mut self, idx: usize, origin: Option<UnixNanos>, started: Instant) {
        let account = self.account();
        let now = runtime::now();
        let mono = self.mono(Instant::now());
        let Some(m) = self.markets.get_mut(idx) else {
            return;
        };
        let budget = self.pacer.available(mono);
        let d = m.decide(now, mono, &account, budget);
        let key = m.key().to_owned();
        if d.paced > 0 {
            counter!(t::PACED_TOTAL, "market" => key.clone()).increment(d.paced as u64);
        }
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
    fn publish_violation(&mut self, idx: usize, v: &RiskViolation, now: UnixNanos) {
        let kind = v.kind();
        let key = self.markets[idx].key().to_owned();
        counter!(t::RISK_VIOLATIONS_TOTAL, "market" => key.clone(), "kind" => kind.as_str())
            .increment(1);
        let due = self
            .published
            .get(&(idx, kind))
            .is_none_or(|last| now.since(*last) >= 5 * SEC);
        if due && self.writer.is_up() {
            self.published.insert((idx, kind), now);
            tracing::warn!(market = %key, kind = kind.as_str(), detail = %v, "risk limit");
            let event = RiskEvent::new(v, Some(self.markets[idx].spec().id().clone()), now);
            match self.store.risk(&key, &event) {
                Ok(w) => self.writer.send(w),
                Err(e) => tracing::warn!(error = %e, "risk event not encoded"),
            }
        }
    }

    /// Publishes each violation and acts on it: a kill trips the switch and cancels
    /// everything (the markets' own decisions cancel for the other kinds).
    async fn violations(&mut self, idx: usize, violations: Vec<RiskViolation>, now: UnixNanos) {
        for v in &violations {
            self.publish_violation(idx, v, now);
        }
        if let Some(reason) = self.account.on_violations(&violations, now) {
            let market = self.markets[idx].key().to_owned();
            tracing::error!(reason, market, "kill switch tripped");
            gauge!(t::KILL_SWITCH).set(1.0);
            // Saved before anything is cancelled: a crash from here on restarts killed.
            self.save_mode(Some(&market)).await;
            self.cancel_everything("kill switch").await;
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

    fn venue_failure(&mut self, idx: usize, kind: &'static str) {
        let now = runtime::now();
        let m = &mut self.markets[idx];
        counter!(t::VENUE_ERRORS_TOTAL, "market" => m.key().to_owned(), "kind" => kind)
            .increment(1);
        if m.risk.venue_failure(now) {
            gauge!(t::BREAKER_OPEN, "market" => m.key().to_owned()).set(1.0);
            if let flashmm_core::risk::BreakerState::Open { until } = m.risk.breaker(now) {
                self.publish_violation(idx, &RiskViolation::CircuitOpen { until }, now);
            }
        }
    }

    fn publish_order(&self, idx: usize, order: &Order, event: OrderEvent, reason: Option<String>) {
        if !self.writer.is_up() {
            return;
        }
        let update = OrderUpdate {
            order: order.clone(),
            event,
            reason,
            ts: runtime::now(),
        };
        match self
            .store
            .order_update(&self.ns, &self.markets[idx], &update)
        {
            Ok(writes) => self.writer.send_all(writes),
            Err(e) => tracing::warn!(error = %e, "order update not encoded"),
        }
    }

    /// Applies `event` to a working order and publishes the result.
    fn order_event(
        &mut self,
        idx: usize,
        id: &ClientOrderId,
        event: OrderEvent,
        reason: Option<String>,
    ) {
        match self.markets[idx].working.apply(id, event) {
            Ok(Some(order)) => self.publish_order(idx, &order, event, reason),
            Ok(None) => {}
            Err(e) => tracing::debug!(order = %id, error = %e, "order event refused"),
        }
    }

    /// Sends a cancel of `client_id`; its answer lands as [`Landed::Cancelled`].
    fn send_cancel(&mut self, idx: usize, client_id: ClientOrderId) {
        self.spend(1);
        let venue = self.venue.clone();
        let market = self.markets[idx].spec().id().clone();
        self.inflight.spawn(async move {
            let result = venue
                .cancel(&market, &OrderRef::ClientOrderId(client_id.clone()))
                .await;
            Landed::Cancelled {
                idx,
                client_id,
                result,
            }
        });
    }

    /// Cancels an order that is not ours any more; the answer is not tracked.
    fn cancel_orphan(&mut self, market: MarketId, client_id: ClientOrderId) {
        self.spend(1);
        let venue = self.venue.clone();
        self.inflight.spawn(async move {
            let _ = venue
                .cancel(&market, &OrderRef::ClientOrderId(client_id))
                .await;
            Landed::Orphan
        });
    }

    /// Sends an instruction to the venue: places and cancels go out at once and land later;
    /// a cancel-all lets everything in flight land first and waits for its answer.
    async fn execute(&mut self, idx: usize, instruction: Instruction) {
        let key = self.markets[idx].key().to_owned();
        let market = self.markets[idx].spec().id().clone();
        match instruction {
            Instruction::Place { order, tif } => {
                self.publish_order(idx, &order, OrderEvent::Submitted, None);
                counter!(t::QUOTES_TOTAL, "market" => key).increment(1);
                let client_id = order.client_id().clone();
                let req = NewOrder {
                    market,
                    client_id: client_id.clone(),
                    side: order.side(),
                    price: order.price(),
                    qty: order.qty(),
                    tif: match tif {
                        Tif::PostOnly => TimeInForce::PostOnly,
                        Tif::Ioc => TimeInForce::Ioc,
                    },
                };
                self.placing.insert(client_id.clone());
                self.spend(1);
                let venue = self.venue.clone();
                self.inflight.spawn(async move {
                    let result = venue.place(&req).await;
                    Landed::Placed {
                        idx,
                        client_id,
                        result,
                    }
                });
            }
            Instruction::Cancel { client_id } => {
                counter!(t::CANCELS_TOTAL, "market" => key).increment(1);
                self.cancels[idx] += 1;
                if let Some(w) = self.markets[idx].working.get(&client_id) {
                    let order = w.order.clone();
                    self.publish_order(idx, &order, OrderEvent::CancelRequested, None);
                }
                if self.placing.contains(&client_id) {
                    self.cancel_on_ack.insert(client_id);
                } else {
                    self.send_cancel(idx, client_id);
                }
            }
            Instruction::CancelAll { reason } => {
                counter!(t::CANCELS_TOTAL, "market" => key.clone()).increment(1);
                self.cancels[idx] += 1;
                self.drain_inflight().await;
                self.spend(1);
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
                            );
                        }
                    }
                    Err(e) => {
                        tracing::warn!(market = %key, error = %e, "cancel-all failed; retried each second");
                        self.cancel_all_due[idx] = Some(reason);
                        if let Some(kind) = failure_kind(&e) {
                            self.venue_failure(idx, kind);
                        }
                    }
                }
            }
        }
    }

    /// Handles a venue answer (or the probe) that landed.
    fn landed(&mut self, landed: Result<Landed, JoinError>) {
        let landed = match landed {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "venue request task failed");
                return;
            }
        };
        match landed {
            Landed::Placed {
                idx,
                client_id,
                result,
            } => {
                self.placing.remove(&client_id);
                let cancel = self.cancel_on_ack.remove(&client_id);
                match result {
                    Ok(report) => {
                        self.markets[idx].risk.venue_success(runtime::now());
                        let live = !report.status.is_terminal();
                        self.report(idx, report);
                        if cancel && live && self.markets[idx].working.get(&client_id).is_some() {
                            self.send_cancel(idx, client_id);
                        }
                    }
                    Err(e) => {
                        let kind = failure_kind(&e);
                        // A lost answer leaves the order pending, and nothing is sent for its
                        // slot until the venue says by client id whether it rests.
                        let lost = matches!(kind, Some("ack_dropped" | "timeout"));
                        if lost {
                            if cancel {
                                self.cancel_on_ack.insert(client_id.clone());
                            }
                            self.look_up(idx, client_id.clone());
                        } else {
                            self.order_event(
                                idx,
                                &client_id,
                                OrderEvent::Rejected,
                                Some(e.to_string()),
                            );
                        }
                        if let Some(kind) = kind {
                            self.venue_failure(idx, kind);
                        }
                    }
                }
            }
            Landed::Cancelled {
                idx,
                client_id,
                result,
            } => match result {
                Ok(report) => self.report(idx, report),
                Err(e) => {
                    let code = e.api().map(|a| a.code);
                    if code == Some(ErrorCode::UnknownOrder) {
                        self.order_event(
                            idx,
                            &client_id,
                            OrderEvent::Cancelled,
                            Some(e.to_string()),
                        );
                    } else if code == Some(ErrorCode::RateLimited) {
                        // Working again: the next decision cancels it within the budget.
                        self.order_event(
                            idx,
                            &client_id,
                            OrderEvent::CancelRejected,
                            Some(e.to_string()),
                        );
                    } else if let Some(kind) = failure_kind(&e) {
                        self.venue_failure(idx, kind);
                    }
                    // Otherwise it stays cancel-requested; the sweep sends it again.
                }
            },
            Landed::Orphan => {}
            Landed::LookedUp {
                idx,
                client_id,
                result,
            } => self.looked_up(idx, client_id, result),
            Landed::Swept(result) => {
                self.sweeping = false;
                match result {
                    Ok(open) => self.swept(&open),
                    Err(e) => tracing::debug!(error = %e, "open orders not listed"),
                }
            }
            Landed::Probed(model) => {
                self.probing = false;
                self.probed(model);
            }
        }
    }

    /// Asks the venue whether `client_id`, whose placement's answer was lost, rests.
    fn look_up(&mut self, idx: usize, client_id: ClientOrderId) {
        counter!(t::LOST_ACKS_TOTAL, "market" => self.markets[idx].key().to_owned()).increment(1);
        self.placing.insert(client_id.clone());
        self.spend(1);
        let venue = self.venue.clone();
        let market = self.markets[idx].spec().id().clone();
        self.inflight.spawn(async move {
            let result = venue.open_orders(Some(&market)).await;
            Landed::LookedUp {
                idx,
                client_id,
                result,
            }
        });
    }

    /// The lookup of an order whose placement's answer was lost: resting, it is accepted (and
    /// cancelled when a cancel waited for it); absent, it is closed, and its slot free again
    /// (a fill it took arrives as a fill). A lookup that failed is tried again.
    fn looked_up(
        &mut self,
        idx: usize,
        client_id: ClientOrderId,
        result: Result<Vec<OrderReport>, VenueError>,
    ) {
        let open = match result {
            Ok(open) => open,
            Err(e) => {
                tracing::debug!(order = %client_id, error = %e, "lookup failed; again");
                self.look_up(idx, client_id);
                return;
            }
        };
        self.placing.remove(&client_id);
        let cancel = self.cancel_on_ack.remove(&client_id);
        match open.into_iter().find(|o| o.client_id == client_id) {
            Some(report) => {
                self.report(idx, report);
                if cancel && self.markets[idx].working.get(&client_id).is_some() {
                    self.send_cancel(idx, client_id);
                }
            }
            None => self.order_event(
                idx,
                &client_id,
                OrderEvent::Rejected,
                Some("not at the venue after a lost answer".into()),
            ),
        }
    }

    /// Brings a working order in line with a venue report (fills arrive as fills).
    fn report(&mut self, idx: usize, report: OrderReport) {
        let now = runtime::now();
        for f in &report.fills {
            self.book_fill(idx, f, now, true);
        }
        let id = report.client_id.clone();
        let Some(w) = self.markets[idx].working.get(&id) else {
            if !report.status.is_terminal() && report.status != OrderStatus::New {
                // Not ours any more (a previous run's): cancel the orphan.
                let market = self.markets[idx].spec().id().clone();
                self.cancel_orphan(market, id);
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
        if w.order.venue_order_id().is_none() {
            let mut o = w.order.clone();
            o.set_venue_order_id(report.venue_order_id.clone());
            let slot = w.slot;
            self.markets[idx].working.insert(o, slot);
        }
        if let Some(event) = event {
            self.order_event(idx, &id, event, report.reason.clone());
        }
    }

    /// Books `fill` once (the ledger refuses a fill booked before) and publishes it; `save`
    /// writes the market's position and ledger too (a replay of many fills saves once at its
    /// end instead: the ledger is thousands of fills long). Returns whether it was booked.
    fn book_fill(&mut self, idx: usize, fill: &Fill, now: UnixNanos, save: bool) -> bool {
        let Some(moved) = self.markets[idx].book_fill(fill) else {
            return false;
        };
        // The order's new state (filled: gone from `state:orders`) and its update.
        if let Some((order, event)) = moved {
            self.publish_order(idx, &order, event, None);
        }
        self.fills[idx] += 1;
        let key = self.markets[idx].key().to_owned();
        counter!(t::FILLS_TOTAL, "market" => key.clone()).increment(1);
        // Published even while Redis is away: the writer holds fills until it is back (the
        // position is saved by the first flush then; a restart rebuilds it from the venue).
        match self.store.fill(&self.ns, &key, fill, now) {
            Ok(w) => self.writer.send(w),
            Err(e) => tracing::warn!(error = %e, "fill not encoded"),
        }
        if save && self.writer.is_up() {
            self.writer
                .send_all(self.store.market(&self.markets[idx], now));
        }
        true
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
                    self.report(idx, report);
                }
            }
            VenueEvent::Fill(fill) => {
                if let Some(idx) = self
                    .markets
                    .iter()
                    .position(|m| m.spec().id() == &fill.market)
                {
                    self.book_fill(idx, &fill, runtime::now(), true);
                }
            }
            VenueEvent::Snapshot(_) | VenueEvent::Delta(_) | VenueEvent::Trade(_) => {}
        }
    }

    async fn catch_up_fills(&mut self) -> anyhow::Result<()> {
        let since = self.replay_cursor();
        let fills = self.venue.fills_since(since).await?;
        self.replay_fills(fills, runtime::now());
        Ok(())
    }

    /// Where to ask the venue for fills: the earliest of the markets' cursors (a market with
    /// no fill yet asks from the start).
    fn replay_cursor(&self) -> i64 {
        self.markets
            .iter()
            .map(|m| m.ledger.resume_from(SEC))
            .min()
            .unwrap_or(0)
    }

    /// Books the venue's fills that each market has not booked: a fill older than its own
    /// market's cursor was booked before and is skipped (the ledger remembers only the latest
    /// fills, so a replay from another market's earlier cursor must not reach past it); the
    /// rest are deduplicated by the ledger. Returns how many were booked.
    fn replay_fills(&mut self, fills: Vec<FillMsg>, now: UnixNanos) -> usize {
        let mut booked = 0;
        for f in fills {
            let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &f.market) else {
                continue;
            };
            if f.ts < self.markets[idx].ledger.resume_from(SEC) {
                continue;
            }
            match f.to_core(self.markets[idx].spec()) {
                Ok(fill) => {
                    if self.book_fill(idx, &fill, now, false) {
                        booked += 1;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "venue fill not convertible"),
            }
        }
        if booked > 0 && self.writer.is_up() {
            for m in &self.markets {
                self.writer.send_all(self.store.market(m, now));
            }
        }
        booked
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
                self.account
                    .kill
                    .pause(format!("{}: {reason}", cmd.actor), now);
            }
            ExecAction::Resume => {
                self.account.resume(now, &mut self.markets);
                gauge!(t::KILL_SWITCH).set(0.0);
            }
            ExecAction::CancelAll => self.cancel_everything("operator cancel-all").await,
            ExecAction::Flatten => {
                let aggressive_after_ns = self
                    .args
                    .flatten_aggressive
                    .then(|| i64::try_from(self.args.flatten_passive_ms).unwrap_or(0) * 1_000_000);
                self.account.flatten(
                    format!("{}: flatten", cmd.actor),
                    now,
                    aggressive_after_ns,
                    &mut self.markets,
                );
                self.cancel_everything("flatten").await;
            }
        }
        // The command is acked once its effect is recorded.
        self.save_mode(None).await;
    }

    /// Records the mode and the operator hold (kept while Redis is away), waiting at most
    /// [`SAVE_PATIENCE`] for Redis to take them.
    async fn save_mode(&mut self, market: Option<&str>) {
        self.writer
            .send(self.store.hold(&self.account.kill, market));
        self.writer.send(self.store.mode(&self.account.kill));
        if tokio::time::timeout(SAVE_PATIENCE, self.writer.sync())
            .await
            .is_err()
        {
            tracing::warn!("trading mode not confirmed saved yet; the writer keeps it");
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
        gauge!(t::DRAWDOWN_USDC).set(f(self.account.equity_peak - account.equity));
        if let Some(limits) = self.markets.first().map(|m| m.risk.limits()) {
            gauge!(t::DRAWDOWN_LIMIT_USDC).set(f(limits.max_drawdown));
            gauge!(t::DAILY_LOSS_LIMIT_USDC).set(f(limits.daily_loss_limit));
        }
    }

    /// Starts the Redis probe (a read of `state:model`, which also brings the model's live hit
    /// rates), unless one is still out.
    fn probe(&mut self) {
        if self.probing {
            return;
        }
        self.probing = true;
        let bus = self.bus.clone();
        let (model, trading) = (self.store.model.clone(), self.store.trading.clone());
        self.inflight.spawn(async move {
            let read = async {
                let model = bus.get_state(&model).await?;
                let trading = bus.get_state(&trading).await?;
                Ok::<_, flashmm_bus::BusError>((model, trading.contains_key(HOLD)))
            };
            let probed = tokio::time::timeout(REDIS_PROBE_TIMEOUT, read).await;
            Landed::Probed(probed.ok().and_then(Result::ok))
        });
    }

    /// Acts on the probe. Losing Redis stops quoting (without it no market data, prediction
    /// or command arrives, and nothing is recorded): the next decisions cancel every quote,
    /// and a cancel-all per market follows on the next flush, until it answers again.
    fn probed(&mut self, probed: Option<(BTreeMap<String, String>, bool)>) {
        let up = probed.is_some();
        let was = self.writer.set_up(up);
        if up && !was {
            tracing::info!("Redis answers again: quoting resumes");
        } else if !up && was {
            tracing::error!("Redis does not answer: every order pulled until it is back");
            for (i, m) in self.markets.iter().enumerate() {
                if !m.working.is_empty() {
                    self.cancel_all_due[i] = Some("redis down".into());
                }
            }
        }
        let Some((model, held)) = probed else { return };
        if !held && !self.state_lost {
            tracing::error!("Redis lost execution's state: pausing, reconciling with the venue");
            counter!(t::STATE_LOST_TOTAL).increment(1);
            self.state_lost = true;
        }
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

    /// Once a second: refused cancel-alls again, the Redis probe, state hashes, P&L marks,
    /// gauges.
    async fn flush(&mut self) {
        if self.state_lost && self.writer.is_up() {
            self.state_lost = false;
            self.restore_lost_state().await;
        }
        for idx in 0..self.markets.len() {
            if let Some(reason) = self.cancel_all_due[idx].take() {
                self.execute(idx, Instruction::CancelAll { reason }).await;
            }
        }
        self.probe();
        if !self.writer.is_up() {
            return;
        }
        let now = runtime::now();
        self.account.mark(now, &self.markets);
        let account = self.account();
        let (mut realized, mut unrealized, mut fees) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (i, m) in self.markets.iter().enumerate() {
            self.writer.send_all(self.store.market(m, now));
            self.writer.send_all(self.store.quote(m, now));
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
            let open = matches!(
                m.risk.breaker(now),
                flashmm_core::risk::BreakerState::Open { .. }
            );
            gauge!(t::BREAKER_OPEN, "market" => key).set(f64::from(u8::from(open)));
        }
        self.writer
            .send(self.store.total_pnl(realized, unrealized, fees, now));
        self.account_gauges(&account, [realized, unrealized, fees]);
        let exec = vec![
            ("day".to_owned(), self.account.day.to_string()),
            (
                "day_start_equity".to_owned(),
                self.account.day_start_equity.to_string(),
            ),
            (
                "equity_peak".to_owned(),
                self.account.equity_peak.to_string(),
            ),
        ];
        self.writer.send(self.store.set(&self.store.exec, exec));
        let mut latency = Vec::new();
        for (name, w, q) in [
            ("tick_to_quote_p50_us", &self.tick_to_quote, 0.5),
            ("tick_to_quote_p99_us", &self.tick_to_quote, 0.99),
            ("decision_p99_us", &self.decision, 0.99),
        ] {
            if let Some(v) = w.quantile(q) {
                latency.push((name.to_owned(), v.to_string()));
            }
        }
        self.writer
            .send(self.store.set(&self.store.latency, latency));
    }

    /// Redis came back empty (FLUSHALL, a restart without its data): nothing execution saved
    /// is there, the operator hold included. Quoting pauses until an operator resumes; every
    /// order is cancelled, fills missed meanwhile are booked from the venue, and the state is
    /// written again from what the engine holds (positions, fill ledgers, P&L, mode, hold).
    async fn restore_lost_state(&mut self) {
        let now = runtime::now();
        if self.account.kill.can_quote() {
            self.account.kill.pause("Redis lost the trading state", now);
        }
        self.save_mode(None).await;
        self.cancel_everything("Redis lost the trading state").await;
        if let Err(e) = self.catch_up_fills().await {
            tracing::warn!(error = %e, "fills not fetched after the state loss");
        }
        for m in &self.markets {
            self.writer.send_all(self.store.market(m, now));
        }
    }

    /// Every 5 s: asks the venue for its open orders (handled in [`Self::swept`]).
    fn sweep(&mut self) {
        if !self.venue_up || self.sweeping {
            return;
        }
        self.sweeping = true;
        self.spend(1);
        let venue = self.venue.clone();
        self.inflight
            .spawn(async move { Landed::Swept(venue.open_orders(None).await) });
    }

    /// The venue's open orders against ours. Venue orders we do not track are cancelled
    /// (orphans), cancels still pending are sent again, and ours the venue no longer has are
    /// closed.
    fn swept(&mut self, open: &[OrderReport]) {
        let now = runtime::now();
        for o in open {
            let Some(idx) = self.markets.iter().position(|m| m.spec().id() == &o.market) else {
                continue;
            };
            if self.placing.contains(&o.client_id) {
                continue;
            }
            match self.markets[idx].working.get(&o.client_id) {
                None => self.cancel_orphan(o.market.clone(), o.client_id.clone()),
                Some(w) if w.order.status() == OrderStatus::PendingCancel => {
                    self.send_cancel(idx, o.client_id.clone());
                }
                Some(_) => {}
            }
        }
        for idx in 0..self.markets.len() {
            let gone: Vec<ClientOrderId> = self.markets[idx]
                .working
                .iter()
                .filter(|w| now.since(w.order.ts()) > 2 * SEC)
                .filter(|w| !self.placing.contains(w.order.client_id()))
                .filter(|w| !open.iter().any(|o| &o.client_id == w.order.client_id()))
                .map(|w| w.order.client_id().clone())
                .collect();
            for id in gone {
                self.order_event(
                    idx,
                    &id,
                    OrderEvent::Cancelled,
                    Some("not at the venue".into()),
                );
            }
        }
    }
}
