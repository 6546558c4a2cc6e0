//! [`Quoter`]: estimators plus the quoting maths, from a book, inventory and prediction to a
//! [`QuoteTarget`] and its [`QuoteDiagnostics`].

use super::{
    fill_edge_bps, AdverseSelection, ArrivalRateEstimator, AvellanedaStoikov, Glft,
    IntensityEstimator, PredictionSkew, QueueBalance, QueuePlace, QuoteDiagnostics, QuoteError,
    QuoteInputs, QuoteModel, QuoteParams, QuoteTarget, Touch, TouchPlacement, VolatilityEstimator,
};
use crate::book::{BookLevel, OrderBook};
use crate::market::{MarketSpec, Price, Qty, Side};
use crate::order::WorkingOrders;
use crate::signal::Prediction;
use crate::time::UnixNanos;
use crate::trade::Trade;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// What the quoter needs to know about our inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryView {
    /// Signed position in lots: positive long.
    pub position_lots: i64,
    /// Notional traded so far (e.g. today), in quote currency; the base of the
    /// inventory-fraction rule.
    pub traded_notional: Decimal,
}

/// A quote: the target levels and how they were formed.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The levels to rest.
    pub target: QuoteTarget,
    /// The terms that produced them.
    pub diagnostics: QuoteDiagnostics,
}

/// The quoting strategy of one market: online σ, κ and A estimators and the pricing maths.
///
/// Pricing, in bps of the mid `s` then converted to ticks at the end:
/// 1. The model ([`QuoteModel`]), with `q` the position in base-size units:
///    Avellaneda–Stoikov (the default), `r = s − q·γ·σ²·τ`, `δ = γσ²τ/2 + (1/γ)·ln(1 + γ/κ)`
///    ([`AvellanedaStoikov`]); or GLFT, `r = s − q·c2·σ`, `δ = c1 + c2·σ/2` with c1, c2 from
///    γ, κ and the trade arrival rate A ([`Glft`]).
/// 2. Prediction: `r += clamp(skew_multiple × expected_move_bps)`; `δ ×= 1 + entropy_widen·H`;
///    without a fresh prediction no skew and `δ ×= stale_widen` ([`PredictionSkew`]).
/// 3. Volatility: `δ ×= 1 + vol_widen·max(0, σ/vol_ref − 1)`.
/// 4. Inventory beyond `inventory_fraction` of the traded notional moves the side that
///    grows it `inventory_widen_bps` further out.
/// 5. Ticks: bid = ⌊r − δ⌋, ask = ⌈r + δ⌉, each within `max_quote_offset_bps` of the mid
///    (on the grid), widened to `min_spread_bps` (≥ 1 tick), then kept
///    post-only-safe: bid ≤ best ask − 1, ask ≥ best bid + 1. Deeper levels step out by
///    `level_spacing_bps` (≥ 1 tick); non-positive bids are dropped.
/// 6. Touch (with `join_touch`): each side's first level moves to the others' best price, or
///    one tick inside it where their spread leaves room, when the expected edge of a fill there
///    ([`fill_edge_bps`]: distance from the mid + the calibrated expected move − the adverse
///    move after a fill ([`AdverseSelection`]) − the maker fee) is at least
///    `touch_min_edge_bps`, never to a less aggressive price than step 5's, and keeping
///    `min_spread_ticks` between our bid and ask; the ladder steps out from there.
///    With `unwind_at_touch` (with or without `join_touch`), the side that reduces an
///    inventory beyond `inventory_fraction` (step 4) joins the others' best price whatever
///    its edge.
/// 7. Adverse-selection filter: with a fresh prediction, a side whose move-through probability
///    (`p_down` for bids, `p_up` for asks) is above `pull_probability` is not quoted.
/// 8. Sizes: `base × (1 + growth·i)` lots, times `max(0, 1 − size_skew·|pos|/limit)` on the
///    side that grows inventory; a level under the market's min notional is raised to it, or
///    dropped on that reduced side (so skew never makes the growing side larger).
///
/// A hollow book (spread wider than twice the cap, see [`Quoter::hollow_spread_bps`]) is not
/// quoted at all.
#[derive(Debug, Clone)]
pub struct Quoter {
    params: QuoteParams,
    spec: MarketSpec,
    min_notional_units: i128,
    inventory_fraction: Decimal,
    volatility: VolatilityEstimator,
    intensity: IntensityEstimator,
    arrival: ArrivalRateEstimator,
    adverse: AdverseSelection,
    maker_fee_bps: f64,
}

impl Quoter {
    /// A quoter for the market of `spec` with cold estimators.
    pub fn new(spec: MarketSpec, params: QuoteParams) -> Result<Self, QuoteError> {
        let p = params.values();
        let unit = spec
            .quote_from_units(1)
            .map_err(|_| QuoteError::MinNotional)?;
        let min_notional_units = spec
            .min_notional()
            .checked_div(unit)
            .map(|u| u.ceil())
            .and_then(|u| u.to_i128())
            .ok_or(QuoteError::MinNotional)?;
        let inventory_fraction =
            Decimal::try_from(p.inventory_fraction).map_err(|_| QuoteError::InventoryFraction)?;
        Ok(Quoter {
            volatility: VolatilityEstimator::new(
                p.sigma_halflife_secs,
                p.sigma_min_interval_ms,
                p.sigma_default_bps,
                p.sigma_floor_bps,
                p.sigma_cap_bps,
                p.sigma_min_samples,
            ),
            intensity: IntensityEstimator::new(
                p.kappa_alpha,
                p.kappa_default,
                p.kappa_min,
                p.kappa_max,
                p.kappa_min_samples,
            ),
            arrival: ArrivalRateEstimator::new(
                p.a_alpha,
                p.a_default,
                p.a_min,
                p.a_max,
                p.a_min_samples,
            ),
            adverse: AdverseSelection::new(
                p.adverse_horizon_ms,
                p.adverse_alpha,
                p.adverse_min_samples,
                p.adverse_prior_fills,
                p.adverse_by_balance,
            ),
            maker_fee_bps: spec.maker_fee_rate().to_f64().unwrap_or(0.0) * 1e4,
            params,
            spec,
            min_notional_units,
            inventory_fraction,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &QuoteParams {
        &self.params
    }

    /// The market spec.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// The book's spread in bps of its mid when the book is hollow: wider than twice
    /// `max_quote_offset_bps` (in ticks, at least one), so no quote within the cap of its mid
    /// would be near either touch (one side swept down to a stray far order, for a moment).
    /// Such a mid is no price: the quoter neither quotes around it nor feeds it to σ (the
    /// extreme-move guard leaves out wide books on its own terms, see
    /// [`MarketRisk::on_mid`](crate::risk::MarketRisk::on_mid)).
    pub fn hollow_spread_bps(&self, book: &OrderBook) -> Option<f64> {
        let mid = book.mid_ticks()?;
        let spread = book.spread_ticks()? as f64;
        let cap_ticks = (self.params.values().max_quote_offset_bps * mid * 1e-4)
            .ceil()
            .max(1.0);
        (spread > 2.0 * cap_ticks).then_some(spread / mid * 1e4)
    }

    /// Feeds the book's mid at `now` to the σ estimator (call on every applied book update);
    /// a hollow book's is left out.
    pub fn on_book(&mut self, now: UnixNanos, book: &OrderBook) {
        if self.hollow_spread_bps(book).is_some() {
            return;
        }
        if let Some(mid) = book.mid_ticks() {
            self.volatility.observe(now, mid);
            self.adverse.on_mid(now, mid);
        }
    }

    /// Feeds a public trade received at `now` to the A estimator (its time), the κ estimator
    /// (its distance from the current mid) and the adverse-move estimator; a hollow book's
    /// mid is no price, so then only its time counts.
    pub fn on_trade(&mut self, now: UnixNanos, trade: &Trade, book: &OrderBook) {
        self.arrival.observe(now);
        if self.hollow_spread_bps(book).is_some() {
            return;
        }
        if let Some(mid) = book.mid_ticks() {
            self.intensity
                .observe((trade.price.ticks() as f64 - mid) / mid * 1e4);
            let filled = trade.aggressor.opposite();
            let balance = QueueBalance::at_book(book, filled);
            self.adverse.on_trade(now, trade.aggressor, mid, balance);
        }
    }

    /// A fill at `ts` of our resting order of `side`, placed at `place` in its queue while
    /// the side's queue stood at `balance`: its markout feeds the adverse-move estimate of
    /// that side and place, as its excess over the public estimate at that balance.
    pub fn on_own_fill(
        &mut self,
        ts: UnixNanos,
        side: Side,
        place: QueuePlace,
        balance: Option<QueueBalance>,
        book: &OrderBook,
    ) {
        if let Some(mid) = book.mid_ticks() {
            self.adverse.on_own_fill(ts, side, place, mid, balance);
        }
    }

    /// With `join_touch` or `unwind_at_touch`, the others' touch of `book` less our `own`
    /// orders, and each side's queue balance there (bid, ask), which touch quoting prices its
    /// adverse move with (the estimator leaves it out unless `adverse_by_balance`).
    fn others(
        &self,
        book: &OrderBook,
        own: &WorkingOrders,
    ) -> Option<(Touch, [Option<QueueBalance>; 2])> {
        let p = self.params.values();
        if !(p.join_touch || p.unwind_at_touch) {
            return None;
        }
        let (touch, lots) = Touch::of_others_sized(book, own);
        let balance = |side| QueueBalance::at_touch(touch, lots, side);
        Some((touch, [balance(Side::Buy), balance(Side::Sell)]))
    }

    /// σ now, in bps per √s (σ of one-second returns).
    pub fn sigma_bps(&self) -> f64 {
        self.volatility.sigma_bps()
    }

    /// κ now, per bps.
    pub fn kappa(&self) -> f64 {
        self.intensity.kappa()
    }

    /// A now, in public trades per second.
    pub fn arrival_rate(&self) -> f64 {
        self.arrival.rate()
    }

    /// The volatility estimator.
    pub fn volatility(&self) -> &VolatilityEstimator {
        &self.volatility
    }

    /// The intensity estimator.
    pub fn intensity(&self) -> &IntensityEstimator {
        &self.intensity
    }

    /// The trade arrival-rate estimator.
    pub fn arrival(&self) -> &ArrivalRateEstimator {
        &self.arrival
    }

    /// The adverse-move estimator.
    pub fn adverse(&self) -> &AdverseSelection {
        &self.adverse
    }

    /// Forms the target quotes for `book` at `now`, the book holding no order of ours.
    pub fn quote(
        &self,
        now: UnixNanos,
        book: &OrderBook,
        inventory: &InventoryView,
        prediction: Option<&Prediction>,
    ) -> Result<Quote, QuoteError> {
        self.quote_at(now, book, &WorkingOrders::new(), inventory, prediction)
    }

    /// What [`Self::quote_at`] with these arguments would be formed from: while they stay
    /// equal, so does the quote.
    pub fn inputs(
        &self,
        now: UnixNanos,
        book: &OrderBook,
        own: &WorkingOrders,
        inventory: &InventoryView,
        prediction: Option<&Prediction>,
    ) -> QuoteInputs {
        let status = PredictionSkew::status(prediction, book.market(), now);
        let terms = prediction.filter(|_| !status.is_stale()).map(|p| {
            let bits = [p.p_up, p.p_flat, p.p_down, p.expected_move_bps].map(f32::to_bits);
            (p.origin_ts.as_i64(), p.horizon_ms, bits)
        });
        let others = self.others(book, own);
        let [bid_balance, ask_balance] = others.map_or([None, None], |o| o.1);
        QuoteInputs {
            best: (
                book.best_bid().map(|l| l.price.ticks()),
                book.best_ask().map(|l| l.price.ticks()),
            ),
            estimates: [self.sigma_bps(), self.kappa(), self.arrival_rate()].map(f64::to_bits),
            adverse: [
                (Side::Buy, QueuePlace::Front, bid_balance),
                (Side::Buy, QueuePlace::Behind, bid_balance),
                (Side::Sell, QueuePlace::Front, ask_balance),
                (Side::Sell, QueuePlace::Behind, ask_balance),
            ]
            .map(|(s, place, b)| self.adverse.adverse_bps(s, place, b).map(f64::to_bits)),
            inventory: *inventory,
            prediction: (status, terms),
            touch: others.map(|o| o.0),
            own: own.revision(),
        }
    }

    /// Forms the target quotes for `book` at `now`, `own` being our orders resting in it
    /// (left out of the touch that touch quoting joins, [`Touch::of_others`]).
    pub fn quote_at(
        &self,
        now: UnixNanos,
        book: &OrderBook,
        own: &WorkingOrders,
        inventory: &InventoryView,
        prediction: Option<&Prediction>,
    ) -> Result<Quote, QuoteError> {
        let p = self.params.values();
        let (Some(best_bid), Some(best_ask)) = (book.best_bid(), book.best_ask()) else {
            return Err(QuoteError::NoTwoSidedBook);
        };
        if let Some(spread_bps) = self.hollow_spread_bps(book) {
            return Err(QuoteError::HollowBook { spread_bps });
        }
        let (best_bid, best_ask) = (best_bid.price.ticks(), best_ask.price.ticks());
        let mid = (best_bid as f64 + best_ask as f64) / 2.0;
        let bps = mid * 1e-4;

        let sigma = self.sigma_bps();
        let kappa = self.kappa();
        let a = self.arrival_rate();
        let q = inventory.position_lots as f64 / p.base_size_lots as f64;
        let (inventory_skew_bps, base_half_spread_bps) = match p.model {
            QuoteModel::AvellanedaStoikov => {
                let m = AvellanedaStoikov::compute(q, p.gamma, sigma, p.horizon_secs, kappa);
                (m.reservation_offset_bps, m.half_spread_bps)
            }
            QuoteModel::Glft => {
                let m = Glft::compute(q, p.gamma, sigma, a, kappa);
                (m.reservation_offset_bps, m.half_spread_bps)
            }
        };
        let pred = PredictionSkew::evaluate(
            prediction,
            book.market(),
            now,
            p.skew_multiple,
            p.max_skew_bps,
        );
        let mut widen = 1.0 + p.vol_widen * (sigma / p.vol_ref_bps - 1.0).max(0.0);
        widen *= if pred.status.is_stale() {
            p.stale_widen
        } else {
            1.0 + p.entropy_widen * pred.entropy
        };
        let delta = base_half_spread_bps * widen;
        let r = inventory_skew_bps + pred.skew_bps;
        let mut bid_off = r - delta;
        let mut ask_off = r + delta;

        let growing = match inventory.position_lots {
            0 => None,
            x if x > 0 => Some(Side::Buy),
            _ => Some(Side::Sell),
        };
        let inventory_widened =
            growing.filter(|_| self.inventory_excessive(inventory, best_bid, best_ask));
        match inventory_widened {
            Some(Side::Buy) => bid_off -= p.inventory_widen_bps,
            Some(Side::Sell) => ask_off += p.inventory_widen_bps,
            None => {}
        }

        // The cap bounds every term, the inventory widening included, and holds on the tick
        // grid: rounding outwards never takes a quote past it.
        let max_off = p.max_quote_offset_bps;
        let (bid_off, ask_off) = (
            bid_off.clamp(-max_off, max_off),
            ask_off.clamp(-max_off, max_off),
        );
        let mut bid =
            to_ticks((mid + bid_off * bps).floor())?.max(to_ticks((mid - max_off * bps).ceil())?);
        let mut ask =
            to_ticks((mid + ask_off * bps).ceil())?.min(to_ticks((mid + max_off * bps).floor())?);
        let min_spread = to_ticks((p.min_spread_bps * bps).ceil())?.max(1);
        let width = ask.saturating_sub(bid);
        if width < min_spread {
            let short = min_spread - width;
            bid -= short / 2;
            ask += short - short / 2;
        }
        let others = self.others(book, own);
        let [bid_balance, ask_balance] = others.map_or([None, None], |o| o.1);
        // The side that reduces an inventory beyond `inventory_fraction`.
        let unwind = inventory_widened
            .filter(|_| p.unwind_at_touch)
            .map(Side::opposite);
        let (bid_touch, ask_touch) = if let Some((touch, _)) = others {
            let move_bps = if pred.status.is_stale() {
                0.0
            } else {
                prediction.map_or(0.0, |x| f64::from(x.expected_move_bps))
            };
            let at_touch = |side, model, balance| {
                let unwinding = unwind == Some(side);
                self.touch_price(side, model, touch, mid, move_bps, balance, unwinding)
            };
            let (b, bt) = at_touch(Side::Buy, bid, bid_balance);
            let (a, at) = at_touch(Side::Sell, ask, ask_balance);
            let (b, bt, a, at) = keep_min_spread(b, bt, bid, a, at, ask, p.min_spread_ticks);
            (bid, ask) = (b, a);
            (bt, at)
        } else {
            (TouchPlacement::Model, TouchPlacement::Model)
        };
        bid = bid.min(best_ask - 1);
        ask = ask.max(best_bid + 1);
        let (pull_bid, pull_ask) = match prediction.filter(|_| !pred.status.is_stale()) {
            Some(x) => (
                f64::from(x.p_down) > p.pull_probability,
                f64::from(x.p_up) > p.pull_probability,
            ),
            None => (false, false),
        };
        let bid_touch = if pull_bid {
            TouchPlacement::Pulled
        } else {
            bid_touch
        };
        let ask_touch = if pull_ask {
            TouchPlacement::Pulled
        } else {
            ask_touch
        };
        let spacing = to_ticks((p.level_spacing_bps * bps).round())?.max(1);

        let factor = (1.0
            - p.size_skew * inventory.position_lots.unsigned_abs() as f64
                / p.inventory_limit_lots as f64)
            .clamp(0.0, 1.0);
        let (bid_factor, ask_factor) = match growing {
            Some(Side::Buy) => (factor, 1.0),
            Some(Side::Sell) => (1.0, factor),
            None => (1.0, 1.0),
        };
        let mut target = QuoteTarget {
            bids: Vec::with_capacity(p.levels),
            asks: Vec::with_capacity(p.levels),
        };
        for i in 0..p.levels {
            let step = spacing.saturating_mul(i as i64);
            let ladder = 1.0 + p.size_ladder_growth * i as f64;
            if let Some(l) = self
                .level(bid.saturating_sub(step), ladder, bid_factor)
                .filter(|_| !pull_bid)
            {
                target.bids.push(l);
            }
            if let Some(l) = self
                .level(ask.saturating_add(step), ladder, ask_factor)
                .filter(|_| !pull_ask)
            {
                target.asks.push(l);
            }
        }

        Ok(Quote {
            target,
            diagnostics: QuoteDiagnostics {
                model: p.model,
                mid_ticks: mid,
                sigma_bps: sigma,
                kappa,
                a,
                gamma: p.gamma,
                horizon_secs: p.horizon_secs,
                q,
                inventory_skew_bps,
                prediction_skew_bps: pred.skew_bps,
                reservation_ticks: mid + r * bps,
                base_half_spread_bps,
                half_spread_bps: delta,
                entropy: pred.entropy,
                widen_multiplier: widen,
                prediction: pred.status,
                prediction_stale: pred.status.is_stale(),
                inventory_widened,
                bid_size_factor: bid_factor,
                ask_size_factor: ask_factor,
                bid_placement: bid_touch,
                ask_placement: ask_touch,
                bid_adverse_bps: self.adverse.adverse_bps(
                    Side::Buy,
                    bid_touch.queue_place(),
                    bid_balance,
                ),
                ask_adverse_bps: self.adverse.adverse_bps(
                    Side::Sell,
                    ask_touch.queue_place(),
                    ask_balance,
                ),
            },
        })
    }

    /// The first-level price of `side` with touch quoting, from the model's `model` price
    /// (ticks): with `join_touch`, the most aggressive of improving the others' touch (where
    /// their spread has room) and joining it whose fill edge is at least
    /// `touch_min_edge_bps`, if more aggressive than the model's; else, when `unwinding` an
    /// excess inventory, joining it whatever the edge; else the model's (also before the
    /// side's adverse move is estimated).
    #[allow(clippy::too_many_arguments)]
    fn touch_price(
        &self,
        side: Side,
        model: i64,
        touch: Touch,
        mid: f64,
        move_bps: f64,
        balance: Option<QueueBalance>,
        unwinding: bool,
    ) -> (i64, TouchPlacement) {
        let p = self.params.values();
        let (Some(bid), Some(ask)) = (touch.bid, touch.ask) else {
            return (model, TouchPlacement::Model);
        };
        let adverse = |place| {
            self.adverse
                .adverse_bps(side, place, balance)
                .filter(|_| p.join_touch)
        };
        let (join, improve) = match side {
            Side::Buy => (bid, bid + 1),
            Side::Sell => (ask, ask - 1),
        };
        let room = ask - bid >= 2;
        // Improving puts us alone at a new price; joining, behind the others' size there.
        let pays = |price: i64, adverse: Option<f64>| {
            adverse.is_some_and(|adverse| {
                fill_edge_bps(side, price, mid, move_bps, adverse, self.maker_fee_bps)
                    >= p.touch_min_edge_bps
            })
        };
        let better = |price: i64| match side {
            Side::Buy => price > model,
            Side::Sell => price < model,
        };
        if room && better(improve) && pays(improve, adverse(QueuePlace::Front)) {
            (improve, TouchPlacement::Improve)
        } else if better(join) && pays(join, adverse(QueuePlace::Behind)) {
            (join, TouchPlacement::Join)
        } else if unwinding && better(join) {
            (join, TouchPlacement::Unwind)
        } else {
            (model, TouchPlacement::Model)
        }
    }

    /// Whether the inventory's value at the mid exceeds `inventory_fraction` of the notional
    /// traded, computed exactly in tick×lot units.
    fn inventory_excessive(&self, inv: &InventoryView, best_bid: i64, best_ask: i64) -> bool {
        let units = i128::from(inv.position_lots)
            .abs()
            .saturating_mul(i128::from(best_bid) + i128::from(best_ask));
        let Ok(twice_value) = self.spec.quote_from_units(units) else {
            return true;
        };
        let allowed = inv
            .traded_notional
            .checked_mul(self.inventory_fraction)
            .and_then(|a| a.checked_mul(Decimal::TWO));
        match allowed {
            Some(a) => twice_value > a,
            None => false,
        }
    }

    /// One level at `price` (ticks) of `base × ladder × factor` lots, with the min-notional
    /// rule; `None` when it must be dropped.
    fn level(&self, price: i64, ladder: f64, factor: f64) -> Option<BookLevel> {
        if price <= 0 {
            return None;
        }
        let base = self.params.values().base_size_lots as f64;
        // `as` saturates: an absurd ladder cannot wrap around.
        let lots = (base * ladder * factor).floor() as i64;
        if lots <= 0 {
            return None;
        }
        let min_lots = i64::try_from(ceil_div(self.min_notional_units, i128::from(price))).ok()?;
        let lots = if lots >= min_lots {
            lots
        } else if factor < 1.0 {
            return None;
        } else {
            min_lots
        };
        Some(BookLevel::new(
            Price::from_ticks(price),
            Qty::from_lots(lots),
        ))
    }
}

/// `⌈a / b⌉` for `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b > 0 {
        q + 1
    } else {
        q
    }
}

/// A whole-tick float as `i64`, refusing non-finite values and ones near the `i64` edges.
fn to_ticks(x: f64) -> Result<i64, QuoteError> {
    const LIMIT: f64 = (1u64 << 62) as f64;
    if x.is_finite() && x.abs() < LIMIT {
        Ok(x as i64)
    } else {
        Err(QuoteError::PriceOutOfRange(x))
    }
}

/// Keeps `min_ticks` between the touch-placed bid and ask: an improvement that leaves too
/// little is taken back to joining, then a join back to the model's price, the bid first.
fn keep_min_spread(
    mut bid: i64,
    mut bid_at: TouchPlacement,
    model_bid: i64,
    mut ask: i64,
    mut ask_at: TouchPlacement,
    model_ask: i64,
    min_ticks: i64,
) -> (i64, TouchPlacement, i64, TouchPlacement) {
    let steps = [
        (Side::Buy, TouchPlacement::Improve),
        (Side::Sell, TouchPlacement::Improve),
        (Side::Buy, TouchPlacement::Join),
        (Side::Sell, TouchPlacement::Join),
    ];
    for (side, placement) in steps {
        if ask.saturating_sub(bid) >= min_ticks {
            break;
        }
        match side {
            Side::Buy if bid_at == placement => {
                (bid, bid_at) = match placement {
                    TouchPlacement::Improve => (bid - 1, TouchPlacement::Join),
                    _ => (model_bid, TouchPlacement::Model),
                };
            }
            Side::Sell if ask_at == placement => {
                (ask, ask_at) = match placement {
                    TouchPlacement::Improve => (ask + 1, TouchPlacement::Join),
                    _ => (model_ask, TouchPlacement::Model),
                };
            }
            _ => {}
        }
    }
    (bid, bid_at, ask, ask_at)
}
