//! Pre-trade risk: the configured [`RiskLimits`], the [`RiskState`] they are checked against,
//! the [`OrderRateLimiter`] token bucket, the typed [`RiskViolation`]s that [`check`] and
//! [`check_state`] return, and the [`RiskEvent`] message that reports them.
//!
//! Everything here is pure: time comes in as arguments, so live trading and replays decide
//! identically.

mod check;
mod event;
mod limits;
mod rate;
mod state;
mod violation;

pub use check::{check, check_state, ProposedOrder};
pub use event::RiskEvent;
pub use limits::RiskLimits;
pub use rate::OrderRateLimiter;
pub use state::RiskState;
pub use violation::{RiskViolation, RiskViolationKind};
