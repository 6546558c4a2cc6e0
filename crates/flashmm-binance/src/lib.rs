//! Binance's public market data, live (no key): spot and USD-M futures.
//!
//! - [`DepthSync`]: the documented order-book synchronisation as a pure state machine
//!   (buffer the diffs, fetch a REST snapshot, drop what it covers, check the first diff
//!   straddles it, then continuity: `U = previous u + 1` on spot, `pu = previous u` on
//!   USD-M; resync on any gap).
//! - [`RestClient`]: the depth snapshot and the symbols' tick and lot, with 429/418 answers
//!   reported with their `Retry-After`.
//! - [`subscribe`]: the combined-stream WebSocket client (diff depth at 100 ms, trades, book
//!   ticker) that yields FlashMM's book snapshots, deltas, trades and tops in ticks and lots
//!   ([`FeedStream`], or a venue [`EventStream`](flashmm_venue::venue::EventStream)), with
//!   reconnects before the venue's 24 h cut and on ping timeout.
//! - [`record()`](record::record): the live recorder behind `flashmm record --venue binance`:
//!   the raw frames through the importer's converter into rotated FlashMM recordings.
//!
//! Messages are parsed by `flashmm_recording::import::binance::message`, which the importer
//! of raw captures uses too: one parser for the live feed and the recordings of it.

#![warn(missing_docs)]

mod client;
mod config;
mod error;
mod feed;
mod market;
pub mod record;
mod rest;
mod sync;
mod uncross;

pub use client::subscribe;
pub use config::{FeedConfig, FeedSymbol};
pub use error::RestError;
pub use feed::{Feed, FeedEvent, FeedStats, FeedStream};
pub use market::{
    BinanceMarket, UnknownMarket, SPOT_REST_URL, SPOT_WS_URL, USDM_REST_URL, USDM_WS_URL,
};
pub use rest::{RestClient, SymbolGrid};
pub use sync::{Continuity, DepthSync, DiffIds, DiffStep, SnapshotStep, SyncCounts};
