//! [`HyperliquidVenue`]: the [`Venue`](super::Venue) client of Hyperliquid, on the wire of
//! `flashmm-hyperliquid`.
//!
//! - [`config`]: where the venue is, which account, the dead man's switch, pacing.
//! - [`market`]: a FlashMM market as the venue numbers and rounds it (ticks and lots ↔ the
//!   venue's decimals, exact).
//! - [`ids`]: cloids back to FlashMM's client order ids.
//! - [`pace`]: the documented request weights, a weight bucket and the rate-limit back-off.
//! - `client`: `/info`, `/exchange` (signed L1 actions, millisecond nonces) and the trait.
//! - `stream`: the WebSocket task (books, trades, the account's orders and fills, pings,
//!   staleness, reconnects) and the re-arming of `scheduleCancel` while it is healthy.

mod client;
pub mod config;
mod convert;
pub mod ids;
pub mod market;
pub mod pace;
mod stream;

pub use client::{HyperliquidVenue, MIN_SCHEDULE, NOT_OPEN};
pub use config::HyperliquidConfig;
pub use market::HlMarket;
