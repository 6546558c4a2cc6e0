//! The service's settings beyond `config/flashmm.toml`: guard limits, breaker, flatten and
//! key loading, as command-line flags with environment overrides.

use clap::Args;
use flashmm_core::risk::{BreakerConfig, GuardLimits};
use rust_decimal::Decimal;
use std::path::PathBuf;

/// Execution's own flags (each has an `EXEC_*` environment override).
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// No order further than this from the mid, bps.
    #[arg(long, env = "EXEC_PRICE_BAND_BPS", default_value_t = GuardLimits::default().price_band_bps)]
    pub price_band_bps: Decimal,
    /// Largest sum of absolute position values over every market, quote currency.
    #[arg(long, env = "EXEC_GLOBAL_MAX_NOTIONAL", default_value_t = GuardLimits::default().global_max_notional)]
    pub global_max_notional: Decimal,
    /// Extreme move: this many σ of one-second returns within the window trips the kill switch.
    #[arg(long, env = "EXEC_EXTREME_MOVE_SIGMAS", default_value_t = GuardLimits::default().extreme_move_sigmas)]
    pub extreme_move_sigmas: f64,
    /// The extreme-move window, ms.
    #[arg(long, env = "EXEC_EXTREME_MOVE_WINDOW_MS", default_value_t = GuardLimits::default().extreme_move_window_ms)]
    pub extreme_move_window_ms: u64,
    /// No move of this many bps or less counts as extreme, whatever σ.
    #[arg(long, env = "EXEC_EXTREME_MOVE_MIN_BPS", default_value_t = GuardLimits::default().extreme_move_min_bps)]
    pub extreme_move_min_bps: f64,
    /// The model's live hit rate below this (published by inference) trips the kill switch.
    #[arg(long, env = "EXEC_DRIFT_HIT_RATE_FLOOR", default_value_t = GuardLimits::default().drift_hit_rate_floor)]
    pub drift_hit_rate_floor: f64,
    /// Outcomes the hit rate must cover before the floor applies.
    #[arg(long, env = "EXEC_DRIFT_MIN_SAMPLES", default_value_t = GuardLimits::default().drift_min_samples)]
    pub drift_min_samples: u64,
    /// Venue rejects or timeouts within the window that open the circuit breaker.
    #[arg(long, env = "EXEC_BREAKER_THRESHOLD", default_value_t = GuardLimits::default().breaker.threshold)]
    pub breaker_threshold: u32,
    /// The breaker's counting window, ms.
    #[arg(long, env = "EXEC_BREAKER_WINDOW_MS", default_value_t = GuardLimits::default().breaker.window_ms)]
    pub breaker_window_ms: u64,
    /// The breaker's first backoff, ms (doubles while failures go on).
    #[arg(long, env = "EXEC_BREAKER_BACKOFF_MS", default_value_t = GuardLimits::default().breaker.backoff_ms)]
    pub breaker_backoff_ms: u64,
    /// The breaker's longest backoff, ms.
    #[arg(long, env = "EXEC_BREAKER_MAX_BACKOFF_MS", default_value_t = GuardLimits::default().breaker.max_backoff_ms)]
    pub breaker_max_backoff_ms: u64,
    /// Flatten with aggressive (IOC, within the price band) orders when passive ones have not
    /// closed the position after `flatten_passive_ms`.
    #[arg(long, env = "EXEC_FLATTEN_AGGRESSIVE", default_value_t = false)]
    pub flatten_aggressive: bool,
    /// How long flatten rests passive orders before going aggressive, ms.
    #[arg(long, env = "EXEC_FLATTEN_PASSIVE_MS", default_value_t = 5000)]
    pub flatten_passive_ms: u64,
    /// Venue requests a second for the trading key, shared by every market: the venue's
    /// budget for a key (the simulator's `--rate-per-sec`, 20) less room for other clients of
    /// the key (operator tools). Quotes and cancels beyond it wait for a later decision.
    #[arg(long, env = "EXEC_VENUE_REQUESTS_PER_SEC", default_value_t = flashmm_trading::pacer::DEFAULT_REQUESTS_PER_SEC)]
    pub venue_requests_per_sec: u32,
    /// Venue requests that may go at once after a quiet spell (the simulator's
    /// `--rate-capacity` is 50).
    #[arg(long, env = "EXEC_VENUE_REQUEST_BURST", default_value_t = flashmm_trading::pacer::DEFAULT_REQUEST_BURST)]
    pub venue_request_burst: u32,
    /// Market data stamped more than this far ahead of the local clock is refused (not
    /// applied, not counted as fresh; reported as a `clock_skew` risk event), ms. Freshness
    /// itself is judged by local receive time.
    #[arg(long, env = "EXEC_MAX_CLOCK_SKEW_MS", default_value_t = GuardLimits::default().max_clock_skew_ms)]
    pub max_clock_skew_ms: u64,
    /// The encrypted keystore of the trading key (default: `venue.key_file`,
    /// `TRADING_KEY_FILE`), opened with `ENCRYPTION_KEY` or the file named by
    /// `ENCRYPTION_KEY_FILE`; used when `TRADING_PRIVATE_KEY` is empty.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
}

impl ExecArgs {
    /// The guard limits.
    pub fn guards(&self) -> GuardLimits {
        GuardLimits {
            price_band_bps: self.price_band_bps,
            global_max_notional: self.global_max_notional,
            extreme_move_sigmas: self.extreme_move_sigmas,
            extreme_move_window_ms: self.extreme_move_window_ms,
            extreme_move_min_bps: self.extreme_move_min_bps,
            drift_hit_rate_floor: self.drift_hit_rate_floor,
            drift_min_samples: self.drift_min_samples,
            breaker: BreakerConfig {
                threshold: self.breaker_threshold,
                window_ms: self.breaker_window_ms,
                backoff_ms: self.breaker_backoff_ms,
                max_backoff_ms: self.breaker_max_backoff_ms,
            },
            max_clock_skew_ms: self.max_clock_skew_ms,
        }
    }
}
