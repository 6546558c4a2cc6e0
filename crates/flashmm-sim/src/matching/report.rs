//! What one engine call produced.

use super::{LevelUpdate, OrderEvent, Trade};
use serde::{Deserialize, Serialize};

/// The outcome of one engine call, in the order things happened.
///
/// `levels` holds each level the call changed once, with its final aggregate quantity. When
/// it is non-empty the call advanced the book sequence number by exactly one, to `seq`; a
/// consumer that last saw `seq - 1` applies the levels, otherwise it has missed an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Order events: acceptances, rejections, fills, cancels, expiries, amendments.
    pub events: Vec<OrderEvent>,
    /// Public trades.
    pub trades: Vec<Trade>,
    /// Changed L2 levels.
    pub levels: Vec<LevelUpdate>,
    /// The book sequence number after the call.
    pub seq: u64,
}

impl Report {
    /// Whether the call changed the book (and so advanced the sequence number).
    pub fn book_changed(&self) -> bool {
        !self.levels.is_empty()
    }

    /// Empties the report for the next call, keeping its buffers.
    pub(crate) fn reset(&mut self) {
        self.events.clear();
        self.trades.clear();
        self.levels.clear();
    }
}
