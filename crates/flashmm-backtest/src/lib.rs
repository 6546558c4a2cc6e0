//! FlashMM's backtester: recorded market data replayed through the live feature, model,
//! quoting and risk code in one process, against a simulated venue with feed and order
//! latency, queue positions, maker rebates and taker fees; reports as JSON and PNG.
//!
//! Modules, one concept each:
//! - [`config`]: [`BacktestConfig`], every setting of a run;
//! - [`source`]: [`DataSource`], a recording or raw Binance captures;
//! - [`latency`]: [`LatencyModel`], seeded FIFO channels;
//! - [`queue`]: [`QueuePosition`] and [`CancelModel`], our place in a level's queue;
//! - [`exchange`]: [`FillSimulator`], the venue: recorded book + our resting orders;
//! - [`fees`] holds [`FeeSchedule`];
//! - [`order`]: the messages between strategy and venue;
//! - [`strategy`]: [`Strategy`], the simulated-venue shell around the trading core
//!   ([`flashmm_trading`]), the decision code that trades live;
//! - [`predictor`] and [`seam`]: the model, reached over the in-memory bus;
//! - [`metrics`]: [`MetricsRecorder`]; [`report`]: [`Report`]; [`plot`]: the PNG;
//! - [`runner`]: [`Backtest`], the event loop;
//! - [`synthetic`]: a seeded random-walk market for benches and tests;
//! - [`tune`]: walk-forward tuning of the quoting parameters over a grid.
//!
//! See the crate README for the models and their assumptions.

#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod exchange;
pub mod fees;
pub mod latency;
pub mod metrics;
pub mod order;
pub mod plot;
pub mod predictor;
pub mod queue;
pub mod report;
pub mod runner;
pub mod seam;
pub mod source;
pub mod strategy;
pub mod synthetic;
pub mod tune;

pub use config::BacktestConfig;
pub use error::BacktestError;
pub use exchange::FillSimulator;
pub use fees::FeeSchedule;
pub use latency::{Latency, LatencyModel};
pub use metrics::MetricsRecorder;
pub use predictor::{ModelPredictor, Predictor};
pub use queue::{CancelModel, QueuePosition};
pub use report::Report;
pub use runner::{Backtest, Progress};
pub use seam::BusSeam;
pub use source::DataSource;
pub use strategy::{Quoting, RequestBudget, Strategy, StrategySetup, StrategyStats};
