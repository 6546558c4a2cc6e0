//! The ways a risk limit can be broken.

use crate::market::Price;
use crate::time::UnixNanos;
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
    /// The order's price lies further from the mid than the price band allows.
    #[error("price {price} is {distance_bps} bps from the mid, band {limit_bps} bps")]
    PriceBand {
        /// The order's price.
        price: Price,
        /// Its distance from the mid, bps.
        distance_bps: Decimal,
        /// The band, bps.
        limit_bps: Decimal,
    },
    /// The order would trade against one of our own resting orders.
    #[error("price {price} would cross our own resting order at {own}")]
    SelfTrade {
        /// The order's price.
        price: Price,
        /// Our best resting price on the other side.
        own: Price,
    },
    /// The order's notional is under the market's minimum.
    #[error("order notional {notional} is under the minimum {min}")]
    MinNotional {
        /// The order's notional.
        notional: Decimal,
        /// The market's minimum notional.
        min: Decimal,
    },
    /// The order would take the sum of absolute position values over all markets beyond the
    /// global limit.
    #[error("global exposure {projected} would exceed {limit}")]
    GlobalNotional {
        /// The absolute exposure over all markets after the order.
        projected: Decimal,
        /// The global limit.
        limit: Decimal,
    },
    /// The mid moved more than k σ within the detection window.
    #[error("mid moved {move_bps} bps, beyond {threshold_bps} bps")]
    ExtremeMove {
        /// The move, bps.
        move_bps: Decimal,
        /// `sigmas × σ`, bps.
        threshold_bps: Decimal,
    },
    /// The model's live hit rate fell below the floor.
    #[error("model hit rate {hit_rate} below the floor {floor}")]
    ModelDrift {
        /// The rolling hit rate.
        hit_rate: Decimal,
        /// The configured floor.
        floor: Decimal,
    },
    /// The book has a sequence gap (or could not be applied) until a snapshot arrives.
    #[error("book gap: {detail}")]
    BookGap {
        /// What was wrong.
        detail: String,
    },
    /// The venue circuit breaker is open after repeated rejects or timeouts.
    #[error("venue circuit breaker open until {until}")]
    CircuitOpen {
        /// When order entry is tried again.
        until: UnixNanos,
    },
    /// A market data event stamped further in the future than the clock skew allowed: it is
    /// refused (not applied to the book, not counted as market data), as a timestamp from a
    /// wrong clock must not stand for fresh data.
    #[error("market data stamped {ahead_ms} ms ahead of the local clock, limit {limit_ms} ms")]
    ClockSkew {
        /// How far the event's venue timestamp is ahead of the local clock, ms.
        ahead_ms: i64,
        /// The largest skew allowed, ms.
        limit_ms: u64,
    },
    /// The venue connection (order and fill events) is down.
    #[error("venue disconnected: {reason}")]
    Disconnected {
        /// Why.
        reason: String,
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
    /// See [`RiskViolation::PriceBand`].
    PriceBand,
    /// See [`RiskViolation::SelfTrade`].
    SelfTrade,
    /// See [`RiskViolation::MinNotional`].
    MinNotional,
    /// See [`RiskViolation::GlobalNotional`].
    GlobalNotional,
    /// See [`RiskViolation::ExtremeMove`].
    ExtremeMove,
    /// See [`RiskViolation::ModelDrift`].
    ModelDrift,
    /// See [`RiskViolation::BookGap`].
    BookGap,
    /// See [`RiskViolation::CircuitOpen`].
    CircuitOpen,
    /// See [`RiskViolation::ClockSkew`].
    ClockSkew,
    /// See [`RiskViolation::Disconnected`].
    Disconnected,
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
            RiskViolation::PriceBand { .. } => RiskViolationKind::PriceBand,
            RiskViolation::SelfTrade { .. } => RiskViolationKind::SelfTrade,
            RiskViolation::MinNotional { .. } => RiskViolationKind::MinNotional,
            RiskViolation::GlobalNotional { .. } => RiskViolationKind::GlobalNotional,
            RiskViolation::ExtremeMove { .. } => RiskViolationKind::ExtremeMove,
            RiskViolation::ModelDrift { .. } => RiskViolationKind::ModelDrift,
            RiskViolation::BookGap { .. } => RiskViolationKind::BookGap,
            RiskViolation::CircuitOpen { .. } => RiskViolationKind::CircuitOpen,
            RiskViolation::ClockSkew { .. } => RiskViolationKind::ClockSkew,
            RiskViolation::Disconnected { .. } => RiskViolationKind::Disconnected,
        }
    }
}

/// What execution does about a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskAction {
    /// Refuse the one order (or, for [`RiskViolationKind::ClockSkew`], the one market data
    /// event); quoting goes on.
    RefuseOrder,
    /// Cancel every order of the market at once and quote again when the condition clears.
    CancelAll,
    /// Trip the kill switch: cancel all, stop quoting until an operator resumes.
    KillSwitch,
}

impl RiskViolationKind {
    /// What execution does when this limit trips.
    pub fn action(self) -> RiskAction {
        use RiskViolationKind as K;
        match self {
            K::DailyLoss | K::Drawdown | K::ExtremeMove | K::ModelDrift => RiskAction::KillSwitch,
            K::StaleData | K::BookGap | K::Disconnected => RiskAction::CancelAll,
            K::PositionLimit
            | K::OrderNotional
            | K::OpenOrders
            | K::OrderRate
            | K::PriceBand
            | K::SelfTrade
            | K::MinNotional
            | K::GlobalNotional
            | K::CircuitOpen
            | K::ClockSkew => RiskAction::RefuseOrder,
        }
    }

    /// The kind's wire name, e.g. `position_limit`.
    pub fn as_str(self) -> &'static str {
        use RiskViolationKind as K;
        match self {
            K::PositionLimit => "position_limit",
            K::OrderNotional => "order_notional",
            K::OpenOrders => "open_orders",
            K::DailyLoss => "daily_loss",
            K::Drawdown => "drawdown",
            K::StaleData => "stale_data",
            K::OrderRate => "order_rate",
            K::PriceBand => "price_band",
            K::SelfTrade => "self_trade",
            K::MinNotional => "min_notional",
            K::GlobalNotional => "global_notional",
            K::ExtremeMove => "extreme_move",
            K::ModelDrift => "model_drift",
            K::BookGap => "book_gap",
            K::CircuitOpen => "circuit_open",
            K::ClockSkew => "clock_skew",
            K::Disconnected => "disconnected",
        }
    }
}
