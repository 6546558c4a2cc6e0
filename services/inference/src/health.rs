//! Writes the `{ns}:state:model` hash (the record is core's
//! [`ModelState`](flashmm_core::signal::ModelState)): per-market model health and the live hit
//! rate, read by execution (no healthy model: quote without skew) and the API.

use flashmm_bus::{Bus, BusError, StateKey};
use flashmm_core::signal::{LiveHitRate, ModelHealth};
use flashmm_core::time::UnixNanos;
use metrics::gauge;

use crate::telemetry;

pub use flashmm_core::signal::MODEL_STATE as STATE_NAME;

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

    /// A model serves the market.
    pub async fn healthy<B: Bus>(
        &self,
        bus: &B,
        model_id: &str,
        ts: UnixNanos,
    ) -> Result<(), BusError> {
        gauge!(telemetry::MODEL_HEALTHY, "market" => self.mkt.clone()).set(1.0);
        let health = ModelHealth {
            healthy: true,
            model_id: model_id.to_owned(),
            error: String::new(),
            updated_ts: Some(ts),
        };
        bus.set_state(&self.key, &health.to_fields(&self.mkt)).await
    }

    /// No model serves the market, for `error`.
    pub async fn unhealthy<B: Bus>(
        &self,
        bus: &B,
        error: &str,
        ts: UnixNanos,
    ) -> Result<(), BusError> {
        gauge!(telemetry::MODEL_HEALTHY, "market" => self.mkt.clone()).set(0.0);
        let health = ModelHealth {
            healthy: false,
            model_id: String::new(),
            error: error.to_owned(),
            updated_ts: Some(ts),
        };
        bus.set_state(&self.key, &health.to_fields(&self.mkt)).await
    }

    /// A reload failed; the previous model keeps serving.
    pub async fn reload_failed<B: Bus>(&self, bus: &B, error: &str) -> Result<(), BusError> {
        bus.set_state(
            &self.key,
            &ModelHealth::reload_failed_fields(&self.mkt, error),
        )
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
        let live = LiveHitRate {
            rate: hit_rate,
            window: window as u64,
            scored,
            ts: Some(ts),
        };
        bus.set_state(&self.key, &live.to_fields(&self.mkt)).await
    }
}
