//! The configured risk limits.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Risk limits. Each is the largest value allowed; a value beyond it is a violation. Money is
/// in quote currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskLimits {
    /// Largest absolute position value, at the mark.
    pub max_position_quote: Decimal,
    /// Largest notional of a single order.
    pub max_order_notional: Decimal,
    /// Most orders working at once.
    pub max_open_orders: u32,
    /// Largest loss allowed over the trading day, as a positive amount.
    pub daily_loss_limit: Decimal,
    /// Largest fall of equity from its peak, as a positive amount.
    pub max_drawdown: Decimal,
    /// Oldest market data, in milliseconds, that quotes may be based on.
    pub stale_data_timeout_ms: u64,
    /// Most new orders per second (also the burst size of the rate limiter).
    pub max_orders_per_sec: u32,
}
