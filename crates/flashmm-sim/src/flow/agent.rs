//! The agent that sends the synthetic flow to an engine.

use super::{FlowAction, FlowError, FlowParams, LatentPrice};
use crate::account::{AccountId, Ledger};
use crate::matching::{MatchingEngine, OrderEvent, OrderId, OrderRequest, TimeInForce};
use flashmm_core::market::{Price, Qty, Side};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Geometric};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

const NANOS_PER_S: f64 = flashmm_core::time::NANOS_PER_SEC as f64;

/// The background flow of one market, trading through two accounts of its own: a maker
/// account for limit orders and a taker account for market orders, so self-trade prevention
/// never cancels the flow's own liquidity when it takes.
///
/// Simulated time is in nanoseconds. The agent draws its next event time from the Poisson
/// process; the caller interleaves participants' requests by calling
/// [`FlowAgent::run_until`] with the time of each request before handling it.
#[derive(Debug, Clone)]
pub struct FlowAgent {
    params: FlowParams,
    rng: ChaCha8Rng,
    latent: LatentPrice,
    maker: AccountId,
    taker: AccountId,
    live: Vec<OrderId>,
    now_ns: i64,
    next_ns: i64,
    tick: f64,
    lot: f64,
    distance: Geometric,
    limit_size: Exp<f64>,
    market_size: Exp<f64>,
}

impl FlowAgent {
    /// An agent for `engine`'s market starting at `start_ns`, funding `maker` and `taker`
    /// with ample balances (a tenth of [`Ledger::MAX_BALANCE`] of each asset).
    pub fn new(
        params: FlowParams,
        seed: u64,
        maker: AccountId,
        taker: AccountId,
        engine: &MatchingEngine,
        ledger: &mut Ledger,
        start_ns: i64,
    ) -> Result<Self, FlowError> {
        params.validate()?;
        let ample = Ledger::MAX_BALANCE / Decimal::TEN;
        for account in [maker, taker] {
            ledger.deposit(account, engine.base_asset(), ample)?;
            ledger.deposit(account, engine.quote_asset(), ample)?;
        }
        let spec = engine.spec();
        let invalid = |field, reason| FlowError::Invalid { field, reason };
        let distance = Geometric::new(1.0 / (1.0 + params.distance_mean_ticks))
            .map_err(|_| invalid("distance_mean_ticks", "is out of range"))?;
        let limit_size = Exp::new(1.0 / params.limit_size_mean)
            .map_err(|_| invalid("limit_size_mean", "is out of range"))?;
        let market_size = Exp::new(1.0 / params.market_size_mean)
            .map_err(|_| invalid("market_size_mean", "is out of range"))?;
        let mut agent = FlowAgent {
            latent: LatentPrice::new(
                params.initial_price,
                params.volatility,
                params.impact,
                params.imbalance_half_life_s,
            ),
            rng: ChaCha8Rng::seed_from_u64(seed),
            maker,
            taker,
            live: Vec::new(),
            now_ns: start_ns,
            next_ns: start_ns,
            tick: spec.tick_size().to_f64().unwrap_or(1.0),
            lot: spec.lot_size().to_f64().unwrap_or(1.0),
            distance,
            limit_size,
            market_size,
            params,
        };
        agent.next_ns = agent.draw_next(start_ns);
        Ok(agent)
    }

    /// The latent fair price now.
    pub fn latent(&self) -> &LatentPrice {
        &self.latent
    }

    /// The simulated time of the last event, in nanoseconds.
    pub fn now_ns(&self) -> i64 {
        self.now_ns
    }

    /// When the next event will happen, in nanoseconds.
    pub fn next_event_ns(&self) -> i64 {
        self.next_ns
    }

    /// Performs the next event and advances the clock to it. The engine's
    /// [`last_report`](MatchingEngine::last_report) holds what it caused.
    pub fn step(&mut self, engine: &mut MatchingEngine, ledger: &mut Ledger) -> FlowAction {
        let dt = (self.next_ns - self.now_ns) as f64 / NANOS_PER_S;
        self.latent.advance(dt, &mut self.rng);
        self.now_ns = self.next_ns;
        let limit_rate = self.params.limit_rate;
        let market_rate = self.params.market_rate;
        let total = limit_rate + market_rate + self.cancel_total();
        let u = self.rng.random::<f64>() * total;
        let action = if u < limit_rate {
            self.limit(engine, ledger)
        } else if u < limit_rate + market_rate {
            self.market(engine, ledger)
        } else {
            self.cancel(engine, ledger)
        };
        self.next_ns = self.draw_next(self.now_ns);
        action
    }

    /// Performs every event due up to and including `until_ns`, handing each action and the
    /// engine's report of it to `on_event`.
    pub fn run_until(
        &mut self,
        until_ns: i64,
        engine: &mut MatchingEngine,
        ledger: &mut Ledger,
        mut on_event: impl FnMut(i64, FlowAction, &crate::matching::Report),
    ) {
        while self.next_ns <= until_ns {
            let action = self.step(engine, ledger);
            on_event(self.now_ns, action, engine.last_report());
        }
    }

    fn cancel_total(&self) -> f64 {
        self.params.cancel_rate * self.live.len() as f64
    }

    fn draw_next(&mut self, from_ns: i64) -> i64 {
        let rate = self.params.limit_rate + self.params.market_rate + self.cancel_total();
        let u: f64 = self.rng.random();
        let dt_s = -(1.0 - u).ln() / rate;
        from_ns.saturating_add((dt_s * NANOS_PER_S).ceil() as i64)
    }

    fn latent_ticks(&self) -> f64 {
        self.latent.price() / self.tick
    }

    /// Lots for a size in base units: at least one lot and at least the minimum notional.
    fn lots(&self, size: f64, price: Price, engine: &MatchingEngine) -> Qty {
        let lots = (size / self.lot).round().max(1.0) as i64;
        let spec = engine.spec();
        let min = spec
            .notional(price, Qty::from_lots(1))
            .ok()
            .and_then(|one| spec.min_notional().checked_div(one))
            .and_then(|m| m.ceil().to_i64())
            .unwrap_or(1);
        Qty::from_lots(lots.max(min))
    }

    fn limit(&mut self, engine: &mut MatchingEngine, ledger: &mut Ledger) -> FlowAction {
        let side = if self.rng.random::<bool>() {
            Side::Buy
        } else {
            Side::Sell
        };
        let d = self.distance.sample(&mut self.rng) as i64;
        let center = self.latent_ticks();
        let ticks = match side {
            Side::Buy => center.floor() as i64 - d,
            Side::Sell => center.ceil() as i64 + d,
        };
        let price = Price::from_ticks(ticks.max(1));
        let size = self.limit_size.sample(&mut self.rng);
        let qty = self.lots(size, price, engine);
        let report = engine.place(
            ledger,
            OrderRequest {
                account: self.maker,
                side,
                price,
                qty,
                tif: TimeInForce::Gtc,
            },
        );
        if let Some(id) = report.events.iter().find_map(|e| match e {
            OrderEvent::Accepted { order, .. } => Some(*order),
            _ => None,
        }) {
            if engine.order(id).is_some() {
                self.live.push(id);
            }
        }
        FlowAction::Limit { side, price, qty }
    }

    fn market(&mut self, engine: &mut MatchingEngine, ledger: &mut Ledger) -> FlowAction {
        let center = self.latent_ticks();
        let mid = match (engine.best_bid(), engine.best_ask()) {
            (Some(b), Some(a)) => (b.price.ticks() + a.price.ticks()) as f64 / 2.0,
            _ => center,
        };
        let p_buy = 1.0 / (1.0 + (-self.params.informed * (center - mid)).exp());
        let side = if self.rng.random::<f64>() < p_buy {
            Side::Buy
        } else {
            Side::Sell
        };
        let sweep = self.params.max_sweep_ticks;
        let ticks = match side {
            Side::Buy => center.ceil() as i64 + sweep,
            Side::Sell => center.floor() as i64 - sweep,
        };
        let price = Price::from_ticks(ticks.max(1));
        let size = self.market_size.sample(&mut self.rng);
        let qty = self.lots(size, price, engine);
        let report = engine.place(
            ledger,
            OrderRequest {
                account: self.taker,
                side,
                price,
                qty,
                tif: TimeInForce::Ioc,
            },
        );
        let traded: i64 = report.trades.iter().map(|t| t.qty.lots()).sum();
        let signed = (side.sign() * traded) as f64 * self.lot / self.params.market_size_mean;
        self.latent.record_flow(signed);
        FlowAction::Market { side, price, qty }
    }

    fn cancel(&mut self, engine: &mut MatchingEngine, ledger: &mut Ledger) -> FlowAction {
        while !self.live.is_empty() {
            let i = self.rng.random_range(0..self.live.len());
            let id = self.live.swap_remove(i);
            if engine.order(id).is_some_and(|o| o.account == self.maker) {
                engine.cancel(ledger, self.maker, id);
                return FlowAction::Cancel { order: id };
            }
        }
        FlowAction::Idle
    }
}
