//! FlashMM's recordings: the normalized market-data file that ingest writes and the replay
//! venue, the backtester and the dataset builder read, and ([`import`]) the importers that turn
//! raw venue captures into it.
//!
//! A recording is a byte stream, optionally gzip-compressed as a whole (readers detect gzip by
//! its magic bytes):
//!
//! ```text
//! MAGIC (8 bytes "FLASHMMR") | format version (u16, little endian)
//! frame: RecordingHeader      (the markets' specs and a free-text source)
//! frame: Record ...           (until the end of the stream)
//! frame = length (u32, little endian) | msgpack body with named fields (rmp-serde)
//! ```
//!
//! Each [`Record`] is `{recv_ts, event}`: the local receive time and one
//! [`RecordEvent`] (book snapshot, book delta, trade or exact top of book). Length framing
//! keeps a corrupt record from desynchronising the rest of the file and tells a file cut
//! short (a [`RecordingError::Truncated`]) from a clean end. [`RecordingWriter`] and
//! [`RecordingReader`] stream: memory stays constant whatever the file's length.

#![warn(missing_docs)]

pub mod import;

mod compression;
mod error;
mod header;
mod reader;
mod record;
mod top;
mod writer;

#[cfg(test)]
mod tests;

pub use compression::Compression;
pub use error::RecordingError;
pub use header::{RecordingHeader, FORMAT_VERSION, MAGIC, MAX_FRAME_LEN};
pub use reader::RecordingReader;
pub use record::{Record, RecordEvent};
pub use top::TopOfBook;
pub use writer::RecordingWriter;
