//! [`MarketEvent`]: one event of a market's public data, as `md:{mkt}` carries it.

use crate::book::{BookDelta, BookSnapshot};
use crate::market::MarketId;
use crate::message::{Decodable, Encodable, Entry, EntryWriter, StreamMessage};
use crate::trade::Trade;

/// What `md:{mkt}` carries: book snapshots, book deltas and public trades, in venue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    /// A full book (`book_snapshot`).
    Snapshot(BookSnapshot),
    /// Changed levels (`book_delta`).
    Delta(BookDelta),
    /// A public trade (`trade`).
    Trade(Trade),
}

impl MarketEvent {
    /// The market the event belongs to.
    pub fn market(&self) -> &MarketId {
        match self {
            MarketEvent::Snapshot(s) => &s.market,
            MarketEvent::Delta(d) => &d.market,
            MarketEvent::Trade(t) => &t.market,
        }
    }
}

impl Decodable for MarketEvent {
    fn decode<E: Entry>(entry: &E) -> Result<Self, E::Error> {
        match entry.kind() {
            BookSnapshot::TYPE => entry.decode_as().map(MarketEvent::Snapshot),
            BookDelta::TYPE => entry.decode_as().map(MarketEvent::Delta),
            Trade::TYPE => entry.decode_as().map(MarketEvent::Trade),
            _ => Err(entry.wrong_type("book_snapshot|book_delta|trade")),
        }
    }
}

impl Encodable for MarketEvent {
    fn encode<W: EntryWriter>(&self, writer: W) -> Result<W::Entry, W::Error> {
        match self {
            MarketEvent::Snapshot(m) => writer.write(m),
            MarketEvent::Delta(m) => writer.write(m),
            MarketEvent::Trade(m) => writer.write(m),
        }
    }
}
