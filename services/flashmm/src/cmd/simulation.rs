//! The simulated venue's settings that `flashmm backtest` and `flashmm tune` share: latency
//! and its jitter, fees, the cancellation model, post-only, and the jitter's seed.

use anyhow::bail;
use flashmm_backtest::{BacktestConfig, CancelModel, FeeSchedule, Latency};
use flashmm_core::market::MarketSpec;
use rust_decimal::Decimal;

/// Command-line settings of the simulated venue (flattened into each command's own).
#[derive(Debug, clap::Args)]
pub struct SimulationArgs {
    /// Seed of the latency jitter: the same seed gives the same run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Market data latency from the venue to the strategy, ms.
    #[arg(long, default_value_t = 5.0)]
    pub feed_latency_ms: f64,
    /// Order latency (and venue report latency back), ms.
    #[arg(long, default_value_t = 10.0)]
    pub order_latency_ms: f64,
    /// Uniform jitter added to each latency, as a fraction of it.
    #[arg(long, default_value_t = 0.2)]
    pub jitter: f64,
    /// Maker fee rate (negative: rebate), e.g. -0.0001; default: the market spec's.
    #[arg(long, allow_hyphen_values = true)]
    pub maker_fee: Option<Decimal>,
    /// Taker fee rate, e.g. 0.0005; default: the market spec's.
    #[arg(long, allow_hyphen_values = true)]
    pub taker_fee: Option<Decimal>,
    /// Share of cancellations assumed in front of our orders: proportional, front or back.
    #[arg(long, default_value = "proportional", value_parser = parse_cancel_model)]
    pub cancel_model: CancelModel,
    /// Let orders that would cross take liquidity (taker fee) instead of being refused.
    #[arg(long)]
    pub allow_taker: bool,
}

fn parse_cancel_model(s: &str) -> Result<CancelModel, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("expected proportional, front or back, got {s:?}"))
}

impl SimulationArgs {
    /// Refuses a latency or jitter that is negative or not a number.
    pub fn check(&self) -> anyhow::Result<()> {
        for (name, v) in [
            ("--feed-latency-ms", self.feed_latency_ms),
            ("--order-latency-ms", self.order_latency_ms),
            ("--jitter", self.jitter),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("{name} must be a non-negative number, got {v}");
            }
        }
        Ok(())
    }

    /// The fees of `spec`'s market: the given rates, else the spec's own.
    pub fn fees(&self, spec: &MarketSpec) -> FeeSchedule {
        FeeSchedule {
            maker_rate: self.maker_fee.unwrap_or(spec.maker_fee_rate()),
            taker_rate: self.taker_fee.unwrap_or(spec.taker_fee_rate()),
        }
    }

    /// Sets the seed, latencies, cancellation model and post-only of `bt`.
    pub fn apply(&self, bt: &mut BacktestConfig) {
        bt.seed = self.seed;
        bt.feed_latency =
            Latency::from_ms(self.feed_latency_ms, self.feed_latency_ms * self.jitter);
        bt.order_latency =
            Latency::from_ms(self.order_latency_ms, self.order_latency_ms * self.jitter);
        bt.cancel_model = self.cancel_model;
        bt.post_only = !self.allow_taker;
    }
}
