//! [`MarketEngine`]: one market's decisions, pure and synchronous — the book, the quoter, the
//! re-quote policy, the risk manager, the working orders, the position and its fills. The
//! service feeds it events and carries its [`Instruction`]s to the venue; the bench drives it
//! directly.
//!
//! Time comes in as arguments, on two clocks: `now` (UTC ns) for the quoter, the rate bucket
//! and the breaker, and a monotonic [`MonoNanos`] for market data freshness — when an event was
//! received and when a decision runs. The age of market data is measured on the monotonic
//! clock from the receipt of the latest new data, never from a venue timestamp: one stamped
//! from the future would otherwise keep a frozen feed "fresh". Venue timestamps only tell new
//! data (stamped after the latest accepted) from a republished snapshot of a silent book
//! (ingest sends one each second with its book's time), which refreshes nothing. A market data
//! event stamped further ahead of `now` than `--max-clock-skew-ms` is refused as
//! [`RiskViolation::ClockSkew`], so no stamp can hold fresh data back for longer than that.

use std::collections::{HashMap, HashSet};

use flashmm_core::book::{BookUpdate, OrderBook, SyncedBook};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::inventory::Position;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::{
    ClientIdGenerator, Fill, FillLedger, Liquidity, Order, OrderEvent, OrderStatus, QuoteAction,
    Slot, WorkingOrders,
};
use flashmm_core::risk::{
    check_clock_skew, inventory_ratio, GuardLimits, GuardedOrder, MarketRisk, RiskAction,
    RiskLimits, RiskState, RiskViolation,
};
use flashmm_core::signal::Prediction;
use flashmm_core::strategy::{
    HoldReason, InventoryView, Quote, QuoteError, QuoteInputs, QuoteParams, Quoter, RawQuoteParams,
    RequoteDecision, RequotePolicy,
};
use flashmm_core::time::{MonoNanos, UnixNanos};

use crate::queue::OrderQueues;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// How an order instruction should rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tif {
    /// Maker only (every quote).
    PostOnly,
    /// Immediate or cancel (aggressive flatten).
    Ioc,
}

/// What the service must send to the venue.
#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    /// Send this order (already tracked as submitted).
    Place {
        /// The order.
        order: Order,
        /// How it rests.
        tif: Tif,
    },
    /// Cancel this order (already tracked as cancel requested).
    Cancel {
        /// The order.
        client_id: ClientOrderId,
    },
    /// Cancel every order of the market at once.
    CancelAll {
        /// Why.
        reason: String,
    },
}

/// The account-wide figures a market's decision needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    /// Whether the trading mode allows quoting.
    pub can_quote: bool,
    /// P&L since the start of the UTC day, net of fees.
    pub daily_pnl: Decimal,
    /// Net P&L now (equity relative to the start).
    pub equity: Decimal,
    /// The highest `equity` seen.
    pub equity_peak: Decimal,
    /// Sum of absolute position values over every market.
    pub global_exposure: Decimal,
}

/// The outcome of one decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// What to send.
    pub instructions: Vec<Instruction>,
    /// Every violation found (refused orders included).
    pub violations: Vec<RiskViolation>,
    /// Whether the quote was formed without a fresh prediction.
    pub stale_prediction: bool,
    /// Cancels and places left for a later decision: the venue request budget was spent.
    pub paced: usize,
}

/// An operator flatten in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flatten {
    /// When it started.
    pub since: UnixNanos,
    /// Go aggressive after this long, ns (`None`: passive only).
    pub aggressive_after_ns: Option<i64>,
}

/// One market's state and decisions.
#[derive(Debug)]
pub struct MarketEngine {
    spec: MarketSpec,
    key: String,
    book: SyncedBook,
    template: RawQuoteParams,
    level_notional: Decimal,
    quoter: Option<Quoter>,
    policy: Option<RequotePolicy>,
    /// Live orders.
    pub working: WorkingOrders,
    /// Client id issuer.
    pub ids: ClientIdGenerator,
    /// Inventory and P&L.
    pub position: Position,
    /// Fills booked.
    pub ledger: FillLedger,
    /// Notional traded, quote currency.
    pub traded_notional: Decimal,
    /// The risk manager.
    pub risk: MarketRisk,
    prediction: Option<Prediction>,
    /// Venue time of the latest market data accepted (shown, never used for freshness).
    pub last_md: Option<UnixNanos>,
    /// When the latest new market data (stamped after every earlier one) was received
    /// (monotonic): what freshness is measured from.
    pub last_md_received: Option<MonoNanos>,
    /// The model's live hit rate and the outcomes it covers.
    pub hit_rate: (Option<f64>, u64),
    /// The latest quote formed.
    pub last_quote: Option<Quote>,
    /// What the latest quote was formed from, when the re-quote policy held it as within
    /// tolerance of the working orders: until they change, forming it again would be held
    /// again, so it is not formed.
    held: Option<QuoteInputs>,
    /// Where each of our orders stood in its queue when placed (what its fills' adverse move
    /// is learnt by) and where it stands now.
    queues: OrderQueues,
    /// A flatten in progress.
    pub flatten: Option<Flatten>,
    /// When the standing risk checks last found nothing that stops quoting, and the account
    /// view they judged.
    standing_clear_at: Option<(UnixNanos, AccountView)>,
}

/// How long a clear standing-risk check stands for a decision that has nothing to send.
pub const STANDING_RECHECK_NS: i64 = 10_000_000;

impl MarketEngine {
    /// An engine for `spec` with client ids of `epoch`. Level sizes come from
    /// `level_notional` at the first mid.
    pub fn new(
        spec: MarketSpec,
        template: RawQuoteParams,
        level_notional: Decimal,
        limits: RiskLimits,
        guards: GuardLimits,
        epoch: u64,
        now: UnixNanos,
    ) -> Self {
        let key = spec.id().stream_key();
        MarketEngine {
            book: SyncedBook::new(spec.id().clone()),
            ids: ClientIdGenerator::new(&key, epoch),
            position: Position::new(spec.id().clone()),
            risk: MarketRisk::new(limits, guards, now),
            key,
            spec,
            template,
            level_notional,
            quoter: None,
            policy: None,
            working: WorkingOrders::new(),
            ledger: FillLedger::new(),
            traded_notional: Decimal::ZERO,
            prediction: None,
            last_md: None,
            last_md_received: None,
            hit_rate: (None, 0),
            last_quote: None,
            held: None,
            queues: OrderQueues::default(),
            flatten: None,
            standing_clear_at: None,
        }
    }

    /// The engine with `params` given whole (sizes in lots included) instead of sized from
    /// notionals at the first mid: a backtest of a parameter file.
    pub fn with_quote_params(mut self, params: QuoteParams) -> Result<Self, QuoteError> {
        let q = Quoter::new(self.spec.clone(), params)?;
        self.held = None;
        self.policy = Some(RequotePolicy::new(q.params()));
        self.quoter = Some(q);
        Ok(self)
    }

    /// The lots ahead of our best resting order of `side` in its price's queue, as followed
    /// from the book and the trades; `None` without one.
    pub fn queue_ahead(&self, side: Side) -> Option<Qty> {
        self.queues.ahead(side, &self.working)
    }

    /// The market's spec.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// The market in stream form (`SEI-USDC`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The book.
    pub fn book(&self) -> &OrderBook {
        self.book.book()
    }

    /// Whether the book is whole (no gap since the last snapshot).
    pub fn book_ok(&self) -> bool {
        self.book.is_synced()
    }

    /// The quoter, once the first mid fixed the sizes.
    pub fn quoter(&self) -> Option<&Quoter> {
        self.quoter.as_ref()
    }

    /// Applies a market data event read at `now` (UTC) and `received` (monotonic, when the
    /// service read it). An event stamped after every earlier one is new data: freshness is
    /// measured from its `received`; a republished snapshot (stamped as before) applies but
    /// does not refresh it, so a silent feed goes stale. An event stamped
    /// more than the clock-skew bound ahead of `now` is refused — not applied, not counted as
    /// market data — and returned as [`RiskViolation::ClockSkew`] (a refused delta leaves the
    /// book broken until the next snapshot). A delta that does not apply marks the book broken
    /// until the next snapshot and returns the gap; an extreme move is returned as its
    /// violation.
    pub fn on_market_event(
        &mut self,
        now: UnixNanos,
        received: MonoNanos,
        event: &MarketEvent,
    ) -> Option<RiskViolation> {
        let ts = match event {
            MarketEvent::Snapshot(s) => s.ts,
            MarketEvent::Delta(d) => d.ts,
            MarketEvent::Trade(t) => t.ts,
        };
        if let Some(v) = check_clock_skew(self.risk.guards(), ts, now) {
            if matches!(event, MarketEvent::Delta(_)) {
                self.book.desync();
            }
            return Some(v);
        }
        if self.last_md.is_none_or(|last| ts > last) {
            self.last_md = Some(ts);
            self.last_md_received =
                Some(self.last_md_received.map_or(received, |r| r.max(received)));
        }
        let update = match event {
            MarketEvent::Trade(t) => {
                self.queues.on_trade(t);
                if let Some(q) = self.quoter.as_mut() {
                    q.on_trade(now, t, self.book.book());
                }
                return None;
            }
            MarketEvent::Snapshot(s) => {
                self.queues
                    .before_book(event, self.book.book(), &self.working);
                self.book.apply_snapshot(s)
            }
            MarketEvent::Delta(d) => {
                self.queues
                    .before_book(event, self.book.book(), &self.working);
                self.book.apply_delta(d)
            }
        };
        let applied = matches!(update, BookUpdate::Snapshot { .. } | BookUpdate::Delta);
        self.queues.after_book(applied, self.book.book());
        match update {
            // The first snapshot, one after a gap, or an empty book (the venue cleared the
            // market, as a replayed recording does when it restarts): what follows is no move
            // from the mids before.
            BookUpdate::Snapshot { resynced } => {
                let book = self.book.book();
                if resynced || (book.best_bid().is_none() && book.best_ask().is_none()) {
                    self.risk.reset_mids();
                }
            }
            BookUpdate::Delta => {}
            BookUpdate::Refused(e) if matches!(event, MarketEvent::Delta(_)) => {
                return Some(RiskViolation::BookGap {
                    detail: e.to_string(),
                })
            }
            _ => return None,
        }
        self.ensure_quoter();
        let q = self.quoter.as_mut()?;
        q.on_book(now, self.book.book());
        if !q.volatility().is_warm() {
            return None;
        }
        let sigma = q.sigma_bps();
        let mid = self.book.book().mid_ticks()?;
        let spread = self.book.book().spread_ticks()? as f64;
        self.risk.on_mid(now, mid, spread, sigma)
    }

    /// Keeps the prediction of the latest market data (by `origin_ts`): one computed from
    /// older data, arriving late, does not replace it. Whether it is fresh enough to skew the
    /// quotes is judged at each quote by its `origin_ts` too.
    pub fn on_prediction(&mut self, prediction: Prediction) {
        if self
            .prediction
            .as_ref()
            .is_some_and(|p| p.origin_ts > prediction.origin_ts)
        {
            return;
        }
        self.prediction = Some(prediction);
    }

    /// Builds the quoter at the first two-sided book: level size = `level_notional` at the
    /// mid, inventory scale = the position limit at the mid.
    fn ensure_quoter(&mut self) {
        if self.quoter.is_some() {
            return;
        }
        let Some(mid) = self.book.book().mid(&self.spec) else {
            return;
        };
        let lot_value = mid * self.spec.lot_size();
        if lot_value <= Decimal::ZERO {
            return;
        }
        let lots = |notional: Decimal| (notional / lot_value).ceil().to_i64().unwrap_or(1).max(1);
        let raw = RawQuoteParams {
            base_size_lots: lots(self.level_notional),
            inventory_limit_lots: lots(self.risk.limits().max_position_quote),
            ..self.template.clone()
        };
        match QuoteParams::validate(raw).map(|p| Quoter::new(self.spec.clone(), p)) {
            Ok(Ok(q)) => {
                self.held = None;
                self.policy = Some(RequotePolicy::new(q.params()));
                self.quoter = Some(q);
            }
            Ok(Err(e)) => tracing::error!(market = %self.key, error = %e, "quoter not built"),
            Err(e) => tracing::error!(market = %self.key, error = %e, "quote parameters refused"),
        }
    }

    /// The mid in quote currency, when the book is two-sided.
    pub fn mark(&self) -> Option<Decimal> {
        self.book.book().mid(&self.spec)
    }

    /// The signed position value at the mark (zero without a mark).
    pub fn position_notional(&self) -> Decimal {
        self.mark()
            .and_then(|m| self.position.notional(&self.spec, m).ok())
            .unwrap_or_default()
    }

    /// Net P&L at the mark: realized + unrealized − fees + rebates.
    pub fn net_pnl(&self) -> Decimal {
        let realized = self.position.realized_pnl(&self.spec).unwrap_or_default();
        let unrealized = self
            .mark()
            .and_then(|m| self.position.unrealized_pnl(&self.spec, m).ok())
            .unwrap_or_default();
        realized + unrealized - self.position.fees_paid() + self.position.rebates_earned()
    }

    /// |position value| / notional traded.
    pub fn inventory_ratio(&self) -> Option<Decimal> {
        inventory_ratio(self.position_notional(), self.traded_notional)
    }

    /// Books a fill once: the position, the notional traded and the order's state. Returns
    /// `None` for a fill already booked (or of another market); else the order it moved on,
    /// with the event, when the order is one still tracked.
    pub fn book_fill(&mut self, fill: &Fill) -> Option<Option<(Order, OrderEvent)>> {
        if fill.market != *self.spec.id() || !self.ledger.accept(fill) {
            return None;
        }
        // The position moved: the next decision checks the standing limits again.
        self.standing_clear_at = None;
        if let Err(e) = self.position.apply(fill) {
            tracing::error!(market = %self.key, error = %e, "fill not booked in the position");
        }
        if let Ok(n) = self.spec.notional(fill.price, fill.qty) {
            self.traded_notional += n;
        }
        if fill.liquidity == Liquidity::Maker {
            if let Some(q) = self.quoter.as_mut() {
                let (place, balance) = self.queues.placed(&fill.client_id);
                q.on_own_fill(fill.ts, fill.side, place, balance, self.book.book());
            }
        }
        let Some(w) = self.working.get(&fill.client_id) else {
            return Some(None);
        };
        let event = w.order.fill_event(fill.qty);
        match self.working.apply(&fill.client_id, event) {
            Ok(order) => Some(order.map(|o| (o, event))),
            Err(e) => {
                tracing::warn!(market = %self.key, error = %e, "fill does not fit the order");
                Some(None)
            }
        }
    }

    /// The notional of our live orders' remaining size on `side`, at their limit prices
    /// (cancels in flight included: they may still fill).
    fn resting_notional(&self, side: Side) -> Decimal {
        // Summed in tick×lot units, converted once (a decision runs on every book event).
        self.working
            .iter()
            .filter(|w| w.order.side() == side && !w.order.status().is_terminal())
            .try_fold(0i128, |sum, w| {
                let units = i128::from(w.order.price().ticks())
                    .checked_mul(i128::from(w.order.leaves().lots()))?;
                sum.checked_add(units)
            })
            .and_then(|units| self.spec.quote_from_units(units).ok())
            .unwrap_or(Decimal::MAX)
    }

    fn risk_state(&self, now: UnixNanos, mono: MonoNanos, account: &AccountView) -> RiskState {
        RiskState {
            position_notional: self.position_notional(),
            open_orders: self.working.open_count(),
            resting_buy_notional: self.resting_notional(Side::Buy),
            resting_sell_notional: self.resting_notional(Side::Sell),
            daily_pnl: account.daily_pnl,
            equity_peak: account.equity_peak,
            equity: account.equity,
            market_data_age_ms: self
                .last_md_received
                .map(|r| u64::try_from(mono.since(r) / 1_000_000).unwrap_or(u64::MAX)),
            order_tokens: 0,
            now,
        }
    }

    /// Cancels every order of the market, once per burst (nothing when none is working).
    fn cancel_all(&mut self, reason: String, d: &mut Decision) {
        if !self.working.is_empty() {
            d.instructions.push(Instruction::CancelAll { reason });
        }
    }

    /// Whether a decision at `now` would send nothing, known without forming it: the book is
    /// whole, quoting is allowed (`can_quote`), no flatten runs, the standing risk checks were
    /// clear within [`STANDING_RECHECK_NS`], and the re-quote policy holds within its minimum
    /// interval. Most book events of a busy market are such; the caller skips the decision
    /// (and the account figures it needs).
    pub fn idle(&self, now: UnixNanos, can_quote: bool) -> bool {
        let (Some(quoter), Some(policy)) = (self.quoter.as_ref(), self.policy.as_ref()) else {
            return false;
        };
        can_quote
            && self.book.is_synced()
            && self.flatten.is_none()
            && self.standing_recent(now)
            && policy
                .last_requote()
                .is_some_and(|last| now.since(last) < quoter.params().min_requote_interval_ns())
    }

    /// Decides what to send now (`now` UTC, `mono` the same instant on the monotonic clock
    /// that market data receive times are on), at most `budget` cancels and places (cancels
    /// first; a cancel-all goes whatever the budget). What does not fit is derived again by a
    /// later decision, as the working orders still differ from the target.
    pub fn decide(
        &mut self,
        now: UnixNanos,
        mono: MonoNanos,
        account: &AccountView,
        budget: usize,
    ) -> Decision {
        let mut budget = budget;
        let mut d = Decision::default();
        let state = self.risk_state(now, mono, account);
        let (hit_rate, samples) = self.hit_rate;
        let standing = self.risk.standing(&state, hit_rate, samples);
        if !self.book.is_synced() {
            self.cancel_all("book gap".into(), &mut d);
            return d;
        }
        self.standing_clear_at = None;
        if let Some(v) = standing
            .iter()
            .find(|v| v.kind().action() != RiskAction::RefuseOrder)
        {
            let reason = v.to_string();
            d.violations = standing;
            self.cancel_all(reason, &mut d);
            return d;
        }
        if !account.can_quote {
            for w in self.working.iter() {
                // A cancel in flight is not sent twice; one the venue refused is working again.
                let status = w.order.status();
                if w.slot.is_some() && status.is_working() && status != OrderStatus::PendingCancel {
                    if budget == 0 {
                        d.paced += 1;
                        continue;
                    }
                    budget -= 1;
                    d.instructions.push(Instruction::Cancel {
                        client_id: w.order.client_id().clone(),
                    });
                }
            }
            self.request_cancels(&d.instructions);
            if self.flatten.is_some() {
                if budget == 0 {
                    d.paced += 1;
                } else {
                    self.flatten_step(now, mono, account, &mut d);
                }
            }
            return d;
        }
        self.standing_clear_at = Some((now, account.clone()));
        self.quote(now, mono, account, budget, d)
    }

    /// Whether the standing risk checks were clear within [`STANDING_RECHECK_NS`] of `now`.
    fn standing_recent(&self, now: UnixNanos) -> bool {
        self.standing_clear_at
            .as_ref()
            .is_some_and(|(t, _)| now.since(*t) < STANDING_RECHECK_NS)
    }

    /// A decision at `now` that relies on the standing risk checks of the last
    /// [`STANDING_RECHECK_NS`] (clear then, on the account view of then: per-order checks see
    /// that view) instead of running them again: `None` when there are none that recent, the
    /// book is broken, quoting is not allowed (`can_quote`) or a flatten runs — then
    /// [`Self::decide`] must run. What a busy book's events mostly get.
    pub fn decide_recent(
        &mut self,
        now: UnixNanos,
        mono: MonoNanos,
        can_quote: bool,
        budget: usize,
    ) -> Option<Decision> {
        if !(can_quote
            && self.book.is_synced()
            && self.flatten.is_none()
            && self.standing_recent(now))
        {
            return None;
        }
        let (_, view) = self.standing_clear_at.clone()?;
        Some(self.quote(now, mono, &view, budget, Decision::default()))
    }

    /// The quoting part of a decision: the quote formed, the re-quote policy asked, the
    /// working orders diffed into instructions within the budget.
    fn quote(
        &mut self,
        now: UnixNanos,
        mono: MonoNanos,
        account: &AccountView,
        budget: usize,
        mut d: Decision,
    ) -> Decision {
        let mut budget = budget;
        let (Some(quoter), Some(policy)) = (self.quoter.as_ref(), self.policy.as_mut()) else {
            return d;
        };
        // Within the minimum re-quote interval the policy holds whatever the quote: it is not
        // formed (most decisions of a busy book end here).
        let min_interval = quoter.params().min_requote_interval_ns();
        if policy
            .last_requote()
            .is_some_and(|last| now.since(last) < min_interval)
        {
            return d;
        }
        let inventory = InventoryView {
            position_lots: self.position.qty(),
            traded_notional: self.traded_notional,
        };
        let book = self.book.book();
        let own = &self.working;
        let prediction = self.prediction.as_ref();
        let inputs = quoter.inputs(now, book, own, &inventory, prediction);
        if self.held == Some(inputs) {
            d.stale_prediction = self
                .last_quote
                .as_ref()
                .is_some_and(|q| q.diagnostics.prediction_stale);
            return d;
        }
        self.held = None;
        let quote = match quoter.quote_at(now, book, own, &inventory, prediction) {
            Ok(q) => q,
            Err(_) => return d,
        };
        d.stale_prediction = quote.diagnostics.prediction_stale;
        let levels = quoter.params().values().levels;
        let tolerance = quoter.params().values().requote_tolerance_ticks;
        let size_tolerance = quoter.params().values().requote_size_tolerance;
        let working = self.working.as_target(levels);
        let decision = policy.decide(now, &working, &quote.target);
        let actions = match decision {
            RequoteDecision::Requote(_) => {
                self.working
                    .diff(&quote.target, levels, tolerance, size_tolerance)
            }
            RequoteDecision::Hold(reason) => {
                if reason == HoldReason::WithinTolerance {
                    self.held = Some(inputs);
                }
                Vec::new()
            }
        };
        self.last_quote = Some(quote);
        let mut refused = Vec::new();
        // Within the budget: first the cancels of quotes no longer wanted, then slot by slot
        // the places, a re-quote taking two requests (its cancel and its place) or none, so a
        // quote short of budget keeps resting rather than leaving its slot empty.
        let placing: HashSet<Slot> = actions
            .iter()
            .filter_map(|a| match a {
                QuoteAction::Place { slot, .. } => Some(*slot),
                QuoteAction::Cancel { .. } => None,
            })
            .collect();
        let mut replaced: HashMap<Slot, ClientOrderId> = HashMap::new();
        for action in &actions {
            let QuoteAction::Cancel { client_id } = action else {
                continue;
            };
            match self.working.get(client_id).and_then(|w| w.slot) {
                Some(slot) if placing.contains(&slot) => {
                    replaced.insert(slot, client_id.clone());
                }
                _ if budget == 0 => d.paced += 1,
                _ => {
                    budget -= 1;
                    d.instructions.push(Instruction::Cancel {
                        client_id: client_id.clone(),
                    });
                }
            }
        }
        for action in actions {
            let QuoteAction::Place { slot, price, qty } = action else {
                continue;
            };
            let old = replaced.remove(&slot);
            let needed = 1 + usize::from(old.is_some());
            if budget < needed {
                d.paced += needed;
                continue;
            }
            if let Some(client_id) = old {
                budget -= 1;
                d.instructions.push(Instruction::Cancel { client_id });
            }
            match self.admit(now, mono, account, slot.side, price, qty) {
                Ok(()) => {
                    if let Some(order) = self.new_order(now, slot.side, price, qty, Some(slot)) {
                        budget -= 1;
                        d.instructions.push(Instruction::Place {
                            order,
                            tif: Tif::PostOnly,
                        });
                    }
                }
                Err(v) => refused.extend(v),
            }
        }
        self.request_cancels(&d.instructions);
        d.violations = refused;
        d
    }

    /// Runs the pre-trade checks of one order (the position limit on the worst case: the
    /// position, every live order on its side and this one, all filled).
    fn admit(
        &mut self,
        now: UnixNanos,
        mono: MonoNanos,
        account: &AccountView,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Result<(), Vec<RiskViolation>> {
        let state = self.risk_state(now, mono, account);
        let (bid, ask) = match (self.book.book().best_bid(), self.book.book().best_ask()) {
            (Some(b), Some(a)) => (b.price.ticks(), a.price.ticks()),
            _ => (0, 0),
        };
        let guarded = GuardedOrder {
            spec: &self.spec,
            side,
            price,
            qty,
            mid_x2_ticks: bid.saturating_add(ask),
            own_opposite: self.working.best_price(side.opposite()),
            position_notional: state.position_notional,
            global_exposure: account.global_exposure,
        };
        self.risk.check_order(&state, &guarded)
    }

    /// A new order, tracked as submitted.
    fn new_order(
        &mut self,
        now: UnixNanos,
        side: Side,
        price: Price,
        qty: Qty,
        slot: Option<Slot>,
    ) -> Option<Order> {
        let id = self.ids.next_id().ok()?;
        let mut order = Order::new(id, self.spec.id().clone(), side, price, qty, now).ok()?;
        order.transition(OrderEvent::Submitted).ok()?;
        self.queues.join(
            order.client_id().clone(),
            side,
            price,
            self.book.book(),
            &self.working,
        );
        self.working.insert(order.clone(), slot);
        Some(order)
    }

    fn request_cancels(&mut self, instructions: &[Instruction]) {
        for i in instructions {
            if let Instruction::Cancel { client_id } = i {
                let _ = self.working.apply(client_id, OrderEvent::CancelRequested);
            }
        }
    }

    /// One flatten order at a time: passive at our side's best price, or (when configured
    /// and the passive time is up) an IOC at the best opposite price.
    fn flatten_step(
        &mut self,
        now: UnixNanos,
        mono: MonoNanos,
        account: &AccountView,
        d: &mut Decision,
    ) {
        let Some(f) = self.flatten else { return };
        let qty = self.position.qty();
        if qty == 0 {
            self.flatten = None;
            return;
        }
        if self.working.iter().any(|w| w.slot.is_none()) {
            return;
        }
        let side = if qty > 0 { Side::Sell } else { Side::Buy };
        let (Some(bid), Some(ask)) = (self.book.book().best_bid(), self.book.book().best_ask())
        else {
            return;
        };
        let aggressive = f
            .aggressive_after_ns
            .is_some_and(|after| now.since(f.since) >= after);
        let (price, tif) = match (side, aggressive) {
            (Side::Sell, false) => (ask.price, Tif::PostOnly),
            (Side::Buy, false) => (bid.price, Tif::PostOnly),
            (Side::Sell, true) => (bid.price, Tif::Ioc),
            (Side::Buy, true) => (ask.price, Tif::Ioc),
        };
        let qty = Qty::from_lots(qty.abs());
        match self.admit(now, mono, account, side, price, qty) {
            Ok(()) => {
                if let Some(order) = self.new_order(now, side, price, qty, None) {
                    d.instructions.push(Instruction::Place { order, tif });
                }
            }
            Err(v) => d.violations.extend(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{account, book_snapshot, engine, levels};
    use flashmm_core::book::BookLevel;
    use flashmm_core::market::MarketId;
    use flashmm_core::risk::RiskViolationKind;
    use flashmm_core::strategy::QueuePlace;

    /// A SEI/USDC snapshot of `bids` and `asks`, seq `seq`.
    fn snapshot(seq: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> MarketEvent {
        MarketEvent::Snapshot(book_snapshot(seq, bids, asks))
    }

    /// A book around `mid` ticks, seq `seq`.
    fn book(m: &mut MarketEngine, seq: u64, mid: i64) {
        let snap = snapshot(seq, levels(mid - 1, -1), levels(mid + 1, 1));
        m.on_market_event(UnixNanos(seq as i64), MonoNanos(0), &snap);
    }

    /// An engine whose σ warmed up over 200 s of a mid moving a tick a second.
    fn warmed() -> MarketEngine {
        let mut m = engine(1_000);
        for s in 1..=200u64 {
            let mid = 4_000 + (s % 2) as i64;
            let snap = snapshot(s, levels(mid - 1, -1), levels(mid + 1, 1));
            assert!(m
                .on_market_event(UnixNanos(s as i64 * 1_000_000_000), MonoNanos(0), &snap)
                .is_none());
        }
        m
    }

    #[test]
    fn a_hollow_book_is_no_extreme_move() {
        let mut m = warmed();
        let at = |ms: i64| UnixNanos(200_000_000_000 + ms * 1_000_000);
        // The asks swept down to a stray order 5 % away, for a moment: the mid is no price.
        let stray = BookLevel::new(Price::from_ticks(4_200), Qty::from_lots(500));
        let hollow = snapshot(201, levels(3_999, -1), vec![stray]);
        assert_eq!(m.on_market_event(at(10), MonoNanos(0), &hollow), None);
        // The same move with a two-sided book is one.
        let moved = snapshot(202, levels(4_099, -1), levels(4_101, 1));
        let v = m.on_market_event(at(20), MonoNanos(0), &moved);
        assert!(
            matches!(v, Some(RiskViolation::ExtremeMove { .. })),
            "{v:?}"
        );
    }

    #[test]
    fn a_cleared_book_is_no_move() {
        let mut m = warmed();
        let at = |ms: i64| UnixNanos(200_000_000_000 + ms * 1_000_000);
        // The venue clears the book, then the market restarts 2.5 % away: no move.
        let cleared = snapshot(201, vec![], vec![]);
        assert_eq!(m.on_market_event(at(10), MonoNanos(0), &cleared), None);
        let restarted = snapshot(202, levels(4_099, -1), levels(4_101, 1));
        assert_eq!(m.on_market_event(at(20), MonoNanos(0), &restarted), None);
        // The same jump without the clear is one.
        let back = snapshot(203, levels(3_999, -1), levels(4_001, 1));
        let v = m.on_market_event(at(30), MonoNanos(0), &back);
        assert!(
            matches!(v, Some(RiskViolation::ExtremeMove { .. })),
            "{v:?}"
        );
    }

    fn count(d: &Decision) -> (usize, usize) {
        let places = d
            .instructions
            .iter()
            .filter(|i| matches!(i, Instruction::Place { .. }))
            .count();
        let cancels = d
            .instructions
            .iter()
            .filter(|i| matches!(i, Instruction::Cancel { .. }))
            .count();
        (places, cancels)
    }

    #[test]
    fn a_decision_sends_what_the_budget_holds_and_a_requote_takes_two_or_none() {
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        let full = m.decide(UnixNanos(1), MonoNanos(0), &account(true), usize::MAX);
        let (places, _) = count(&full);
        assert!(places >= 2, "both sides quoted: {:?}", full.instructions);
        assert_eq!(full.paced, 0);
        // The book moves two ticks: every quote is cancelled and placed again. One request
        // does not cover a re-quote: nothing goes, the quotes keep resting.
        book(&mut m, 2, 4_002);
        let d = m.decide(UnixNanos(2), MonoNanos(0), &account(true), 1);
        assert!(d.instructions.is_empty(), "{:?}", d.instructions);
        assert_eq!(d.paced, 2 * places);
        // Two requests: one re-quote, its cancel and its place.
        let d = m.decide(UnixNanos(3), MonoNanos(0), &account(true), 2);
        assert_eq!(count(&d), (1, 1), "{:?}", d.instructions);
        assert_eq!(d.paced, 2 * (places - 1));
        // With the budget back, the rest goes out; the re-quote already sent is not repeated.
        let rest = m.decide(UnixNanos(4), MonoNanos(0), &account(true), usize::MAX);
        assert_eq!(
            count(&rest),
            (places - 1, places - 1),
            "{:?}",
            rest.instructions
        );
        assert_eq!(rest.paced, 0);
    }

    #[test]
    fn a_held_quote_is_formed_again_only_when_what_it_reads_changes() {
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        let sec = |n: i64| UnixNanos(n * 1_000_000_000);
        let first = m.decide(sec(1), MonoNanos(0), &account(true), usize::MAX);
        assert!(count(&first).0 >= 2);
        // Nothing changed a second later: held, and held without forming the quote again.
        let d = m.decide(sec(2), MonoNanos(0), &account(true), usize::MAX);
        assert!(d.instructions.is_empty(), "{:?}", d.instructions);
        let held = m.held.expect("the quote is held");
        let d = m.decide(sec(3), MonoNanos(0), &account(true), usize::MAX);
        assert!(d.instructions.is_empty() && m.held == Some(held));
        // A prediction that moves the quote: formed again, and re-quoted.
        m.on_prediction(Prediction {
            market: MarketId::new("SEI/USDC").unwrap(),
            model_version: "t".into(),
            horizon_ms: 1_000,
            p_down: 0.0,
            p_flat: 0.1,
            p_up: 0.9,
            expected_move_bps: 50.0,
            ts: sec(4),
            origin_ts: sec(4),
            inference_ns: 0,
        });
        let d = m.decide(sec(4), MonoNanos(0), &account(true), usize::MAX);
        assert!(count(&d).0 >= 1, "{:?}", d.instructions);
        assert!(m.held.is_none());
    }

    #[test]
    fn each_order_knows_whether_others_were_displayed_at_its_price() {
        // Every tick of the book holds others' size: every quote joins a queue.
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        let d = m.decide(UnixNanos(1), MonoNanos(0), &account(true), usize::MAX);
        assert!(count(&d).0 >= 2);
        assert!(m
            .working
            .iter()
            .all(|w| { m.queues.place(w.order.client_id()) == QueuePlace::Behind }));
        // A book 10 ticks wide, levels every 5: the quotes between them are alone at their
        // price.
        let mut m = engine(1_000);
        let snap = snapshot(1, levels(3_995, -5), levels(4_005, 5));
        m.on_market_event(UnixNanos(1), MonoNanos(0), &snap);
        let d = m.decide(UnixNanos(1), MonoNanos(0), &account(true), usize::MAX);
        assert!(count(&d).0 >= 2);
        for w in m.working.iter() {
            let price = w.order.price().ticks();
            let want = if price % 5 == 0 {
                QueuePlace::Behind
            } else {
                QueuePlace::Front
            };
            assert_eq!(m.queues.place(w.order.client_id()), want, "{price}");
        }
        assert!(m
            .working
            .iter()
            .any(|w| m.queues.place(w.order.client_id()) == QueuePlace::Front));
    }

    #[test]
    fn recent_standing_checks_stand_for_ten_ms_and_until_a_fill() {
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        assert_eq!(m.decide_recent(UnixNanos(0), MonoNanos(0), true, 10), None);
        let full = m.decide(UnixNanos(0), MonoNanos(0), &account(true), usize::MAX);
        assert!(count(&full).0 >= 2);
        let ms = |n: i64| UnixNanos(n * 1_000_000);
        // Within 10 ms of a clear check: decided on it (nothing to change here).
        let recent = m.decide_recent(ms(5), MonoNanos(0), true, 10);
        assert!(recent.is_some_and(|d| d.instructions.is_empty()));
        assert_eq!(
            m.decide_recent(ms(5), MonoNanos(0), false, 10),
            None,
            "paused"
        );
        assert_eq!(
            m.decide_recent(ms(11), MonoNanos(0), true, 10),
            None,
            "too old"
        );
        // A fill moves the position: the limits are checked again at the next decision.
        m.decide(ms(12), MonoNanos(0), &account(true), usize::MAX);
        let Some(Instruction::Place { order, .. }) = full.instructions.first() else {
            panic!("no order placed: {:?}", full.instructions);
        };
        let fill = Fill {
            market: m.spec().id().clone(),
            client_id: order.client_id().clone(),
            venue_order_id: flashmm_core::identifiers::VenueOrderId::new("v1").unwrap(),
            trade_id: flashmm_core::identifiers::TradeId::new("t1").unwrap(),
            side: order.side(),
            price: order.price(),
            qty: order.qty(),
            fee: Decimal::ZERO,
            liquidity: flashmm_core::order::Liquidity::Maker,
            ts: ms(13),
        };
        assert!(m.book_fill(&fill).is_some());
        assert_eq!(m.decide_recent(ms(14), MonoNanos(0), true, 10), None);
    }

    #[test]
    fn pulling_quotes_spends_the_budget_and_never_cancels_twice() {
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        let (places, _) = count(&m.decide(UnixNanos(1), MonoNanos(0), &account(true), usize::MAX));
        let d = m.decide(UnixNanos(2), MonoNanos(0), &account(false), 1);
        assert_eq!(count(&d), (0, 1));
        assert_eq!(d.paced, places - 1);
        let rest = m.decide(UnixNanos(3), MonoNanos(0), &account(false), usize::MAX);
        assert_eq!(
            count(&rest),
            (0, places - 1),
            "the first cancel is in flight"
        );
        assert!(m
            .decide(UnixNanos(4), MonoNanos(0), &account(false), usize::MAX)
            .instructions
            .is_empty());
    }

    use flashmm_core::time::NANOS_PER_SEC as SEC;

    /// `m` with its risk manager's limits changed by `f` (before its first book, so the
    /// quoter's inventory scale follows too).
    fn with_limits(mut m: MarketEngine, f: impl FnOnce(&mut RiskLimits)) -> MarketEngine {
        let mut limits = m.risk.limits().clone();
        f(&mut limits);
        m.risk = MarketRisk::new(limits, m.risk.guards().clone(), UnixNanos(0));
        m
    }

    /// A SEI/USDC snapshot around 4 000 ticks stamped `ts`.
    fn stamped(seq: u64, ts: i64) -> MarketEvent {
        let MarketEvent::Snapshot(mut s) = snapshot(seq, levels(3_999, -1), levels(4_001, 1))
        else {
            unreachable!("a snapshot");
        };
        s.ts = UnixNanos(ts);
        MarketEvent::Snapshot(s)
    }

    fn cancels_all(d: &Decision) -> bool {
        d.instructions
            .iter()
            .any(|i| matches!(i, Instruction::CancelAll { .. }))
    }

    /// An engine with a 2 s stale-data timeout quoting both sides on a book stamped at 1 s and
    /// received at the returned monotonic time.
    fn quoting_with_a_2_s_stale_timeout() -> (MarketEngine, MonoNanos) {
        let mut m = with_limits(engine(1_000), |l| l.stale_data_timeout_ms = 2_000);
        let t0 = MonoNanos(7_000_000_000);
        assert_eq!(
            m.on_market_event(UnixNanos(SEC), t0, &stamped(1, SEC)),
            None
        );
        let (places, _) = count(&m.decide(UnixNanos(SEC), t0, &account(true), usize::MAX));
        assert!(places >= 2);
        (m, t0)
    }

    #[test]
    fn a_future_timestamp_is_refused_and_a_frozen_feed_goes_stale_by_receive_time() {
        let (mut m, t0) = quoting_with_a_2_s_stale_timeout();
        let after = |ms: u64| MonoNanos(t0.0 + ms as i64 * 1_000_000);
        // One snapshot stamped an hour ahead: refused, as a clock-skew violation.
        let v = m.on_market_event(UnixNanos(SEC), after(100), &stamped(2, SEC + 3_600 * SEC));
        assert_eq!(
            v,
            Some(RiskViolation::ClockSkew {
                ahead_ms: 3_600_000,
                limit_ms: 1_000
            })
        );
        assert_eq!(m.last_md, Some(UnixNanos(SEC)));
        assert_eq!(m.last_md_received, Some(t0));
        // Within the timeout of the last data received the quotes stand ...
        let d = m.decide(UnixNanos(2 * SEC), after(1_900), &account(true), usize::MAX);
        assert!(!cancels_all(&d) && d.violations.is_empty(), "{d:?}");
        // ... and past it the feed, frozen since, is stale: every quote is pulled.
        let d = m.decide(UnixNanos(3 * SEC), after(2_100), &account(true), usize::MAX);
        assert!(cancels_all(&d), "{d:?}");
        assert_eq!(
            d.violations
                .iter()
                .map(RiskViolation::kind)
                .collect::<Vec<_>>(),
            vec![RiskViolationKind::StaleData]
        );
    }

    #[test]
    fn an_accepted_future_stamp_still_ages_and_a_refused_delta_breaks_the_book() {
        // A skew bound so wide that the future snapshot is applied: it still ages from when
        // it was received, not from its stamp.
        let mut m = with_limits(engine(1_000), |l| l.stale_data_timeout_ms = 2_000);
        let guards = GuardLimits {
            max_clock_skew_ms: u64::MAX,
            ..m.risk.guards().clone()
        };
        m.risk = MarketRisk::new(m.risk.limits().clone(), guards, UnixNanos(0));
        let t0 = MonoNanos(7_000_000_000);
        let future = stamped(1, SEC + 3_600 * SEC);
        assert_eq!(m.on_market_event(UnixNanos(SEC), t0, &future), None);
        assert_eq!(m.last_md, Some(UnixNanos(SEC + 3_600 * SEC)));
        let (places, _) = count(&m.decide(UnixNanos(SEC), t0, &account(true), usize::MAX));
        assert!(places >= 2);
        let later = MonoNanos(t0.0 + 2_001_000_000);
        let d = m.decide(UnixNanos(3 * SEC), later, &account(true), usize::MAX);
        assert!(cancels_all(&d), "{d:?}");
        // A refused delta breaks the book: its sequence is lost.
        let mut m = engine(1_000);
        book(&mut m, 1, 4_000);
        let delta = MarketEvent::Delta(flashmm_core::book::BookDelta {
            market: MarketId::new("SEI/USDC").unwrap(),
            seq: 2,
            prev_seq: Some(1),
            bids: vec![],
            asks: vec![],
            ts: UnixNanos(3_600 * SEC),
        });
        let v = m.on_market_event(UnixNanos(2), MonoNanos(0), &delta);
        assert_eq!(v.map(|v| v.kind()), Some(RiskViolationKind::ClockSkew));
        assert!(!m.book_ok());
    }

    #[test]
    fn the_position_limit_counts_the_resting_orders_of_the_side() {
        // Levels of about 100, 150 and 200 USDC a side; a limit of 300 holds the first two
        // bids only (100 + 150 + 200 resting would be 450 if every bid filled).
        let mut m = with_limits(engine(1_000), |l| l.max_position_quote = Decimal::from(300));
        book(&mut m, 1, 4_000);
        let d = m.decide(UnixNanos(1), MonoNanos(0), &account(true), usize::MAX);
        let placed = |side: Side| -> Vec<Decimal> {
            d.instructions
                .iter()
                .filter_map(|i| match i {
                    Instruction::Place { order, .. } if order.side() == side => {
                        m.spec().notional(order.price(), order.qty()).ok()
                    }
                    _ => None,
                })
                .collect()
        };
        for side in [Side::Buy, Side::Sell] {
            let notionals = placed(side);
            let total: Decimal = notionals.iter().copied().sum();
            assert_eq!(notionals.len(), 2, "{side:?}: {notionals:?}");
            assert!(total <= Decimal::from(300), "{side:?}: {total}");
        }
        let refused: Vec<_> = d
            .violations
            .iter()
            .filter_map(|v| match v {
                RiskViolation::PositionLimit { projected, .. } => Some(projected.abs()),
                _ => None,
            })
            .collect();
        assert_eq!(refused.len(), 2, "{:?}", d.violations);
        assert!(
            refused.iter().all(|p| *p > Decimal::from(300)),
            "{refused:?}"
        );
    }

    #[test]
    fn a_prediction_from_older_market_data_does_not_replace_a_newer_one() {
        let mut m = engine(1_000);
        let p = |origin: i64| Prediction {
            market: MarketId::new("SEI/USDC").unwrap(),
            model_version: "t".into(),
            horizon_ms: 1_000,
            p_down: 0.0,
            p_flat: 0.2,
            p_up: 0.8,
            expected_move_bps: 4.0,
            ts: UnixNanos(10 * SEC),
            origin_ts: UnixNanos(origin),
            inference_ns: 0,
        };
        m.on_prediction(p(5 * SEC));
        m.on_prediction(p(2 * SEC));
        assert_eq!(
            m.prediction.as_ref().map(|p| p.origin_ts),
            Some(UnixNanos(5 * SEC))
        );
        m.on_prediction(p(6 * SEC));
        assert_eq!(
            m.prediction.as_ref().map(|p| p.origin_ts),
            Some(UnixNanos(6 * SEC))
        );
    }

    #[test]
    fn a_republished_snapshot_does_not_keep_a_silent_feed_fresh() {
        let (mut m, t0) = quoting_with_a_2_s_stale_timeout();
        let after = |ms: u64| MonoNanos(t0.0 + ms as i64 * 1_000_000);
        // Ingest republishes the silent book each second, stamped with its book's time.
        for s in 1..=2u64 {
            let at = after(s * 1_000);
            assert_eq!(
                m.on_market_event(UnixNanos(SEC), at, &stamped(1, SEC)),
                None
            );
        }
        assert_eq!(m.last_md_received, Some(t0));
        let d = m.decide(UnixNanos(3 * SEC), after(2_100), &account(true), usize::MAX);
        assert!(cancels_all(&d), "{d:?}");
        // New data (stamped later) is fresh again.
        let fresh = stamped(2, SEC + 1);
        assert_eq!(
            m.on_market_event(UnixNanos(3 * SEC), after(2_200), &fresh),
            None
        );
        let d = m.decide(UnixNanos(3 * SEC), after(2_300), &account(true), usize::MAX);
        assert!(!cancels_all(&d) && d.violations.is_empty(), "{d:?}");
    }
}
