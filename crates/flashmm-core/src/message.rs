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
