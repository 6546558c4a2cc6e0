//! The service's metrics (all labelled by `market` unless stated).
//!
//! - `flashmm_execution_quotes_total`: quote orders placed.
//! - `flashmm_execution_cancels_total`: cancels sent.
//! - `flashmm_execution_paced_total`: cancels and places left for a later decision (the venue
//!   request budget, `--venue-requests-per-sec`, was spent).
//! - `flashmm_execution_fills_total`: fills booked.
//! - `flashmm_execution_cancels_per_fill` (gauge): churn, cancels over fills.
//! - `flashmm_execution_stale_prediction_total`: decisions quoted without a fresh prediction.
//! - `flashmm_execution_kill_switch` (gauge, no label): 1 while killed.
//! - `flashmm_execution_breaker_open` (gauge): 1 while the venue breaker is open.
//! - `flashmm_execution_inventory_ratio` (gauge): |position value| / notional traded.
//! - `flashmm_execution_decision_latency_seconds` (histogram): event in → order request out.
//! - `flashmm_execution_risk_violations_total{market,kind}`: violations found.
//! - `flashmm_execution_venue_errors_total{market,kind}`: venue rejects, timeouts, errors.
//! - `flashmm_execution_venue_disconnects_total` (no label): lost venue connections.
//! - `flashmm_execution_book_gaps_total`: book updates that did not apply.
//! - `flashmm_execution_commands_total{action}`: operator commands acted on.
//! - `flashmm_execution_redis_up` (gauge, no label): 0 while Redis does not answer (no
//!   quoting then).
//! - `flashmm_execution_redis_writes_dropped_total` (no label): writes not applied (Redis away
//!   or refusing; fills and the operator hold are held instead, up to a bound).
//! - `flashmm_execution_lost_acks_total`: placements whose answer was lost, looked up by client
//!   id before anything more is sent for their slot.
//! - `flashmm_execution_balance_mismatches_total` (no label): markets whose booked position
//!   disagreed with the venue's balance at a restart (execution starts paused then).
//! - `flashmm_execution_state_lost_total` (no label): Redis found without execution's state
//!   (execution pauses and writes it again).
//! - `flashmm_execution_pnl_usdc{kind}` (gauge, all markets, quote units): `realized`,
//!   `unrealized` (marked at mid), `fees` (paid minus rebates) and `net`.
//! - `flashmm_execution_daily_pnl_usdc` (gauge): net P&L since the UTC day began.
//! - `flashmm_execution_drawdown_usdc` (gauge): peak net P&L minus net P&L now.
//! - `flashmm_execution_drawdown_limit_usdc`, `flashmm_execution_daily_loss_limit_usdc`
//!   (gauges): `[risk] max_drawdown_usdc` and `daily_loss_limit_usdc`, for alerts near them.

/// Counter of quote orders placed.
pub const QUOTES_TOTAL: &str = "flashmm_execution_quotes_total";
/// Counter of cancels sent.
pub const CANCELS_TOTAL: &str = "flashmm_execution_cancels_total";
/// Cancels and places a decision left for a later one: the venue request budget was spent.
pub const PACED_TOTAL: &str = "flashmm_execution_paced_total";
/// Counter of fills booked.
pub const FILLS_TOTAL: &str = "flashmm_execution_fills_total";
/// Gauge: cancels per fill.
pub const CANCELS_PER_FILL: &str = "flashmm_execution_cancels_per_fill";
/// Counter of decisions without a fresh prediction.
pub const STALE_PREDICTION_TOTAL: &str = "flashmm_execution_stale_prediction_total";
/// Gauge: 1 while the kill switch holds.
pub const KILL_SWITCH: &str = "flashmm_execution_kill_switch";
/// Gauge: 1 while the breaker is open.
pub const BREAKER_OPEN: &str = "flashmm_execution_breaker_open";
/// Gauge: inventory over notional traded.
pub const INVENTORY_RATIO: &str = "flashmm_execution_inventory_ratio";
/// Histogram of decision latency, seconds.
pub const DECISION_LATENCY_SECONDS: &str = "flashmm_execution_decision_latency_seconds";
/// Counter of risk violations.
pub const RISK_VIOLATIONS_TOTAL: &str = "flashmm_execution_risk_violations_total";
/// Counter of venue errors.
pub const VENUE_ERRORS_TOTAL: &str = "flashmm_execution_venue_errors_total";
/// Counter of lost venue connections.
pub const VENUE_DISCONNECTS_TOTAL: &str = "flashmm_execution_venue_disconnects_total";
/// Counter of book updates that did not apply.
pub const BOOK_GAPS_TOTAL: &str = "flashmm_execution_book_gaps_total";
/// Counter of operator commands.
pub const COMMANDS_TOTAL: &str = "flashmm_execution_commands_total";
/// Gauge: P&L of every market together by `kind`, quote units.
pub const PNL_USDC: &str = "flashmm_execution_pnl_usdc";
/// Gauge: net P&L since the UTC day began.
pub const DAILY_PNL_USDC: &str = "flashmm_execution_daily_pnl_usdc";
/// Gauge: drawdown from the peak of net P&L.
pub const DRAWDOWN_USDC: &str = "flashmm_execution_drawdown_usdc";
/// Gauge: the drawdown limit.
pub const DRAWDOWN_LIMIT_USDC: &str = "flashmm_execution_drawdown_limit_usdc";
/// Gauge: the daily loss limit.
pub const DAILY_LOSS_LIMIT_USDC: &str = "flashmm_execution_daily_loss_limit_usdc";
/// Gauge: 1 while Redis answers the engine's probe.
pub const REDIS_UP: &str = "flashmm_execution_redis_up";
/// Counter of Redis writes dropped.
pub const REDIS_WRITES_DROPPED_TOTAL: &str = "flashmm_execution_redis_writes_dropped_total";
/// Placements whose answer was lost (`ack_dropped`, timeout), looked up by client id.
pub const LOST_ACKS_TOTAL: &str = "flashmm_execution_lost_acks_total";
/// Times Redis was found without execution's state (FLUSHALL, restart without data).
pub const STATE_LOST_TOTAL: &str = "flashmm_execution_state_lost_total";
/// Markets whose booked position disagreed with the venue's balances at a restart.
pub const BALANCE_MISMATCHES_TOTAL: &str = "flashmm_execution_balance_mismatches_total";
