//! Where an order is in its lifecycle.

use serde::{Deserialize, Serialize};

/// The lifecycle state of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Created locally, not yet sent.
    New,
    /// Sent to the venue, not yet acknowledged.
    PendingNew,
    /// Acknowledged and resting, nothing filled.
    Open,
    /// Resting with part of its quantity filled.
    PartiallyFilled,
    /// A cancel was sent and is not yet confirmed.
    PendingCancel,
    /// Cancelled (terminal).
    Cancelled,
    /// Completely filled (terminal).
    Filled,
    /// Refused by the venue or by our own checks (terminal).
    Rejected,
    /// Expired by its time in force (terminal).
    Expired,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::New,
        OrderStatus::PendingNew,
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::PendingCancel,
        OrderStatus::Cancelled,
        OrderStatus::Filled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
    ];

    /// Whether no further event can change the order.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Cancelled
                | OrderStatus::Filled
                | OrderStatus::Rejected
                | OrderStatus::Expired
        )
    }

    /// Whether the order may still trade at the venue (sent and not terminal).
    pub const fn is_working(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingNew
                | OrderStatus::Open
                | OrderStatus::PartiallyFilled
                | OrderStatus::PendingCancel
        )
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
