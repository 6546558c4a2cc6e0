//! One entry of a recording: an event and when it was received.

use super::TopOfBook;
use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An event and its local receive time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// When the message carrying the event was received locally (UTC ns).
    pub recv_ts: UnixNanos,
    /// The event.
    pub event: RecordEvent,
}

/// What a record carries: public market data, the one [`MarketEvent`] of `md:{mkt}`, or an
/// exact top of book (what a ticker-only capture has).
///
/// Book events of one market form one sequence: a snapshot (re)starts the book (the first
/// one, and a resync after a gap in the source), then each delta has `prev_seq` equal to
/// the previous book event's `seq`, so `OrderBook::apply_delta` accepts every one of them.
///
/// On disk each event is a map of one key naming its kind (`snapshot`, `delta`, `trade`,
/// `top`) to its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordEvent {
    /// A book snapshot, a book delta or a public trade.
    Market(MarketEvent),
    /// The exact best bid and ask.
    Top(TopOfBook),
}

impl RecordEvent {
    /// A short name of the event's kind: `snapshot`, `delta`, `trade` or `top`.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordEvent::Market(MarketEvent::Snapshot(_)) => "snapshot",
            RecordEvent::Market(MarketEvent::Delta(_)) => "delta",
            RecordEvent::Market(MarketEvent::Trade(_)) => "trade",
            RecordEvent::Top(_) => "top",
        }
    }

    /// The market the event belongs to.
    pub fn market(&self) -> &flashmm_core::market::MarketId {
        match self {
            RecordEvent::Market(e) => e.market(),
            RecordEvent::Top(t) => &t.market,
        }
    }

    /// The market event, unless this is a top of book.
    pub fn as_market(&self) -> Option<&MarketEvent> {
        match self {
            RecordEvent::Market(e) => Some(e),
            RecordEvent::Top(_) => None,
        }
    }

    /// Whether this is a book snapshot or delta.
    pub fn is_book(&self) -> bool {
        matches!(
            self,
            RecordEvent::Market(MarketEvent::Snapshot(_) | MarketEvent::Delta(_))
        )
    }

    /// Whether this is a snapshot of `market` with both sides: where a replay has a book to
    /// trade on.
    pub fn is_two_sided_snapshot_of(&self, market: &MarketId) -> bool {
        matches!(
            self,
            RecordEvent::Market(MarketEvent::Snapshot(s))
                if &s.market == market && !s.bids.is_empty() && !s.asks.is_empty()
        )
    }
}

impl From<MarketEvent> for RecordEvent {
    fn from(e: MarketEvent) -> Self {
        RecordEvent::Market(e)
    }
}

impl From<BookSnapshot> for RecordEvent {
    fn from(s: BookSnapshot) -> Self {
        RecordEvent::Market(MarketEvent::Snapshot(s))
    }
}

impl From<BookDelta> for RecordEvent {
    fn from(d: BookDelta) -> Self {
        RecordEvent::Market(MarketEvent::Delta(d))
    }
}

impl From<Trade> for RecordEvent {
    fn from(t: Trade) -> Self {
        RecordEvent::Market(MarketEvent::Trade(t))
    }
}

impl From<TopOfBook> for RecordEvent {
    fn from(t: TopOfBook) -> Self {
        RecordEvent::Top(t)
    }
}

/// The on-disk form of a [`RecordEvent`], borrowed for writing.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum WireRef<'a> {
    Snapshot(&'a BookSnapshot),
    Delta(&'a BookDelta),
    Trade(&'a Trade),
    Top(&'a TopOfBook),
}

/// The on-disk form of a [`RecordEvent`], owned for reading.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Wire {
    Snapshot(BookSnapshot),
    Delta(BookDelta),
    Trade(Trade),
    Top(TopOfBook),
}

impl Serialize for RecordEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => WireRef::Snapshot(s),
            RecordEvent::Market(MarketEvent::Delta(d)) => WireRef::Delta(d),
            RecordEvent::Market(MarketEvent::Trade(t)) => WireRef::Trade(t),
            RecordEvent::Top(t) => WireRef::Top(t),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RecordEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Snapshot(s) => s.into(),
            Wire::Delta(d) => d.into(),
            Wire::Trade(t) => t.into(),
            Wire::Top(t) => t.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::BookLevel;
    use flashmm_core::market::{Price, Qty};

    #[test]
    fn a_two_sided_snapshot_is_of_one_market_with_both_sides() {
        let btc = MarketId::new("BTC/USDT").unwrap();
        let level = BookLevel::new(Price::from_ticks(100), Qty::from_lots(1));
        let snapshot = |market: &MarketId, bids: Vec<BookLevel>| {
            RecordEvent::from(BookSnapshot {
                market: market.clone(),
                seq: 1,
                bids,
                asks: vec![BookLevel::new(Price::from_ticks(101), Qty::from_lots(1))],
                ts: UnixNanos(0),
            })
        };
        assert!(snapshot(&btc, vec![level]).is_two_sided_snapshot_of(&btc));
        assert!(!snapshot(&btc, Vec::new()).is_two_sided_snapshot_of(&btc));
        let eth = MarketId::new("ETH/USDT").unwrap();
        assert!(!snapshot(&eth, vec![level]).is_two_sided_snapshot_of(&btc));
    }
}
