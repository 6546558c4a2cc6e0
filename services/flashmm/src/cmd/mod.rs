//! One module per `flashmm` subcommand.

pub mod backtest;
pub mod config;
pub mod dataset;
pub mod import;
pub mod record;
pub mod keys;
pub mod status;
pub mod streams;
pub mod token;
pub mod supervise;
