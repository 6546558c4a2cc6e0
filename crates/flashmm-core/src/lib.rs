//! FlashMM's domain: fixed-point prices and sizes, the L2 book, the order state machine,
//! inventory and P&L, risk limits, stream message types and configuration.
//!
//! Pure code only: no I/O, no clocks read, no network. Services and the backtester feed it
//! events and act on what it returns, so the same logic runs live and in replay.

pub mod book;
pub mod config;
pub mod control;
pub mod identifiers;
pub mod inventory;
pub mod market;
pub mod market_event;
pub mod message;
pub mod order;
pub mod quote;
pub mod risk;
pub mod signal;
pub mod strategy;
#[cfg(any(test, feature = "fixture"))]
pub mod testing;
pub mod time;
pub mod trade;
