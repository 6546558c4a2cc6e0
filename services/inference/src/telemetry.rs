//! The service's metrics, recorded through the `metrics` facade.
//!
//! - `flashmm_inference_latency_seconds{market}` (histogram): normalise + session run + checks.
//! - `flashmm_inference_predictions_total{market}`: predictions published.
//! - `flashmm_inference_refused_total{market,reason}`: vectors refused (dead-lettered).
//! - `flashmm_inference_skipped_total{market,reason}`: vectors acked without a prediction.
//! - `flashmm_inference_model_healthy{market}` (gauge): 1 while a model serves the market.
//! - `flashmm_inference_reloads_total{market,outcome}`: hot reloads (`loaded`, `failed`).
//! - `flashmm_inference_scored_total{market,outcome}`: drift outcomes (`hit`, `miss`,
//!   `flat`, `unscored`).
//! - `flashmm_inference_live_hit_rate{market}` (gauge): rolling direction hit rate.

/// Histogram of inference latency, seconds.
pub const LATENCY_SECONDS: &str = "flashmm_inference_latency_seconds";
/// Counter of published predictions.
pub const PREDICTIONS_TOTAL: &str = "flashmm_inference_predictions_total";
/// Counter of refused vectors.
pub const REFUSED_TOTAL: &str = "flashmm_inference_refused_total";
/// Counter of vectors acked without a prediction.
pub const SKIPPED_TOTAL: &str = "flashmm_inference_skipped_total";
/// Gauge: 1 while a model serves the market.
pub const MODEL_HEALTHY: &str = "flashmm_inference_model_healthy";
/// Counter of hot reloads.
pub const RELOADS_TOTAL: &str = "flashmm_inference_reloads_total";
/// Counter of drift outcomes.
pub const SCORED_TOTAL: &str = "flashmm_inference_scored_total";
/// Gauge: rolling live hit rate.
pub const LIVE_HIT_RATE: &str = "flashmm_inference_live_hit_rate";
/// Gauge: the flat rate's shift of the flat class's log-odds (0: the model's calibration as is).
pub const FLAT_SHIFT: &str = "flashmm_inference_flat_shift";
