//! [`GuardLimits`] and the per-order guards beyond [`RiskLimits`](super::RiskLimits): price
//! band around the mid, self-trade prevention, minimum notional and the global exposure limit;
//! and the clock-skew guard on market data timestamps ([`check_clock_skew`]).

use super::{BreakerConfig, RiskViolation};
use crate::market::{MarketSpec, Price, Qty, Side};
use crate::time::UnixNanos;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The guards' settings (money in quote currency).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardLimits {
    /// No order further than this from the mid, in bps.
    pub price_band_bps: Decimal,
    /// Largest sum of absolute position values over every market.
    pub global_max_notional: Decimal,
    /// A mid move beyond this many σ of one-second returns within the window trips the kill
    /// switch.
    pub extreme_move_sigmas: f64,
    /// The extreme-move window, ms.
    pub extreme_move_window_ms: u64,
    /// No move of this many bps or less is extreme, whatever σ.
    pub extreme_move_min_bps: f64,
    /// The model's live hit rate below this trips the kill switch.
    pub drift_hit_rate_floor: f64,
    /// Outcomes the hit rate must cover before the floor applies.
    pub drift_min_samples: u64,
    /// The venue circuit breaker.
    pub breaker: BreakerConfig,
    /// Market data stamped more than this far ahead of the local clock is refused, ms.
    pub max_clock_skew_ms: u64,
}

impl Default for GuardLimits {
    /// The execution service's defaults (its flags and `EXEC_*` variables override them; the
    /// backtester runs with them too): a 200 bps price band, 3000 of global notional, an
    /// extreme move of 5 σ (and more than 30 bps) within 1 s, a hit rate under 0.40 over at
    /// least 200 outcomes, the breaker after 5 failures in 2 s (backing off 2 s doubling to
    /// 60 s), market data up to 1 s ahead of the local clock.
    fn default() -> Self {
        GuardLimits {
            price_band_bps: Decimal::from(200),
            global_max_notional: Decimal::from(3_000),
            extreme_move_sigmas: 5.0,
            extreme_move_window_ms: 1_000,
            extreme_move_min_bps: 30.0,
            drift_hit_rate_floor: 0.40,
            drift_min_samples: 200,
            breaker: BreakerConfig {
                threshold: 5,
                window_ms: 2_000,
                backoff_ms: 2_000,
                max_backoff_ms: 60_000,
            },
            max_clock_skew_ms: 1_000,
        }
    }
}

/// An order about to be sent, with what the guards compare it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardedOrder<'a> {
    /// The market's spec.
    pub spec: &'a MarketSpec,
    /// The order's side.
    pub side: Side,
    /// Its limit price.
    pub price: Price,
    /// Its size.
    pub qty: Qty,
    /// Best bid plus best ask, in ticks (twice the mid, so the band check is exact).
    pub mid_x2_ticks: i64,
    /// Our best resting price on the other side (our lowest ask for a buy, our highest bid
    /// for a sell), if any.
    pub own_opposite: Option<Price>,
    /// This market's signed position value now.
    pub position_notional: Decimal,
    /// The sum of absolute position values over every market now, this one included.
    pub global_exposure: Decimal,
}

/// The clock-skew guard: a market data event whose venue timestamp `ts` is more than
/// `max_clock_skew_ms` ahead of the local clock's `now` is to be refused. Timestamps behind
/// `now` pass: how old data is counts by when it was received, not by its stamp.
pub fn check_clock_skew(
    limits: &GuardLimits,
    ts: UnixNanos,
    now: UnixNanos,
) -> Option<RiskViolation> {
    let ahead_ns = ts.as_i64().saturating_sub(now.as_i64());
    let limit_ns = i64::try_from(limits.max_clock_skew_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    (ahead_ns > limit_ns).then_some(RiskViolation::ClockSkew {
        ahead_ms: ahead_ns / 1_000_000,
        limit_ms: limits.max_clock_skew_ms,
    })
}

/// Every guard the order breaks (empty when it passes).
pub fn check_guards(limits: &GuardLimits, o: &GuardedOrder<'_>) -> Vec<RiskViolation> {
    let mut v = Vec::new();
    if o.mid_x2_ticks > 0 {
        let off = (2 * i128::from(o.price.ticks()) - i128::from(o.mid_x2_ticks)).abs();
        let bps = Decimal::try_from_i128_with_scale(off.saturating_mul(10_000), 0)
            .ok()
            .and_then(|n| n.checked_div(Decimal::from(o.mid_x2_ticks)));
        match bps {
            Some(bps) if bps <= limits.price_band_bps => {}
            other => v.push(RiskViolation::PriceBand {
                price: o.price,
                distance_bps: other.unwrap_or(Decimal::MAX).round_dp(2),
                limit_bps: limits.price_band_bps,
            }),
        }
    }
    if let Some(own) = o.own_opposite {
        let crosses = match o.side {
            Side::Buy => o.price >= own,
            Side::Sell => o.price <= own,
        };
        if crosses {
            v.push(RiskViolation::SelfTrade {
                price: o.price,
                own,
            });
        }
    }
    match o.spec.notional(o.price, o.qty) {
        Ok(notional) => {
            if notional < o.spec.min_notional() {
                v.push(RiskViolation::MinNotional {
                    notional,
                    min: o.spec.min_notional(),
                });
            }
            let signed = match o.side {
                Side::Buy => notional,
                Side::Sell => -notional,
            };
            let after = o.position_notional.saturating_add(signed).abs();
            let projected = o
                .global_exposure
                .saturating_sub(o.position_notional.abs())
                .saturating_add(after);
            if projected > limits.global_max_notional && projected > o.global_exposure {
                v.push(RiskViolation::GlobalNotional {
                    projected,
                    limit: limits.global_max_notional,
                });
            }
        }
        Err(_) => v.push(RiskViolation::OrderNotional {
            notional: Decimal::MAX,
            limit: Decimal::ZERO,
        }),
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixture::{guard_limits as limits, guarded_order as order};
    use crate::risk::RiskViolationKind as K;

    fn spec() -> MarketSpec {
        crate::market::fixture::sei_usdc()
    }

    fn kinds(v: Vec<RiskViolation>) -> Vec<K> {
        v.iter().map(RiskViolation::kind).collect()
    }

    #[test]
    fn passes_inside_every_guard() {
        let s = spec();
        assert!(check_guards(&limits(), &order(&s, Side::Buy, 39_999)).is_empty());
        // Exactly on the band edge (100 bps of 4.0 = 400 ticks) passes.
        assert!(check_guards(&limits(), &order(&s, Side::Sell, 40_400)).is_empty());
    }

    #[test]
    fn each_guard_trips() {
        let (s, l) = (spec(), limits());
        assert_eq!(
            kinds(check_guards(&l, &order(&s, Side::Buy, 39_599))),
            vec![K::PriceBand]
        );
        let st = GuardedOrder {
            own_opposite: Some(Price::from_ticks(39_999)),
            ..order(&s, Side::Buy, 39_999)
        };
        assert_eq!(kinds(check_guards(&l, &st)), vec![K::SelfTrade]);
        let ok = GuardedOrder {
            own_opposite: Some(Price::from_ticks(40_000)),
            ..order(&s, Side::Buy, 39_999)
        };
        assert!(check_guards(&l, &ok).is_empty());
        let tiny = GuardedOrder {
            qty: Qty::from_lots(2),
            ..order(&s, Side::Buy, 39_999)
        };
        assert_eq!(kinds(check_guards(&l, &tiny)), vec![K::MinNotional]);
        let global = GuardedOrder {
            position_notional: Decimal::from(1_000),
            global_exposure: Decimal::from(2_990),
            ..order(&s, Side::Buy, 40_000)
        };
        assert_eq!(kinds(check_guards(&l, &global)), vec![K::GlobalNotional]);
        // Reducing exposure is always allowed, even beyond the limit.
        let reduce = GuardedOrder {
            side: Side::Sell,
            global_exposure: Decimal::from(5_000),
            ..global
        };
        assert!(check_guards(&l, &reduce).is_empty());
    }

    #[test]
    fn a_timestamp_beyond_the_skew_bound_is_refused() {
        let l = limits();
        let now = UnixNanos(10_000_000_000);
        let at = |ms: i64| UnixNanos(now.as_i64() + ms * 1_000_000);
        assert_eq!(check_clock_skew(&l, at(0), now), None);
        assert_eq!(check_clock_skew(&l, at(1_000), now), None, "at the bound");
        // Old stamps pass: age is judged by receive time.
        assert_eq!(check_clock_skew(&l, at(-3_600_000), now), None);
        assert_eq!(
            check_clock_skew(&l, at(3_600_000), now),
            Some(RiskViolation::ClockSkew {
                ahead_ms: 3_600_000,
                limit_ms: 1_000
            })
        );
        assert_eq!(
            check_clock_skew(&l, UnixNanos(i64::MAX), UnixNanos(i64::MIN)).map(|v| v.kind()),
            Some(K::ClockSkew)
        );
    }
}
