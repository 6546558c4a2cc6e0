//! What can happen to an order.

use crate::market::Qty;
use serde::{Deserialize, Serialize};

/// An event in an order's life, fed to [`Order::transition`](super::Order::transition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    /// The order was sent to the venue.
    Submitted,
    /// The venue acknowledged the order.
    Accepted,
    /// The venue (or a local check) refused the order.
    Rejected,
    /// Part of the order traded; `qty` is this fill's size and some quantity remains.
    PartialFill {
        /// The size of this fill.
        qty: Qty,
    },
    /// The order's last remaining quantity traded; `qty` is this fill's size.
    Fill {
        /// The size of this fill.
        qty: Qty,
    },
    /// A cancel was sent.
    CancelRequested,
    /// The venue confirmed the order is cancelled.
    Cancelled,
    /// The venue refused the cancel; the order keeps working.
    CancelRejected,
    /// The order expired.
    Expired,
}

impl std::fmt::Display for OrderEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
