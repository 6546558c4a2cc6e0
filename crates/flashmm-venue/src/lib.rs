//! FlashMM's venue interface: what the services need to trade on a venue.
//!
//! - [`venue`]: the `Venue` trait, its venue-neutral order and event types, and the clients
//!   that implement it (`SimVenue` for the local simulator).
//! - [`protocol`]: the simulator's versioned JSON wire protocol (WebSocket and REST), spoken
//!   by `SimVenue` and served by `sim-venue` (crate `flashmm-sim`).
//! - [`signing`]: secp256k1 request signing and verification with expiry and nonce windows,
//!   and the encrypted keystore the keys live in.
//!
//! Only [`venue`] does I/O (the client side of the wire).

#![warn(missing_docs)]

pub mod protocol;
pub mod signing;
pub mod venue;
