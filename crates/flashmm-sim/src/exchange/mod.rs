//! The simulator's exchange: every market's matching engine and background flow (or the
//! replay of a recording, [`Exchange::attach_replay`]), the shared ledger, registered keys
//! with their rate limits, and the translation of engine reports into wire messages. The
//! `sim-venue` server wraps one [`Exchange`] in a lock, feeds it requests and the clock, and
//! sends the [`Outbound`] messages it produces.

mod config;
mod error;
#[allow(clippy::module_inception)]
mod exchange;
mod market;
mod outbound;
mod replay;
mod saved;
mod spread;

#[cfg(test)]
mod replay_tests;
#[cfg(test)]
mod tests;

pub use config::{default_flow_params, ExchangeConfig, MarketSetup};
pub use error::ExchangeError;
pub use exchange::Exchange;
pub use outbound::Outbound;
pub use replay::ReplayOptions;
pub use saved::{SavedAccount, SavedAccounts, SAVED_ACCOUNTS_VERSION};
pub use spread::SpreadMeter;
