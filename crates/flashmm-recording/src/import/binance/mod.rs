//! The Binance importer: raw WebSocket captures (`<recv ns> <JSON>` lines, gzip) of one
//! instrument into a FlashMM recording.
//!
//! - [`message`]: one line or frame parsed into a depth update, a `bookTicker`, a trade or a
//!   full depth (REST) snapshot, prices and sizes still as the venue's decimal strings.
//! - [`TimeUnit`]: the unit of a capture's receive times (ns, or µs in older captures), told
//!   from their magnitude.
//! - [`GridScan`]: the first pass, which finds the symbol and the smallest price and size
//!   increments in the data (the tick and lot, unless given).
//! - [`BinanceConverter`]: the second pass, a state machine from lines to records: exact
//!   ticks and lots, sequence checks, the book rebuilt from diffs around the exact top.
//! - [`import_binance`]: both passes over files, written to a recording.
//!
//! The book rules are in the crate README ("Binance importer").

mod book;
mod converter;
mod grid;
mod importer;
pub mod message;
mod symbol;
mod time_unit;

#[cfg(test)]
mod tests;

pub use converter::BinanceConverter;
pub use grid::GridScan;
pub use importer::{import_binance, BinanceImport, BinanceImportConfig};
pub use symbol::market_from_symbol;
pub use time_unit::{TimeUnit, TimeUnitCounts};
