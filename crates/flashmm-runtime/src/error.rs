//! Why a service could not start.

use std::net::SocketAddr;
use std::path::PathBuf;

use flashmm_core::config::ConfigError;

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {error}")]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The configuration was refused.
    #[error("{path}: {error}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key.
        error: ConfigError,
    },
    /// The `/metrics` endpoint could not be started.
    #[error("cannot serve /metrics on {addr}: {message}")]
    Metrics {
        /// The address it tried.
        addr: SocketAddr,
        /// Why it failed.
        message: String,
    },
}
