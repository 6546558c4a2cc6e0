//! One module per `flashmm` subcommand.

pub mod config;
pub mod import;
pub mod streams;
