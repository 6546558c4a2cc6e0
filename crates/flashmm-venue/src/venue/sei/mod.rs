//! The Sei adapter: [`SeiVenue`] implements [`Venue`](super::Venue) over Tendermint JSON-RPC
//! on WebSocket.
//!
//! - **Market data**: `subscribe` with the query
//!   `tm.event='Tx' AND flashmm_book.market='SEI/USDC'` (and `flashmm_trade.market=...`);
//!   each event notification's flattened `events` map (`"type.attr": [values]`) is parsed into
//!   book deltas and trades with exact decimals ([`parse_events`]). After each (re)connection
//!   the stream yields `Connected` and a snapshot from `abci_query` path `/flashmm/book`.
//! - **Orders**: `broadcast_tx_sync` with a [`SignedTx`]: a JSON body (chain id, message)
//!   signed with the trading key's secp256k1 key over FlashMM's canonical request
//!   ([`crate::signing`]). This is a simplified, documented encoding, **not** Cosmos SDK
//!   protobuf `TxRaw`: a real Sei node would refuse it.
//! - **Failover**: the endpoints are tried in order; a connection or call that fails moves
//!   on to the next, and a full round that fails waits a jittered exponential delay.
//!
//! Nothing here has been tried against a live chain; see the crate README.

mod client;
mod config;
mod events;
mod rpc;
mod tx;

pub use client::SeiVenue;
pub use config::SeiVenueConfig;
pub use events::{parse_book_attributes, parse_events, EventParseError};
pub use tx::{SignedTx, TxBody, TxError, TxMsg, TX_METHOD};
