//! FlashMM's one trading core: every decision the market maker makes, written once and driven
//! alike by the `execution` service (over the bus and a real venue) and the backtester (over a
//! recording and a simulated venue). A backtest figure therefore describes the code that
//! trades.
//!
//! Pure and synchronous: timestamped events in (market data, predictions, fills, order
//! reports), order instructions out; no I/O and no clock of its own — UTC time
//! ([`flashmm_core::time::UnixNanos`]) and monotonic time ([`flashmm_core::time::MonoNanos`])
//! come in as arguments.
//!
//! - [`market`] — [`MarketEngine`]: one market's book, σ/κ estimators, prediction, quoter,
//!   re-quote policy, risk checks, working orders diffed into [`Instruction`]s, position and
//!   fill ledger.
//! - [`account`] — [`Account`]: the kill switch and the account's P&L marks over every market.
//! - [`pacer`] — [`Pacer`]: the venue request budget the markets share.
//! - [`queue`] — [`OrderQueues`]: where each of our resting orders stands in its price's queue.
//! - [`settings`] — the risk limits and quoting template of the configuration file.
//!
//! Reads and writes no stream: its callers do. `cargo bench -p flashmm-trading --bench
//! decision` times a decision.

#![warn(missing_docs)]

pub mod account;
pub mod market;
pub mod pacer;
pub mod queue;
pub mod settings;

#[cfg(test)]
mod fixture;

pub use account::Account;
pub use market::{AccountView, Decision, Flatten, Instruction, MarketEngine, Tif};
pub use pacer::Pacer;
pub use queue::OrderQueues;
