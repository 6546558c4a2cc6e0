//! `HyperliquidVenue` against the Hyperliquid mock (`sim-venue --wire hyperliquid`) over real
//! loopback sockets: orders by cloid, signatures, nonces, API wallets, reconnects and
//! snapshots, the dead man's switch, rate limits and the address budget.

mod budget;
mod feed;
mod mock;
mod orders;
mod paper;
