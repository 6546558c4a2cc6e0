//! One module per `flashmm` subcommand.

pub mod backtest;
pub mod calibrate;
pub mod config;
pub mod dataset;
pub mod eval_model;
pub mod import;
pub mod keys;
pub mod record;
pub mod simulation;
pub mod status;
pub mod streams;
pub mod supervise;
pub mod token;
pub mod tune;
pub mod venue;
