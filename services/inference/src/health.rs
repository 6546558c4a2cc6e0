//! The `{ns}:state:model` hash: per-market model health and the live hit rate, read by
//! execution (no healthy model: quote without skew) and the API.
//!
//! Fields, `{mkt}` in stream form (`SEI-USDC`):
//! - `healthy:{mkt}`: `1` while a model serves the market, `0` otherwise;
//! - `model_id:{mkt}`: the model serving (empty when none);
//! - `error:{mkt}`: why no model serves, or the last failed reload (empty when none);
//! - `updated_ts:{mkt}`: UTC ns of the last health change;
//! - `hit_rate:{mkt}`, `hit_rate_n:{mkt}`, `scored:{mkt}`, `hit_rate_ts:{mkt}`: the rolling
//!   direction hit rate, the non-flat outcomes it covers, the predictions scored so far and
//!   when it was written.

use flashmm_bus::{Bus, BusError, StateKey};
use flashmm_core::time::UnixNanos;
use metrics::gauge;

use crate::telemetry;

/// The state hash name under the namespace.
pub const STATE_NAME: &str = "model";

/// Writes one market's fields of `{ns}:state:model`.
#[derive(Debug, Clone)]
pub struct HealthWriter {
    key: StateKey,
    mkt: String,
}

impl HealthWriter {
    /// A writer for market `mkt` (stream form) into `key`.
    pub fn new(key: StateKey, mkt: &str) -> Self {
        HealthWriter {
            key,
            mkt: mkt.to_owned(),
        }
    }

    fn field(&self, name: &str) -> String {
        format!("{name}:{}", self.mkt)
    }

    /// A model serves the market.
    pub async fn healthy<B: Bus>(
        &self,
        bus: &B,
        model_id: &str,
        ts: UnixNanos,
    ) -> Result<(), BusError> {
        gauge!(telemetry::MODEL_HEALTHY, "market" => self.mkt.clone()).set(1.0);
        bus.set_state(
            &self.key,
            &[
                (self.field("healthy"), "1".to_owned()),
                (self.field("model_id"), model_id.to_owned()),
                (self.field("error"), String::new()),
                (self.field("updated_ts"), ts.to_string()),
            ],
        )
        .await
    }

    /// No model serves the market, for `error`.
    pub async fn unhealthy<B: Bus>(
        &self,
        bus: &B,
        error: &str,
        ts: UnixNanos,
    ) -> Result<(), BusError> {
        gauge!(telemetry::MODEL_HEALTHY, "market" => self.mkt.clone()).set(0.0);
        bus.set_state(
            &self.key,
            &[
                (self.field("healthy"), "0".to_owned()),
                (self.field("model_id"), String::new()),
                (self.field("error"), error.to_owned()),
                (self.field("updated_ts"), ts.to_string()),
            ],
        )
        .await
    }

    /// A reload failed; the previous model keeps serving.
    pub async fn reload_failed<B: Bus>(&self, bus: &B, error: &str) -> Result<(), BusError> {
        bus.set_state(&self.key, &[(self.field("error"), error.to_owned())])
            .await
    }

    /// The rolling hit rate (`None` before the first non-flat outcome).
    pub async fn hit_rate<B: Bus>(
        &self,
        bus: &B,
        hit_rate: Option<f64>,
        window: usize,
        scored: u64,
        ts: UnixNanos,
    ) -> Result<(), BusError> {
        if let Some(rate) = hit_rate {
            gauge!(telemetry::LIVE_HIT_RATE, "market" => self.mkt.clone()).set(rate);
        }
        bus.set_state(
            &self.key,
            &[
                (
                    self.field("hit_rate"),
                    hit_rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
                ),
                (self.field("hit_rate_n"), window.to_string()),
                (self.field("scored"), scored.to_string()),
                (self.field("hit_rate_ts"), ts.to_string()),
            ],
        )
        .await
    }
}
