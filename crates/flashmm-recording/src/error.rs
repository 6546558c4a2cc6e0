//! Errors raised when writing or reading a recording.

use thiserror::Error;

/// Why a recording could not be written or read.
#[derive(Debug, Error)]
pub enum RecordingError {
    /// The underlying file or stream failed.
    #[error("recording i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The stream does not start with the recording magic: not a FlashMM recording.
    #[error("not a FlashMM recording (bad magic bytes)")]
    BadMagic,
    /// The format version is not one this build can read.
    #[error("recording format version {found} is not supported (this build reads {supported})")]
    UnknownVersion {
        /// The version found in the file.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },
    /// The stream ends inside the preamble, the header or a record.
    #[error("recording truncated in {what}")]
    Truncated {
        /// What was being read: `preamble`, `header` or `record N`.
        what: String,
    },
    /// A complete frame whose body does not decode, or whose length is impossible.
    #[error("corrupt {what}: {reason}")]
    Corrupt {
        /// What was being read: `header` or `record N`.
        what: String,
        /// The decoder's complaint.
        reason: String,
    },
    /// A header or record could not be encoded.
    #[error("encoding {what}: {reason}")]
    Encode {
        /// What was being written.
        what: &'static str,
        /// The encoder's complaint.
        reason: String,
    },
}
