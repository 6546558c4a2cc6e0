//! Limits, orders and helpers shared by the risk module's unit tests.

use super::{BreakerConfig, GuardLimits, GuardedOrder, RiskViolation, RiskViolationKind};
use crate::market::{MarketSpec, Price, Qty, Side};
use rust_decimal::Decimal;

/// Guards with a 100 bps band, 3,000 global notional, drift floor 0.45 over 100 outcomes and a
/// breaker tripping on 5 failures a second.
pub(crate) fn guard_limits() -> GuardLimits {
    GuardLimits {
        price_band_bps: Decimal::from(100),
        global_max_notional: Decimal::from(3_000),
        extreme_move_sigmas: 5.0,
        extreme_move_window_ms: 1_000,
        extreme_move_min_bps: 20.0,
        drift_hit_rate_floor: 0.45,
        drift_min_samples: 100,
        breaker: BreakerConfig {
            threshold: 5,
            window_ms: 1_000,
            backoff_ms: 1_000,
            max_backoff_ms: 30_000,
        },
        max_clock_skew_ms: 1_000,
    }
}

/// An order of 100 lots on `side` at `price` ticks, mid 80,000 half-ticks, no position.
pub(crate) fn guarded_order(spec: &MarketSpec, side: Side, price: i64) -> GuardedOrder<'_> {
    GuardedOrder {
        spec,
        side,
        price: Price::from_ticks(price),
        qty: Qty::from_lots(100),
        mid_x2_ticks: 80_000,
        own_opposite: None,
        position_notional: Decimal::ZERO,
        global_exposure: Decimal::ZERO,
    }
}

/// The kinds of the violations of a refused check; empty when it passed.
pub(crate) fn kinds(r: Result<(), Vec<RiskViolation>>) -> Vec<RiskViolationKind> {
    r.err()
        .unwrap_or_default()
        .iter()
        .map(RiskViolation::kind)
        .collect()
}
