//! One entry of a recording: an event and when it was received.

use super::TopOfBook;
use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use serde::{Deserialize, Serialize};

/// An event and its local receive time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// When the message carrying the event was received locally (UTC ns).
    pub recv_ts: UnixNanos,
    /// The event.
    pub event: RecordEvent,
}

/// What a record carries.
///
/// Book events of one market form one sequence: a `Snapshot` (re)starts the book (the first
/// one, and a resync after a gap in the source), then each `Delta` has `prev_seq` equal to
/// the previous book event's `seq`, so `OrderBook::apply_delta` accepts every one of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordEvent {
    /// A full book that replaces the market's book.
    Snapshot(BookSnapshot),
    /// Changed levels of the market's book.
    Delta(BookDelta),
    /// A public trade.
    Trade(Trade),
    /// The exact best bid and ask.
    Top(TopOfBook),
}

impl RecordEvent {
    /// A short name of the event's kind: `snapshot`, `delta`, `trade` or `top`.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordEvent::Snapshot(_) => "snapshot",
            RecordEvent::Delta(_) => "delta",
            RecordEvent::Trade(_) => "trade",
            RecordEvent::Top(_) => "top",
        }
    }

    /// The market the event belongs to.
    pub fn market(&self) -> &flashmm_core::market::MarketId {
        match self {
            RecordEvent::Snapshot(s) => &s.market,
            RecordEvent::Delta(d) => &d.market,
            RecordEvent::Trade(t) => &t.market,
            RecordEvent::Top(t) => &t.market,
        }
    }
}
