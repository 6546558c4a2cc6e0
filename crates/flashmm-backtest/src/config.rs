//! [`BacktestConfig`]: every setting of a run.

use flashmm_core::risk::{GuardLimits, RiskLimits};
use flashmm_core::signal::FlatRateConfig;
use flashmm_core::strategy::QuoteParams;
use flashmm_core::time::UnixNanos;
use flashmm_features::FeatureConfig;
use flashmm_trading::pacer::{DEFAULT_REQUESTS_PER_SEC, DEFAULT_REQUEST_BURST};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::BacktestError;
use crate::fees::FeeSchedule;
use crate::latency::Latency;
use crate::queue::CancelModel;
use crate::strategy::{Quoting, RequestBudget};

/// The settings of one backtest run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestConfig {
    /// Seed of every random draw (latency jitter): the same seed gives the same run.
    pub seed: u64,
    /// Market data from the venue to the strategy.
    pub feed_latency: Latency,
    /// Orders and cancels from the strategy to the venue; the venue's reports take as long
    /// back.
    pub order_latency: Latency,
    /// Where cancellations stand relative to our queue position.
    pub cancel_model: CancelModel,
    /// Maker and taker fee rates.
    pub fees: FeeSchedule,
    /// Whether orders that would cross on arrival are refused (else they take liquidity).
    pub post_only: bool,
    /// The quoting parameters (sized from notionals at the first mid, as live, or given whole).
    pub quote: Quoting,
    /// The venue request budget the decisions are paced to, as live.
    pub budget: RequestBudget,
    /// The risk limits.
    pub risk: RiskLimits,
    /// The risk guards (price band, extreme-move kill switch, global notional, breaker).
    pub guards: GuardLimits,
    /// The feature engine's configuration (must match the model's schema).
    pub features: FeatureConfig,
    /// Most feature vectors (and so predictions) per second, as the feature service.
    pub feature_rate_hz: f64,
    /// The flat rate the scored predictions feed (ML strategy), as inference's `[model]`.
    pub flat_rate: FlatRateConfig,
    /// The strategy sees data before this time (warm-up: book, features, estimators) but
    /// only quotes, and the report only counts, from it on. `None`: from the start.
    pub trade_from: Option<UnixNanos>,
    /// Markout horizons after each fill, in milliseconds.
    pub markout_horizons_ms: Vec<u64>,
    /// Interval of the equity samples (drawdown, chart), in milliseconds.
    pub sample_interval_ms: u64,
}

impl BacktestConfig {
    /// The defaults for `fees`: 5 ms feed latency and 10 ms order latency (each with 20 %
    /// jitter), proportional cancellations, post-only orders, default quoting, features at
    /// 50 Hz, the default flat rate, markouts at 1 s, 10 s and 60 s, equity sampled each
    /// second, `risk` and the execution service's default guards
    /// ([`BacktestConfig::default_guards`]).
    pub fn new(fees: FeeSchedule, risk: RiskLimits) -> Self {
        BacktestConfig {
            seed: 0,
            feed_latency: Latency::from_ms(5.0, 1.0),
            order_latency: Latency::from_ms(10.0, 2.0),
            cancel_model: CancelModel::Proportional,
            fees,
            post_only: true,
            quote: Quoting::Fixed(QuoteParams::default()),
            budget: RequestBudget {
                per_sec: DEFAULT_REQUESTS_PER_SEC,
                burst: DEFAULT_REQUEST_BURST,
            },
            risk,
            guards: Self::default_guards(),
            features: FeatureConfig::default(),
            feature_rate_hz: 50.0,
            flat_rate: FlatRateConfig::default(),
            trade_from: None,
            markout_horizons_ms: vec![1_000, 10_000, 60_000],
            sample_interval_ms: 1_000,
        }
    }

    /// [`BacktestConfig::new`] with risk limits and guards that never bind on their own: for
    /// tests and benches of the mechanics.
    pub fn unlimited(fees: FeeSchedule) -> Self {
        let mut config = Self::new(fees, Self::unlimited_risk());
        config.guards = Self::unlimited_guards();
        config
    }

    /// Risk limits loose enough never to bind on their own.
    fn unlimited_risk() -> RiskLimits {
        let big = Decimal::from(1_000_000_000u64);
        RiskLimits {
            max_position_quote: big,
            max_order_notional: big,
            max_open_orders: 1_000,
            daily_loss_limit: big,
            max_drawdown: big,
            stale_data_timeout_ms: u64::MAX / 4,
            max_orders_per_sec: 1_000_000,
        }
    }

    /// The `execution` service's default guards ([`GuardLimits::default`]: price band,
    /// global notional, extreme-move kill switch, drift floor on the live hit rate, breaker),
    /// with market data stamped up to 10 s ahead of the recording's receive clock (live: 1 s).
    /// The drift floor applies to the hit rate of the run's own model
    /// ([`crate::Strategy`] scores its predictions as inference does).
    pub fn default_guards() -> GuardLimits {
        GuardLimits {
            // A recording's receive times are its capture host's clock, which may sit behind
            // the venue's event times (the Binance captures of ../shared/data by about 1.3 s):
            // a host's clock offset is no question a backtest of the strategy answers.
            max_clock_skew_ms: 10_000,
            ..GuardLimits::default()
        }
    }

    /// Guards that never bind.
    fn unlimited_guards() -> GuardLimits {
        GuardLimits {
            price_band_bps: Decimal::from(1_000_000),
            global_max_notional: Decimal::from(1_000_000_000u64),
            extreme_move_sigmas: 1e12,
            extreme_move_window_ms: 1_000,
            extreme_move_min_bps: 1e12,
            drift_min_samples: u64::MAX,
            ..Self::default_guards()
        }
    }

    /// Checks the values the run depends on; names the first bad field.
    pub fn validate(&self) -> Result<(), BacktestError> {
        let bad = |field, value: String, expected| {
            Err(BacktestError::Config {
                field,
                value,
                expected,
            })
        };
        for (field, l) in [
            ("feed_latency", self.feed_latency),
            ("order_latency", self.order_latency),
        ] {
            if l.base_ns < 0 || l.jitter_ns < 0 {
                return bad(field, format!("{l:?}"), "base and jitter >= 0");
            }
        }
        if !(self.feature_rate_hz.is_finite() && self.feature_rate_hz > 0.0) {
            return bad(
                "feature_rate_hz",
                self.feature_rate_hz.to_string(),
                "a finite number > 0",
            );
        }
        if self.sample_interval_ms == 0 {
            return bad("sample_interval_ms", "0".into(), ">= 1");
        }
        if self.markout_horizons_ms.contains(&0) {
            return bad(
                "markout_horizons_ms",
                format!("{:?}", self.markout_horizons_ms),
                "horizons >= 1 ms",
            );
        }
        self.features.validate()?;
        Ok(())
    }
}
