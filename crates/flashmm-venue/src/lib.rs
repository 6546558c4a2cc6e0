//! The venue side of FlashMM: the pure heart of the local exchange simulator.
//!
//! - [`matching`]: a price-time priority matching engine for one market, with typed events,
//!   book deltas carrying sequence numbers, and L2 snapshots.
//! - [`account`]: the venue's ledger of balances, reserved on order entry and moved on fills.
//! - [`ratelimit`]: a per-key token bucket driven by the caller's clock.
//! - [`flow`]: seeded synthetic background order flow around a latent price.
//! - [`recording`]: FlashMM's recording format, a streaming writer and reader.
//!
//! Nothing here reads a clock, touches the network or spawns a thread: the `sim-venue`
//! server feeds requests and time in and publishes what comes out.

#![warn(missing_docs)]

pub mod account;
pub mod flow;
pub mod matching;
pub mod ratelimit;
pub mod recording;
