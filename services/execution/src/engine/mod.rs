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
use flashmm_bus::{Bus, Namespace};
use flashmm_core::control::{ExecAction, ExecCommand};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::MarketId;
use flashmm_core::order::TimeInForce;
use flashmm_core::order::{Fill, Order, OrderEvent, OrderStatus, OrderUpdate};
use flashmm_core::risk::{KillSwitch, RiskEvent, RiskViolation, RiskViolationKind};
use flashmm_core::time::{MonoNanos, UnixNanos};
use flashmm_runtime as runtime;
use flashmm_trading::{Account, AccountView, Instruction, MarketEngine, Pacer, Tif};
use flashmm_venue::protocol::ErrorCode;
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

mod orders;
mod reconcile;
mod upkeep;

use flashmm_core::time::NANOS_PER_SEC as SEC;

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

/// Where the engine reads the time: the system's clocks live, a script's in a test.
pub trait Clock: Send + Sync + 'static {
    /// UTC now.
    fn utc(&self) -> UnixNanos;
    /// Now on the monotonic clock.
    fn instant(&self) -> Instant;
}

/// The system's clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn utc(&self) -> UnixNanos {
        runtime::now()
    }

    fn instant(&self) -> Instant {
        Instant::now()
    }
}

/// The decision loop's state, over bus `B` and venue `V`.
pub struct Engine<B: Bus, V: Venue = SimVenue> {
    bus: B,
    ns: Namespace,
    store: StateStore,
    writer: Writer,
    venue: Arc<V>,
    clock: Arc<dyn Clock>,
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

impl<B: Bus + Clone + 'static, V: Venue + 'static> Engine<B, V> {
    /// An engine over restored markets and mode; starts its Redis writer.
    pub fn new(
        bus: B,
        ns: Namespace,
        store: StateStore,
        venue: V,
        markets: Vec<MarketEngine>,
        kill: KillSwitch,
        args: ExecArgs,
    ) -> Self {
        let n = markets.len();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
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
            origin: clock.instant(),
            clock,
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

    /// The venue the engine trades on.
    pub fn venue(&self) -> &V {
        &self.venue
    }

    /// The engine reading the time off `clock` (the system's by default): a test scripts it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.origin = clock.instant();
        self.clock = clock;
        self
    }

    /// Handles `input` as the loop does (with any input already queued behind it, and the
    /// decisions they call for), then lets every venue request it sent land.
    pub async fn step(&mut self, input: Input, rx: &mut mpsc::Receiver<Input>) {
        self.on_inputs(input, rx).await;
        self.drain_inflight().await;
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
                        self.run_decision(i, None, self.clock.instant()).await;
                    }
                }
                _ = flush.tick() => self.flush().await,
                _ = sweep.tick() => self.sweep(),
            }
        }
        let now = self.clock.utc();
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
                let now = self.clock.utc();
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
            Input::Venue(e) => {
                let filled = match &e {
                    VenueEvent::Fill(f) => {
                        self.markets.iter().position(|m| m.spec().id() == &f.market)
                    }
                    _ => None,
                };
                self.venue_event(e).await;
                // A fill empties or shrinks a quote: decide again at once, not at the next tick.
                if let Some(idx) = filled {
                    let now = self.clock.instant();
                    self.run_decision(idx, None, now).await;
                }
            }
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
        let now = self.mono(self.clock.instant());
        self.pacer.spend(n, now);
    }

    async fn run_decision(&mut self, idx: usize, origin: Option<UnixNanos>, started: Instant) {
        let now = self.clock.utc();
        let mono = self.mono(self.clock.instant());
        if idx >= self.markets.len() {
            return;
        }
        let budget = self.pacer.available(mono);
        let connected = self.venue_up && self.writer.is_up();
        let d = self
            .account
            .decide(&mut self.markets, idx, now, mono, connected, budget);
        let key = self.markets[idx].key().to_owned();
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
            let since = self.clock.utc().since(origin);
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

    async fn command(&mut self, cmd: ExecCommand) {
        let now = self.clock.utc();
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
}
