//! The account and market state that risk limits are checked against.

use crate::time::UnixNanos;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A snapshot of what the limits constrain, taken by the caller at `now`. Money is in quote
/// currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    /// Signed position value at the mark: positive long, negative short.
    pub position_notional: Decimal,
    /// Orders currently working.
    pub open_orders: u32,
    /// P&L since the start of the trading day, net of fees.
    pub daily_pnl: Decimal,
    /// The highest equity seen.
    pub equity_peak: Decimal,
    /// Equity now.
    pub equity: Decimal,
    /// Venue timestamp of the latest market data, `None` before any arrived.
    pub last_market_data: Option<UnixNanos>,
    /// Orders the rate limiter allows now ([`OrderRateLimiter::available`]).
    ///
    /// [`OrderRateLimiter::available`]: super::OrderRateLimiter::available
    pub order_tokens: u32,
    /// The time of the snapshot.
    pub now: UnixNanos,
}
