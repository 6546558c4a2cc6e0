//! Incremental feature extraction for FlashMM's model: one [`FeatureEngine`] per market,
//! fed book states and public trades, producing a fixed, named, hashed [`FeatureVector`].
//!
//! - [`config`]: [`FeatureConfig`], the windows and depths, validated.
//! - [`schema`]: the feature order ([`Feature`], [`FEATURE_NAMES`]) and its [`schema_hash`].
//! - [`book_features`]: spread, microprice, imbalance, depth and slope of one book state.
//! - [`ofi`]: Cont–Kukanov–Stoikov order-flow imbalance between two touches.
//! - [`book_flow`]: OFI, mid returns and realised volatility over event and wall-time windows.
//! - [`trade_features`]: signed volume, trade-count imbalance, VWAP and trade age.
//! - [`window`]: running sums over nested windows of one stream, O(1) amortised per event.
//! - [`engine`]: [`FeatureEngine`], which ties them together.
//! - [`throttle`]: [`Throttle`], at most `max_rate_hz` publications per market.
//! - [`market`]: [`MarketFeatures`], one market's book, engine and throttle: the pipeline the
//!   feature service, the backtester and the dataset builder all run.
//!
//! Pure code: no I/O and no clock. Time arrives with every event as [`UnixNanos`], so the
//! feature service and the dataset builder compute bit-identical vectors from the same
//! events.
//!
//! [`FeatureVector`]: flashmm_core::signal::FeatureVector
//! [`UnixNanos`]: flashmm_core::time::UnixNanos

#![warn(missing_docs)]

pub mod book_features;
pub mod book_flow;
pub mod config;
pub mod engine;
pub mod error;
pub mod market;
mod numeric;
pub mod ofi;
pub mod schema;
pub mod throttle;
pub mod trade_features;
pub mod window;

pub use config::FeatureConfig;
pub use engine::FeatureEngine;
pub use error::FeatureError;
pub use market::{FeatureStep, MarketFeatures};
pub use schema::{schema_hash, Feature, FEATURE_NAMES, NUM_FEATURES};
pub use throttle::Throttle;
