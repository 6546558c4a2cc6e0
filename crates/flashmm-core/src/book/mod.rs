//! The L2 order book of one market: its price levels, the snapshot and delta messages that
//! build it, the checks that keep it consistent (sequence, crossing, malformed levels), and
//! [`SyncedBook`]: a book rebuilt from events with whether it is in sync.

#[allow(clippy::module_inception)]
mod book;
mod delta;
mod error;
mod ladder;
mod level;
mod snapshot;
mod synced;

pub use book::OrderBook;
pub use delta::BookDelta;
pub use error::BookError;
pub use ladder::Levels;
pub use level::BookLevel;
pub use snapshot::BookSnapshot;
pub use synced::{BookUpdate, SyncedBook};
