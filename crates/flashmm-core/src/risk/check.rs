//! The pre-trade and standing risk checks.

use super::{RiskLimits, RiskState, RiskViolation};
use crate::market::{ConversionError, MarketSpec, Price, Qty, Side};
use rust_decimal::Decimal;

/// An order about to be sent, as risk sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposedOrder {
    /// The order's side.
    pub side: Side,
    /// Its notional in quote currency (non-negative).
    pub notional: Decimal,
}

impl ProposedOrder {
    /// The proposal for `qty` at `price` in the market of `spec`.
    pub fn new(
        spec: &MarketSpec,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Result<Self, ConversionError> {
        Ok(ProposedOrder {
            side,
            notional: spec.notional(price, qty)?,
        })
    }
}

/// Checks the limits that hold with or without a new order: daily loss, drawdown and market
/// data freshness (by how long ago it was received here, see
/// [`RiskState::market_data_age_ms`]). Any violation means quoting should stop.
pub fn check_state(limits: &RiskLimits, state: &RiskState) -> Result<(), Vec<RiskViolation>> {
    into_result(state_violations(limits, state))
}

/// Checks a new order against every limit; returns all the violations, not just the first.
/// The position limit is checked on the worst case: the position plus every resting order on
/// the order's side ([`RiskState::resting_buy_notional`], [`RiskState::resting_sell_notional`])
/// plus the order, all filled. An order whose worst case is no further from flat than the
/// position now is always allowed (it reduces the position).
pub fn check(
    limits: &RiskLimits,
    state: &RiskState,
    order: &ProposedOrder,
) -> Result<(), Vec<RiskViolation>> {
    let mut v = state_violations(limits, state);
    if order.notional > limits.max_order_notional {
        v.push(RiskViolation::OrderNotional {
            notional: order.notional,
            limit: limits.max_order_notional,
        });
    }
    // The worst case: every resting order on the order's side fills, and the order too.
    let signed = match order.side {
        Side::Buy => state.resting_buy_notional.saturating_add(order.notional),
        Side::Sell => -state.resting_sell_notional.saturating_add(order.notional),
    };
    let now = state.position_notional;
    let projected = now.saturating_add(signed);
    if projected.abs() > limits.max_position_quote && projected.abs() > now.abs() {
        v.push(RiskViolation::PositionLimit {
            projected,
            limit: limits.max_position_quote,
        });
    }
    if state.open_orders >= limits.max_open_orders {
        v.push(RiskViolation::OpenOrders {
            open: state.open_orders,
            limit: limits.max_open_orders,
        });
    }
    if state.order_tokens == 0 {
        v.push(RiskViolation::OrderRate {
            limit_per_sec: limits.max_orders_per_sec,
        });
    }
    into_result(v)
}

fn state_violations(limits: &RiskLimits, state: &RiskState) -> Vec<RiskViolation> {
    let mut v = Vec::new();
    if state.daily_pnl < -limits.daily_loss_limit {
        v.push(RiskViolation::DailyLoss {
            pnl: state.daily_pnl,
            limit: limits.daily_loss_limit,
        });
    }
    let drawdown = state.equity_peak.saturating_sub(state.equity);
    if drawdown > limits.max_drawdown {
        v.push(RiskViolation::Drawdown {
            drawdown,
            limit: limits.max_drawdown,
        });
    }
    let stale = match state.market_data_age_ms {
        None => true,
        Some(age) => age > limits.stale_data_timeout_ms,
    };
    if stale {
        v.push(RiskViolation::StaleData {
            age_ms: state
                .market_data_age_ms
                .map(|a| i64::try_from(a).unwrap_or(i64::MAX)),
            limit_ms: limits.stale_data_timeout_ms,
        });
    }
    v
}

fn into_result(v: Vec<RiskViolation>) -> Result<(), Vec<RiskViolation>> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixture::kinds;
    use crate::risk::RiskViolationKind as K;
    use crate::time::UnixNanos;

    fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn limits() -> RiskLimits {
        RiskLimits {
            max_position_quote: dec(1_000),
            max_order_notional: dec(100),
            max_open_orders: 4,
            daily_loss_limit: dec(50),
            max_drawdown: dec(80),
            stale_data_timeout_ms: 500,
            max_orders_per_sec: 10,
        }
    }

    fn state() -> RiskState {
        RiskState {
            position_notional: dec(950),
            open_orders: 3,
            resting_buy_notional: dec(0),
            resting_sell_notional: dec(0),
            daily_pnl: dec(-50),
            equity_peak: dec(10_080),
            equity: dec(10_000),
            market_data_age_ms: Some(500),
            order_tokens: 1,
            now: UnixNanos(1_500_000_000),
        }
    }

    fn buy(n: i64) -> ProposedOrder {
        ProposedOrder {
            side: Side::Buy,
            notional: dec(n),
        }
    }

    #[test]
    fn at_every_limit_passes() {
        assert_eq!(check(&limits(), &state(), &buy(50)), Ok(()));
        assert_eq!(check_state(&limits(), &state()), Ok(()));
    }

    #[test]
    fn each_limit_trips() {
        let (l, s) = (limits(), state());
        let cases: [(RiskState, ProposedOrder, K); 7] = [
            (s.clone(), buy(51), K::PositionLimit),
            (
                RiskState {
                    position_notional: dec(0),
                    ..s.clone()
                },
                buy(101),
                K::OrderNotional,
            ),
            (
                RiskState {
                    open_orders: 4,
                    ..s.clone()
                },
                buy(1),
                K::OpenOrders,
            ),
            (
                RiskState {
                    daily_pnl: dec(-51),
                    ..s.clone()
                },
                buy(1),
                K::DailyLoss,
            ),
            (
                RiskState {
                    equity: dec(9_999),
                    ..s.clone()
                },
                buy(1),
                K::Drawdown,
            ),
            (
                RiskState {
                    market_data_age_ms: Some(501),
                    ..s.clone()
                },
                buy(1),
                K::StaleData,
            ),
            (
                RiskState {
                    order_tokens: 0,
                    ..s.clone()
                },
                buy(1),
                K::OrderRate,
            ),
        ];
        for (state, order, kind) in cases {
            assert_eq!(kinds(check(&l, &state, &order)), vec![kind]);
        }
        let none = RiskState {
            market_data_age_ms: None,
            ..s
        };
        assert_eq!(
            check_state(&l, &none),
            Err(vec![RiskViolation::StaleData {
                age_ms: None,
                limit_ms: 500
            }])
        );
    }

    #[test]
    fn reducing_orders_pass_position_limit_and_all_violations_reported() {
        let (l, s) = (limits(), state());
        let over = RiskState {
            position_notional: dec(1_500),
            ..s.clone()
        };
        let sell = ProposedOrder {
            side: Side::Sell,
            notional: dec(100),
        };
        assert_eq!(check(&l, &over, &sell), Ok(()));
        assert_eq!(kinds(check(&l, &over, &buy(1))), vec![K::PositionLimit]);
        let bad = RiskState {
            open_orders: 9,
            order_tokens: 0,
            daily_pnl: dec(-60),
            ..over
        };
        assert_eq!(
            kinds(check(&l, &bad, &buy(200))),
            vec![
                K::DailyLoss,
                K::OrderNotional,
                K::PositionLimit,
                K::OpenOrders,
                K::OrderRate
            ]
        );
    }

    #[test]
    fn the_position_limit_counts_resting_orders_on_the_same_side() {
        let l = limits();
        // Long 950 with 40 of bids resting: a buy of 50 could take the position to 1 040.
        let s = RiskState {
            resting_buy_notional: dec(40),
            resting_sell_notional: dec(500),
            ..state()
        };
        assert_eq!(
            check(&l, &s, &buy(50)),
            Err(vec![RiskViolation::PositionLimit {
                projected: dec(1_040),
                limit: dec(1_000),
            }])
        );
        // At the limit exactly passes; the resting asks do not offset the bids' worst case.
        assert_eq!(check(&l, &s, &buy(10)), Ok(()));
        // A flat book with bids resting up to the limit: one more bid is refused.
        let flat = RiskState {
            position_notional: dec(0),
            resting_buy_notional: dec(950),
            ..state()
        };
        assert_eq!(kinds(check(&l, &flat, &buy(51))), vec![K::PositionLimit]);
        assert_eq!(check(&l, &flat, &buy(50)), Ok(()));
        // Short beyond the limit: a sell grows it and is refused, a buy reduces it and passes,
        // unless the bids resting with it would flip the position beyond the limit.
        let short = RiskState {
            position_notional: dec(-1_500),
            resting_sell_notional: dec(0),
            ..state()
        };
        let sell = |n| ProposedOrder {
            side: Side::Sell,
            notional: dec(n),
        };
        assert_eq!(kinds(check(&l, &short, &sell(1))), vec![K::PositionLimit]);
        assert_eq!(check(&l, &short, &buy(100)), Ok(()));
        let flipping = RiskState {
            resting_buy_notional: dec(2_950),
            ..short
        };
        assert_eq!(
            kinds(check(&l, &flipping, &buy(100))),
            vec![K::PositionLimit]
        );
    }

    #[test]
    fn staleness_is_the_local_receive_age_alone() {
        let l = limits();
        // Whatever `now` says (a venue clock far ahead or behind played no part in the age).
        for now in [i64::MIN, 0, i64::MAX] {
            let fresh = RiskState {
                now: UnixNanos(now),
                market_data_age_ms: Some(500),
                ..state()
            };
            assert_eq!(check_state(&l, &fresh), Ok(()));
            let stale = RiskState {
                market_data_age_ms: Some(3_600_000),
                ..fresh
            };
            assert_eq!(
                check_state(&l, &stale),
                Err(vec![RiskViolation::StaleData {
                    age_ms: Some(3_600_000),
                    limit_ms: 500
                }])
            );
        }
    }
}
