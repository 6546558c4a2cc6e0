//! Errors raised when creating orders or moving them through their lifecycle.

use super::{OrderEvent, OrderStatus};
use crate::market::{Price, Qty};
use thiserror::Error;

/// Why an order cannot be created.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    /// The quantity is zero or negative.
    #[error("order quantity must be positive, got {0}")]
    Qty(Qty),
    /// The price is zero or negative.
    #[error("order price must be positive, got {0}")]
    Price(Price),
}

/// Why an event was refused. A refused event leaves the order unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderTransitionError {
    /// The event is not legal in the order's status (every event is illegal once terminal).
    #[error("event {event} is not valid for an order in status {from}")]
    InvalidTransition {
        /// The order's status.
        from: OrderStatus,
        /// The refused event.
        event: OrderEvent,
    },
    /// A fill of zero or negative quantity.
    #[error("fill quantity must be positive, got {0}")]
    FillQty(Qty),
    /// The fill is larger than what remains of the order.
    #[error("overfill: fill of {fill} with only {leaves} remaining")]
    Overfill {
        /// The fill's size.
        fill: Qty,
        /// The quantity remaining before the fill.
        leaves: Qty,
    },
    /// A partial fill that would complete the order, or a fill that would not.
    #[error("fill kind mismatch: {event} with {leaves} remaining")]
    FillKind {
        /// The refused event.
        event: OrderEvent,
        /// The quantity remaining before the fill.
        leaves: Qty,
    },
}
