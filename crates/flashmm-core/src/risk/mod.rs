//! Pre-trade and standing risk: the configured [`RiskLimits`] and [`GuardLimits`], the
//! [`RiskState`] they are checked against, the [`OrderRateLimiter`] token bucket, the venue
//! [`CircuitBreaker`], the [`ExtremeMoveDetector`], model drift ([`check_drift`]), the
//! per-order guards ([`check_guards`]: price band, self-trade, min notional, global
//! exposure), the market data clock-skew guard ([`check_clock_skew`]), the [`KillSwitch`] and
//! its [`TradingMode`], [`MarketRisk`] which combines them for one market, the typed
//! [`RiskViolation`]s with the [`RiskAction`] each calls for, and the [`RiskEvent`] message
//! that reports them.
//!
//! Market data freshness is its age on the local monotonic clock since it was received
//! ([`RiskState::market_data_age_ms`]), never the venue's timestamp, which a wrong clock sets;
//! the position limit is checked on the worst case, resting orders on the order's side
//! filled too ([`check`]).
//!
//! Everything here is pure: time comes in as arguments, so live trading and replays decide
//! identically.

mod breaker;
mod check;
mod drift;
mod event;
mod extreme_move;
#[cfg(test)]
mod fixture;
mod guards;
mod inventory_ratio;
mod limits;
mod manager;
mod mode;
mod rate;
mod state;
mod violation;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker};
pub use check::{check, check_state, ProposedOrder};
pub use drift::check_drift;
pub use event::RiskEvent;
pub use extreme_move::{ExtremeMove, ExtremeMoveDetector};
pub use guards::{check_clock_skew, check_guards, GuardLimits, GuardedOrder};
pub use inventory_ratio::inventory_ratio;
pub use limits::RiskLimits;
pub use manager::MarketRisk;
pub use mode::{KillSwitch, TradingMode};
pub use rate::OrderRateLimiter;
pub use state::RiskState;
pub use violation::{RiskAction, RiskViolation, RiskViolationKind};
