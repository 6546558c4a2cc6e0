//! The pure heart of FlashMM's local exchange simulator.
//!
//! - [`matching`]: a price-time priority matching engine for one market, with typed events,
//!   book deltas carrying sequence numbers, and L2 snapshots.
//! - [`account`]: the venue's ledger of balances, reserved on order entry and moved on fills.
//! - [`ratelimit`]: a per-key token bucket driven by the caller's clock.
//! - [`flow`]: seeded synthetic background order flow around a latent price, and its
//!   calibration from a recording.
//! - [`exchange`]: the simulator's markets, accounts and request handling behind the server.
//! - [`faults`]: run-time fault injection settings of the simulator.
//! - [`latency`]: seeded FIFO channel latencies, shared with the backtester; the server delays
//!   participants' orders with them (paper trading).
//! - [`queue`]: the queue-position fill model of orders resting in a recorded book, shared
//!   with the backtester and used by the replay of recordings.
//!
//! Nothing here reads a clock or touches the network: the `sim-venue` server feeds requests
//! and time in and publishes what comes out, in the wire protocol of
//! [`flashmm_venue::protocol`].

#![warn(missing_docs)]

pub mod account;
pub mod exchange;
pub mod faults;
pub mod flow;
pub mod latency;
pub mod matching;
pub mod queue;
pub mod ratelimit;
