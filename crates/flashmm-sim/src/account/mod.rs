//! The venue's ledger: per-account balances of every asset, split into available and reserved.
//!
//! An order reserves what it may spend when it is accepted; a cancel releases the rest and a
//! fill moves the traded amounts between accounts. Balances never go negative: a request that
//! would need more than is available is refused.

mod account_id;
mod asset_id;
mod balance;
mod error;
mod ledger;

pub use account_id::AccountId;
pub use asset_id::AssetId;
pub use balance::Balance;
pub use error::LedgerError;
pub use ledger::Ledger;
