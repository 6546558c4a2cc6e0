//! Importers that turn raw venue recordings into FlashMM's [recording](crate)
//! format.
//!
//! - [`binance`]: raw Binance WebSocket captures (depth diffs, `bookTicker`, trades), with
//!   exact decimal parsing, sequence checks and a book rebuilt from diffs around the exact
//!   top of book.
//!
//! Bad input lines never stop an import: each is counted by [`MalformedKind`] in the
//! [`ImportStats`] and skipped.

pub mod binance;
mod error;
mod malformed;
mod stats;

pub use error::ImportError;
pub use malformed::{MalformedCounts, MalformedKind};
pub use stats::ImportStats;
