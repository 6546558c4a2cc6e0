//! The `execution` service's parts: per market, market data and predictions through the
//! quoter and the risk manager into orders at the venue; operator commands; the state and
//! streams the API reads.
//!
//! - [`market`] — [`market::MarketEngine`], one market's pure, synchronous decisions.
//! - [`engine`] — the async loop over every market, the venue calls, restart reconciliation.
//! - [`inputs`] — the consumers of `md:{mkt}`, `pred:{mkt}`, `cmd:exec` and the venue events.
//! - [`state`] — what to write: the `{ns}:state:*` hashes and the `orders`, `fills`, `risk`
//!   streams; [`writer`] — the task that writes it, in order, off the decision loop.
//! - [`pacer`] — the venue request budget of the trading key, shared by the markets.
//! - [`settings`] — flags beyond the configuration file; [`keys`] — the trading key.
//! - [`latency`] — latency percentiles; [`telemetry`] — metric names.

#![warn(missing_docs)]

pub mod engine;
pub mod inputs;
pub mod keys;
pub mod latency;
pub mod market;
pub mod pacer;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod writer;

#[cfg(test)]
mod fixture;
