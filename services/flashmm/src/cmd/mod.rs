//! One module per `flashmm` subcommand.

pub mod config;
