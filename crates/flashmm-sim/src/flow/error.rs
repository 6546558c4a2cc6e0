//! Errors raised when configuring the background flow.

use thiserror::Error;

/// Why flow parameters or the agent's setup are unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlowError {
    /// The TOML text does not parse into [`FlowParams`](super::FlowParams).
    #[error("flow parameters: {0}")]
    Toml(String),
    /// A parameter is outside its valid range.
    #[error("flow parameter `{field}` {reason}")]
    Invalid {
        /// The parameter's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The flow accounts could not be funded.
    #[error("funding flow accounts: {0}")]
    Ledger(#[from] crate::account::LedgerError),
}
