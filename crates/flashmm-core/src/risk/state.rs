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
    /// Notional of our live buy orders' remaining size at their limit prices (cancels in
    /// flight included: they may still fill), non-negative.
    pub resting_buy_notional: Decimal,
    /// Notional of our live sell orders' remaining size at their limit prices (cancels in
    /// flight included), non-negative.
    pub resting_sell_notional: Decimal,
    /// P&L since the start of the trading day, net of fees.
    pub daily_pnl: Decimal,
    /// The highest equity seen.
    pub equity_peak: Decimal,
    /// Equity now.
    pub equity: Decimal,
    /// How long ago the latest market data was received, in milliseconds of the local
    /// monotonic clock (never the venue's timestamps, which a far or wrong clock sets);
    /// `None` before any arrived.
    pub market_data_age_ms: Option<u64>,
    /// Orders the rate limiter allows now ([`OrderRateLimiter::available`]).
    ///
    /// [`OrderRateLimiter::available`]: super::OrderRateLimiter::available
    pub order_tokens: u32,
    /// The time of the snapshot.
    pub now: UnixNanos,
}
