//! What a [`Consumer`](crate::Consumer) can decode an entry into: one message type, or an enum
//! of the several types a stream carries (e.g. [`MarketEvent`] on `md:{mkt}`).

use flashmm_core::book::{BookDelta, BookSnapshot};
use flashmm_core::message::StreamMessage;
use flashmm_core::trade::Trade;

use crate::envelope::Envelope;
use crate::error::DecodeError;

/// A value decoded from an envelope, refusing types and versions it does not know.
pub trait Decodable: Sized + Send + 'static {
    /// Decodes the envelope's body according to its `type` and `v`.
    fn decode(envelope: &Envelope) -> Result<Self, DecodeError>;
}

impl<T: StreamMessage> Decodable for T {
    fn decode(envelope: &Envelope) -> Result<Self, DecodeError> {
        envelope.decode::<T>()
    }
}

/// What `md:{mkt}` carries: book snapshots, book deltas and public trades, in venue order.
#[derive(Debug, Clone, PartialEq)]
pub enum MarketEvent {
    /// A full book (`book_snapshot`).
    Snapshot(BookSnapshot),
    /// Changed levels (`book_delta`).
    Delta(BookDelta),
    /// A public trade (`trade`).
    Trade(Trade),
}

impl MarketEvent {
    /// Wraps the event in an envelope for `mkt` (stream form, e.g. `SEI-USDC`).
    pub fn to_envelope(
        &self,
        mkt: &str,
        ts: flashmm_core::time::UnixNanos,
        origin_ts: flashmm_core::time::UnixNanos,
    ) -> Result<Envelope, crate::error::EncodeError> {
        match self {
            MarketEvent::Snapshot(m) => Envelope::new(mkt, ts, origin_ts, m),
            MarketEvent::Delta(m) => Envelope::new(mkt, ts, origin_ts, m),
            MarketEvent::Trade(m) => Envelope::new(mkt, ts, origin_ts, m),
        }
    }
}

impl Decodable for MarketEvent {
    fn decode(envelope: &Envelope) -> Result<Self, DecodeError> {
        match envelope.kind.as_str() {
            BookSnapshot::TYPE => envelope.decode().map(MarketEvent::Snapshot),
            BookDelta::TYPE => envelope.decode().map(MarketEvent::Delta),
            Trade::TYPE => envelope.decode().map(MarketEvent::Trade),
            _ => Err(DecodeError::WrongType {
                expected: "book_snapshot|book_delta|trade",
                found: envelope.kind.clone(),
            }),
        }
    }
}
