//! The `/info` answers FlashMM reads. Numbers the venue sends as strings are read into exact
//! [`Decimal`](rust_decimal::Decimal)s; fields FlashMM does not use are ignored, so new fields
//! on the venue's side do not break reading.
//!
//! - [`meta`] holds `meta` and `spotMeta` (asset numbers and `szDecimals`),
//! - [`orders`] holds `openOrders`,
//! - [`fills`] holds `userFills` and `userFillsByTime`,
//! - [`clearinghouse`] holds `clearinghouseState` and `spotClearinghouseState`,
//! - [`fees`] holds `userFees`,
//! - [`book`] holds `l2Book` (also the WebSocket's book).

pub mod book;
pub mod clearinghouse;
pub mod fees;
pub mod fills;
pub mod meta;
pub mod orders;

pub use book::{L2Book, Level};
pub use clearinghouse::{
    AssetPosition, ClearinghouseState, Leverage, MarginSummary, Position, SpotBalance,
    SpotClearinghouseState,
};
pub use fees::UserFees;
pub use fills::Fill;
pub use meta::{Meta, PerpAssetInfo, SpotMeta, SpotPairInfo, SpotTokenInfo};
pub use orders::OpenOrder;

use serde::{Deserialize, Serialize};

/// The side of an order or fill: `"B"` (bid, buy) or `"A"` (ask, sell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// A buy (`"B"`).
    #[serde(rename = "B")]
    Bid,
    /// A sell (`"A"`).
    #[serde(rename = "A")]
    Ask,
}

impl Side {
    /// Whether it buys.
    pub const fn is_buy(self) -> bool {
        matches!(self, Side::Bid)
    }
}
