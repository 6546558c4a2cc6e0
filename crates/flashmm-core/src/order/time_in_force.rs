//! How long an order may stay in the book.

use serde::{Deserialize, Serialize};

/// How long an order may stay in the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    /// Good till cancelled: takes what crosses, rests the rest.
    Gtc,
    /// Immediate or cancel: takes what crosses, the unfilled rest expires.
    Ioc,
    /// Maker only: refused if any part would take liquidity on arrival, otherwise rests.
    PostOnly,
}
