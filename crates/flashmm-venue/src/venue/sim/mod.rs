//! [`SimVenue`]: the [`Venue`](super::Venue) client of the local simulator (REST order entry
//! signed with secp256k1, WebSocket market data with reconnect and jittered backoff).

mod backoff;
mod client;
mod config;
mod stats;
mod stream;

pub use backoff::Backoff;
pub use client::SimVenue;
pub use config::SimVenueConfig;
pub use stats::{SkipKind, StreamStats};
