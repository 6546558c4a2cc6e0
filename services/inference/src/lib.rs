//! The `inference` service's parts: per market, a worker that turns `feat:{mkt}` into
//! `pred:{mkt}` with the model of `flashmm-model`, and a drift monitor that scores the
//! published predictions against `md:{mkt}` once their horizon has passed. The scored
//! outcomes also move the market's flat probability to the share of flat outcomes it sees
//! (`flashmm_core::signal::FlatRate`, `[model] flat_rate_*`), which the worker applies after
//! the model's calibration.
//!
//! - [`worker`] — the inference loop (group `inference`), dead-lettering refused vectors.
//! - [`slot`] — the market's model or why there is none; retries and hot reload.
//! - [`monitor`] — the drift monitor's I/O (group `inference-drift`) and the flat rate's shift.
//! - [`health`] — the `{ns}:state:model` hash.
//! - [`telemetry`] — metric names.

#![warn(missing_docs)]

pub mod health;
pub mod monitor;
pub mod slot;
pub mod telemetry;
pub mod worker;
