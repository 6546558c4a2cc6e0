//! Errors raised when building an engine.

use rust_decimal::Decimal;
use thiserror::Error;

/// Why a market spec cannot back a matching engine.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    /// A fee rate is at or beyond ±100 %, which could drive a balance negative.
    #[error("fee rate {0} must lie strictly between -1 and 1")]
    FeeRate(Decimal),
    /// Tick, lot and fee-rate decimals together are too fine for fees to stay exact.
    #[error("tick, lot and fee-rate scales add up to {0} decimal places, at most {max} allowed", max = super::FeeSchedule::MAX_SCALE)]
    Precision(u32),
    /// The ledger cannot register the market's assets.
    #[error("ledger: {0}")]
    Ledger(#[from] crate::account::LedgerError),
}
