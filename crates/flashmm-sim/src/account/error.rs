//! Errors raised by ledger operations.

use rust_decimal::Decimal;
use thiserror::Error;

/// Why a ledger operation was refused. A refused operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    /// The amount is zero or negative where a positive amount is required.
    #[error("amount must be positive, got {0}")]
    NonPositiveAmount(Decimal),
    /// The available balance is smaller than the amount asked for.
    #[error("insufficient {asset}: need {required}, available {available}")]
    Insufficient {
        /// The asset's name.
        asset: String,
        /// The amount needed.
        required: Decimal,
        /// The amount available.
        available: Decimal,
    },
    /// The reserved balance is smaller than the amount to release.
    #[error("cannot release {amount} {asset}: only {reserved} reserved")]
    OverRelease {
        /// The asset's name.
        asset: String,
        /// The amount asked to release.
        amount: Decimal,
        /// The amount reserved.
        reserved: Decimal,
    },
    /// The balance would exceed [`Ledger::MAX_BALANCE`](super::Ledger::MAX_BALANCE).
    #[error("balance would exceed the ledger maximum")]
    Overflow,
    /// The ledger already holds the most assets it can index.
    #[error("too many assets registered")]
    TooManyAssets,
}
