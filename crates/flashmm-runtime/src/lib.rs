//! What every FlashMM binary does the same way before and around its own work: read the
//! configuration (the file, overridden by the environment), log structured JSON, serve
//! Prometheus `/metrics` with the process metrics, stop on a signal, read the wall clock for
//! wire timestamps. It reads and writes no stream: the bus side of a service's start (the
//! Redis connection, the heartbeat) is `flashmm-bus`'s.
//!
//! - [`ServiceArgs`] and [`start`]: the shared command line and start-up.
//! - [`load_config`], [`RuntimeError`]: the configuration and why a start fails.
//! - [`init_logging`], [`LogLimiter`]: JSON logs, and repeated warnings at a bounded rate.
//! - [`serve_metrics`], [`process`]: `/metrics` and the `process_*` metrics.
//! - [`shutdown_signal`], [`run_on_one_worker`], [`set_nodelay`]: the process's runtime.
//! - [`now`]: the wall clock as UTC nanoseconds (never for latency).

#![warn(missing_docs)]

mod args;
mod clock;
mod config;
mod error;
mod log_limiter;
mod logging;
mod metrics;
mod net;
pub mod process;
mod shutdown;
mod start;
mod worker;

pub use args::ServiceArgs;
pub use clock::now;
pub use config::load_config;
pub use error::RuntimeError;
pub use log_limiter::LogLimiter;
pub use logging::init_logging;
pub use metrics::serve_metrics;
pub use net::set_nodelay;
pub use shutdown::shutdown_signal;
pub use start::start;
pub use worker::run_on_one_worker;
