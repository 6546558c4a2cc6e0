//! What one flow step did.

use crate::matching::OrderId;
use flashmm_core::market::{Price, Qty, Side};
use serde::{Deserialize, Serialize};

/// The request one [`FlowAgent::step`](super::FlowAgent::step) sent to the engine. The
/// engine's report of it is [`MatchingEngine::last_report`](crate::matching::MatchingEngine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FlowAction {
    /// A GTC limit order from the maker account.
    Limit {
        /// Buy or sell.
        side: Side,
        /// Limit price.
        price: Price,
        /// Size.
        qty: Qty,
    },
    /// A cancel of one of the maker account's resting orders.
    Cancel {
        /// The order cancelled.
        order: OrderId,
    },
    /// A market order from the taker account: IOC with a protective limit.
    Market {
        /// Buy or sell.
        side: Side,
        /// Protective limit price.
        price: Price,
        /// Size.
        qty: Qty,
    },
    /// A cancel was due but the maker account had no resting order.
    Idle,
}
