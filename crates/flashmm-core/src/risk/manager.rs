//! [`MarketRisk`]: every check one market's orders pass, in one place, with the stateful
//! parts (order rate bucket, venue circuit breaker, extreme-move detector).

use super::{
    check, check_drift, check_guards, check_state, BreakerState, CircuitBreaker,
    ExtremeMoveDetector, GuardLimits, GuardedOrder, OrderRateLimiter, ProposedOrder, RiskLimits,
    RiskState, RiskViolation,
};
use crate::time::UnixNanos;
use rust_decimal::Decimal;

/// One market's risk manager. Pure: time comes in as arguments.
#[derive(Debug, Clone)]
pub struct MarketRisk {
    limits: RiskLimits,
    guards: GuardLimits,
    rate: OrderRateLimiter,
    breaker: CircuitBreaker,
    extreme: ExtremeMoveDetector,
}

impl MarketRisk {
    /// A manager with a full order bucket and a closed breaker.
    pub fn new(limits: RiskLimits, guards: GuardLimits, now: UnixNanos) -> Self {
        MarketRisk {
            rate: OrderRateLimiter::new(limits.max_orders_per_sec, now),
            breaker: CircuitBreaker::new(guards.breaker),
            extreme: ExtremeMoveDetector::new(
                guards.extreme_move_sigmas,
                guards.extreme_move_window_ms,
                guards.extreme_move_min_bps,
            ),
            limits,
            guards,
        }
    }

    /// The per-market limits.
    pub fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    /// The guard settings.
    pub fn guards(&self) -> &GuardLimits {
        &self.guards
    }

    /// Orders the bucket allows at `now`.
    pub fn order_tokens(&self, now: UnixNanos) -> u32 {
        self.rate.available(now)
    }

    /// Feeds a new mid (ticks) of a book `spread` ticks wide, with σ of one-second returns
    /// (bps); an extreme move is returned as a violation (kill switch). A mid whose book's
    /// half-spread alone is beyond the extreme-move floor is left out: a spread blowing out
    /// (one side swept for a moment) moves the mid by half its width, which is no price move.
    pub fn on_mid(
        &mut self,
        now: UnixNanos,
        mid: f64,
        spread: f64,
        sigma_bps: f64,
    ) -> Option<RiskViolation> {
        if spread / mid * 1e4 / 2.0 > self.extreme.min_bps() {
            return None;
        }
        let m = self.extreme.observe(now, mid, sigma_bps)?;
        let dec = |x: f64| Decimal::from_f64_retain(x).unwrap_or_default().round_dp(2);
        Some(RiskViolation::ExtremeMove {
            move_bps: dec(m.move_bps),
            threshold_bps: dec(m.threshold_bps),
        })
    }

    /// Forgets the mid history (after a resync).
    pub fn reset_mids(&mut self) {
        self.extreme.reset();
    }

    /// The standing violations: daily loss, drawdown, stale data, and model drift from the
    /// live hit rate over `samples` outcomes.
    pub fn standing(
        &self,
        state: &RiskState,
        hit_rate: Option<f64>,
        samples: u64,
    ) -> Vec<RiskViolation> {
        let mut v = check_state(&self.limits, state).err().unwrap_or_default();
        v.extend(check_drift(&self.guards, hit_rate, samples));
        v
    }

    /// Checks one order against every limit and guard and the breaker; on success takes an
    /// order token. `state.order_tokens` is filled in from the bucket.
    pub fn check_order(
        &mut self,
        state: &RiskState,
        order: &GuardedOrder<'_>,
    ) -> Result<(), Vec<RiskViolation>> {
        let now = state.now;
        let state = RiskState {
            order_tokens: self.rate.available(now),
            ..state.clone()
        };
        let proposed = ProposedOrder::new(order.spec, order.side, order.price, order.qty);
        let mut v = match proposed {
            Ok(p) => check(&self.limits, &state, &p).err().unwrap_or_default(),
            Err(_) => vec![RiskViolation::OrderNotional {
                notional: Decimal::MAX,
                limit: self.limits.max_order_notional,
            }],
        };
        v.extend(check_guards(&self.guards, order));
        if let BreakerState::Open { until } = self.breaker.state(now) {
            v.push(RiskViolation::CircuitOpen { until });
        }
        if v.is_empty() && self.rate.try_acquire(now) {
            return Ok(());
        }
        if v.is_empty() {
            v.push(RiskViolation::OrderRate {
                limit_per_sec: self.limits.max_orders_per_sec,
            });
        }
        Err(v)
    }

    /// Records a venue reject or timeout; returns `true` when it opened the breaker.
    pub fn venue_failure(&mut self, now: UnixNanos) -> bool {
        self.breaker.record_failure(now)
    }

    /// Records an accepted venue request.
    pub fn venue_success(&mut self, now: UnixNanos) {
        self.breaker.record_success(now);
    }

    /// The breaker's state at `now`.
    pub fn breaker(&self, now: UnixNanos) -> BreakerState {
        self.breaker.state(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{MarketSpec, Side};
    use crate::risk::fixture::{guard_limits, guarded_order, kinds};
    use crate::risk::{BreakerConfig, RiskViolationKind as K};

    use crate::time::NANOS_PER_MILLI as MS;

    fn spec() -> MarketSpec {
        crate::market::fixture::sei_usdc()
    }

    fn manager() -> MarketRisk {
        MarketRisk::new(
            RiskLimits {
                max_position_quote: Decimal::from(2_000),
                max_order_notional: Decimal::from(500),
                max_open_orders: 12,
                daily_loss_limit: Decimal::from(200),
                max_drawdown: Decimal::from(300),
                stale_data_timeout_ms: 2_000,
                max_orders_per_sec: 2,
            },
            GuardLimits {
                breaker: BreakerConfig {
                    threshold: 2,
                    ..guard_limits().breaker
                },
                ..guard_limits()
            },
            UnixNanos(0),
        )
    }

    fn state(now: i64) -> RiskState {
        RiskState {
            position_notional: Decimal::ZERO,
            open_orders: 0,
            resting_buy_notional: Decimal::ZERO,
            resting_sell_notional: Decimal::ZERO,
            daily_pnl: Decimal::ZERO,
            equity_peak: Decimal::ZERO,
            equity: Decimal::ZERO,
            market_data_age_ms: Some(0),
            order_tokens: 0,
            now: UnixNanos(now),
        }
    }

    fn order(spec: &MarketSpec) -> GuardedOrder<'_> {
        guarded_order(spec, Side::Buy, 39_990)
    }

    #[test]
    fn token_bucket_and_breaker_refuse_orders() {
        let (s, mut m) = (spec(), manager());
        assert_eq!(m.check_order(&state(0), &order(&s)), Ok(()));
        assert_eq!(m.check_order(&state(0), &order(&s)), Ok(()));
        assert_eq!(
            kinds(m.check_order(&state(0), &order(&s))),
            vec![K::OrderRate]
        );
        assert_eq!(m.check_order(&state(500 * MS), &order(&s)), Ok(()));
        assert!(!m.venue_failure(UnixNanos(600 * MS)));
        assert!(m.venue_failure(UnixNanos(700 * MS)));
        assert_eq!(
            kinds(m.check_order(&state(1_200 * MS), &order(&s))),
            vec![K::CircuitOpen]
        );
        assert_eq!(m.check_order(&state(1_700 * MS), &order(&s)), Ok(()));
        m.venue_success(UnixNanos(1_700 * MS));
        assert_eq!(m.breaker(UnixNanos(1_700 * MS)), BreakerState::Closed);
    }

    #[test]
    fn standing_violations_and_extreme_move() {
        let m0 = manager();
        assert!(m0.standing(&state(0), Some(0.6), 1_000).is_empty());
        let losing = RiskState {
            daily_pnl: Decimal::from(-201),
            ..state(0)
        };
        let kinds: Vec<K> = m0
            .standing(&losing, Some(0.3), 1_000)
            .iter()
            .map(RiskViolation::kind)
            .collect();
        assert_eq!(kinds, vec![K::DailyLoss, K::ModelDrift]);
        let mut m = manager();
        assert!(m.on_mid(UnixNanos(0), 40_000.0, 2.0, 2.0).is_none());
        // The asks swept 200 ticks out for a moment: half the spread is 25 bps, beyond the
        // 20 bps floor, so the mid is no move.
        assert!(m.on_mid(UnixNanos(50 * MS), 40_100.0, 202.0, 2.0).is_none());
        let v = m.on_mid(UnixNanos(100 * MS), 40_100.0, 2.0, 2.0).unwrap();
        assert_eq!(v.kind(), K::ExtremeMove);
    }
}
