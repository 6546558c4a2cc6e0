//! The `execution` service's parts: the I/O shell around the trading core
//! ([`flashmm_trading`]: the per-market decisions, the account, the request budget) — the
//! bus, the venue, the state and streams the API reads, operator commands.
//!
//! - [`engine`] — the async loop over every market, the venue calls, restart reconciliation.
//! - [`inputs`] — the consumers of `md:{mkt}`, `pred:{mkt}`, `cmd:exec` and the venue events.
//! - [`state`] — what to write: the `{ns}:state:*` hashes and the `orders`, `fills`, `risk`
//!   streams; [`writer`] — the task that writes it, in order, off the decision loop.
//! - [`settings`] — flags beyond the configuration file; [`keys`] — the trading key.
//! - [`latency`] — latency percentiles; [`telemetry`] — metric names.

#![warn(missing_docs)]

pub mod engine;
pub mod inputs;
pub mod keys;
pub mod latency;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod writer;
