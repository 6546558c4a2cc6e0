//! Why an exchange cannot be built or an account registered.

use crate::account::LedgerError;
use crate::flow::FlowError;
use crate::matching::EngineError;
use flashmm_venue::signing::AuthError;
use thiserror::Error;

/// Why building the exchange or registering an account failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExchangeError {
    /// A market's spec cannot back an engine.
    #[error("market {market}: {error}")]
    Engine {
        /// The market.
        market: String,
        /// Why.
        error: EngineError,
    },
    /// A market's flow parameters are invalid.
    #[error("market {market} flow: {error}")]
    Flow {
        /// The market.
        market: String,
        /// Why.
        error: FlowError,
    },
    /// The same market is listed twice.
    #[error("market {0} listed twice")]
    DuplicateMarket(String),
    /// A deposit was refused.
    #[error("deposit: {0}")]
    Ledger(#[from] LedgerError),
    /// A deposit names an asset no market trades.
    #[error("unknown asset {0}")]
    UnknownAsset(String),
    /// A public key is malformed.
    #[error("{0}")]
    Key(#[from] AuthError),
    /// The key is already registered to an account.
    #[error("key {0} already registered")]
    DuplicateKey(String),
    /// A recording cannot be replayed as a market.
    #[error("replay of market {market}: {reason}")]
    Replay {
        /// The market.
        market: String,
        /// Why.
        reason: String,
    },
    /// Saved accounts cannot be restored.
    #[error("saved accounts: {0}")]
    Saved(String),
}
