//! The message that reports a change to one of our orders.

use super::{Order, OrderEvent};
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// An order's full state after an event, published on the orders stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderUpdate {
    /// The order after the event.
    pub order: Order,
    /// The event that changed it.
    pub event: OrderEvent,
    /// The venue's or risk check's reason, for rejections and cancels.
    pub reason: Option<String>,
    /// When the event happened.
    pub ts: UnixNanos,
}

impl StreamMessage for OrderUpdate {
    const TYPE: &'static str = "order_update";
    const VERSION: u16 = 1;
}
