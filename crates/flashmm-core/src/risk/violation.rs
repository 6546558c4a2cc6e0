//! The ways a risk limit can be broken.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A broken risk limit, with the values that broke it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RiskViolation {
    /// The order would take the absolute position value beyond the limit (orders that reduce
    /// the position are always allowed).
    #[error("position {projected} would exceed {limit}")]
    PositionLimit {
        /// The signed position value after the order.
        projected: Decimal,
        /// `max_position_quote`.
        limit: Decimal,
    },
    /// The order's notional is beyond the per-order limit.
    #[error("order notional {notional} exceeds {limit}")]
    OrderNotional {
        /// The order's notional.
        notional: Decimal,
        /// `max_order_notional`.
        limit: Decimal,
    },
    /// Another order would exceed the number of working orders allowed.
    #[error("{open} orders already open, limit {limit}")]
    OpenOrders {
        /// Orders working now.
        open: u32,
        /// `max_open_orders`.
        limit: u32,
    },
    /// The day's loss is beyond the daily limit.
    #[error("daily P&L {pnl} is beyond the loss limit {limit}")]
    DailyLoss {
        /// The day's P&L (negative when losing).
        pnl: Decimal,
        /// `daily_loss_limit`.
        limit: Decimal,
    },
    /// Equity has fallen from its peak by more than allowed.
    #[error("drawdown {drawdown} exceeds {limit}")]
    Drawdown {
        /// Peak equity minus current equity.
        drawdown: Decimal,
        /// `max_drawdown`.
        limit: Decimal,
    },
    /// Market data is older than allowed, or none has arrived.
    #[error("market data stale: age {age_ms:?} ms, limit {limit_ms} ms")]
    StaleData {
        /// Age of the latest market data in milliseconds, `None` when there is none.
        age_ms: Option<i64>,
        /// `stale_data_timeout_ms`.
        limit_ms: u64,
    },
    /// The order rate limit is used up.
    #[error("order rate limit of {limit_per_sec}/s reached")]
    OrderRate {
        /// `max_orders_per_sec`.
        limit_per_sec: u32,
    },
}

/// The kind of a [`RiskViolation`], without its values: what a [`RiskEvent`] carries.
///
/// [`RiskEvent`]: super::RiskEvent
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskViolationKind {
    /// See [`RiskViolation::PositionLimit`].
    PositionLimit,
    /// See [`RiskViolation::OrderNotional`].
    OrderNotional,
    /// See [`RiskViolation::OpenOrders`].
    OpenOrders,
    /// See [`RiskViolation::DailyLoss`].
    DailyLoss,
    /// See [`RiskViolation::Drawdown`].
    Drawdown,
    /// See [`RiskViolation::StaleData`].
    StaleData,
    /// See [`RiskViolation::OrderRate`].
    OrderRate,
}

impl RiskViolation {
    /// The violation's kind.
    pub fn kind(&self) -> RiskViolationKind {
        match self {
            RiskViolation::PositionLimit { .. } => RiskViolationKind::PositionLimit,
            RiskViolation::OrderNotional { .. } => RiskViolationKind::OrderNotional,
            RiskViolation::OpenOrders { .. } => RiskViolationKind::OpenOrders,
            RiskViolation::DailyLoss { .. } => RiskViolationKind::DailyLoss,
            RiskViolation::Drawdown { .. } => RiskViolationKind::Drawdown,
            RiskViolation::StaleData { .. } => RiskViolationKind::StaleData,
            RiskViolation::OrderRate { .. } => RiskViolationKind::OrderRate,
        }
    }
}
