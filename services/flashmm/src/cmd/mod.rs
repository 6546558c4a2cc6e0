//! One module per `flashmm` subcommand.

pub mod config;
pub mod dataset;
pub mod import;
pub mod keys;
pub mod status;
pub mod streams;
pub mod token;
