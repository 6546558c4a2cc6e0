//! The contract between a stream entry's `type`/`v` fields and the Rust type of its body.

use serde::{de::DeserializeOwned, Serialize};

/// A message that travels on a FlashMM stream as a msgpack `body`.
///
/// `TYPE` is written to the entry's `type` field and `VERSION` to its `v` field; a consumer
/// that meets another type or a version it does not know sends the entry to the dead-letter
/// stream instead of guessing.
pub trait StreamMessage: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The entry's `type` field, e.g. `book_delta`.
    const TYPE: &'static str;
    /// The schema version this code writes and reads.
    const VERSION: u16;
}

/// A stream entry as a decoder sees it: its `type`, and its body read as one message type.
/// The bus implements it for its envelope; [`Decodable`] types decode through it.
pub trait Entry {
    /// Why an entry could not be decoded.
    type Error;
    /// The entry's `type` field.
    fn kind(&self) -> &str;
    /// The body as `T`, refusing another type or an unknown version.
    fn decode_as<T: StreamMessage>(&self) -> Result<T, Self::Error>;
    /// The error of an entry whose `type` is none of `expected` (`a|b|c`).
    fn wrong_type(&self, expected: &'static str) -> Self::Error;
}

/// What an entry can be decoded into: one [`StreamMessage`], or an enum of the several types a
/// stream carries (e.g. [`MarketEvent`](crate::market_event::MarketEvent) on `md:{mkt}`).
pub trait Decodable: Sized + Send + 'static {
    /// Decodes the entry according to its `type` and version.
    fn decode<E: Entry>(entry: &E) -> Result<Self, E::Error>;
}

impl<T: StreamMessage> Decodable for T {
    fn decode<E: Entry>(entry: &E) -> Result<Self, E::Error> {
        entry.decode_as::<T>()
    }
}

/// Writes one message into a stream entry. The bus implements it for its envelope.
pub trait EntryWriter {
    /// The entry written.
    type Entry;
    /// Why the message could not be written.
    type Error;
    /// Writes `message` with its `type` and version.
    fn write<T: StreamMessage>(self, message: &T) -> Result<Self::Entry, Self::Error>;
}

/// What can be written as a stream entry: one [`StreamMessage`], or an enum of several whose
/// variants each write their own type.
pub trait Encodable {
    /// Writes the value with `writer`.
    fn encode<W: EntryWriter>(&self, writer: W) -> Result<W::Entry, W::Error>;
}

impl<T: StreamMessage> Encodable for T {
    fn encode<W: EntryWriter>(&self, writer: W) -> Result<W::Entry, W::Error> {
        writer.write(self)
    }
}
