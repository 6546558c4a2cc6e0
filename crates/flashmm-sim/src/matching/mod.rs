//! The matching engine of one market: price-time priority, limit GTC, post-only and IOC
//! orders, partial fills, cancel, cancel-replace and cancel-all, exact fees, self-trade
//! prevention, book deltas with sequence numbers and L2 snapshots.
//!
//! Every call returns a [`Report`]: the order events it caused, the public trades, and the
//! changed L2 levels stamped with the book sequence number.

mod book;
mod config;
mod engine;
mod error;
mod event;
mod fees;
mod fill;
mod id_hash;
mod level;
mod order;
mod order_id;
mod report;
mod snapshot;
mod trade;

#[cfg(test)]
mod tests;

pub use config::{EngineConfig, SelfTradePrevention};
pub use engine::MatchingEngine;
pub use error::EngineError;
pub use event::{CancelReason, OrderEvent};
pub use fees::FeeSchedule;
pub use fill::Fill;
pub use flashmm_core::order::{Liquidity, RejectReason, TimeInForce};
pub use level::LevelUpdate;
pub use order::{OrderRequest, RestingOrder};
pub use order_id::{OrderId, TradeSeq};
pub use report::Report;
pub use snapshot::L2Snapshot;
pub use trade::Trade;
