//! The venue side of FlashMM: the pure heart of the local exchange simulator.
//!
//! - [`matching`]: a price-time priority matching engine for one market, with typed events,
//!   book deltas carrying sequence numbers, and L2 snapshots.
//! - [`account`]: the venue's ledger of balances, reserved on order entry and moved on fills.
//! - [`ratelimit`]: a per-key token bucket driven by the caller's clock.
//! - [`flow`]: seeded synthetic background order flow around a latent price.
//! - [`protocol`]: the simulator's versioned JSON wire protocol (WebSocket and REST).
//! - [`signing`]: secp256k1 request signing and verification with expiry and nonce windows.
//! - [`exchange`]: the simulator's markets, accounts and request handling behind the server.
//! - [`faults`]: run-time fault injection settings of the simulator.
//! - [`venue`]: the `Venue` trait and `SimVenue`, its client for the simulator.
//! - [`recording`]: FlashMM's recording format, a streaming writer and reader.
//! - [`import`]: importers of raw venue captures (Binance) into recordings.
//!
//! The engine, ledger, flow, exchange and signing modules read no clock and touch no network:
//! the `sim-venue` server feeds requests and time in and publishes what comes out. Only
//! [`venue`] does I/O (the client side of the wire).

#![warn(missing_docs)]

pub mod account;
pub mod exchange;
pub mod faults;
pub mod flow;
pub mod import;
pub mod matching;
pub mod protocol;
pub mod ratelimit;
pub mod recording;
pub mod signing;
pub mod venue;
