//! Whether a recording is written gzip-compressed.

/// How a [`RecordingWriter`](super::RecordingWriter) encodes the byte stream. Readers detect
/// the choice from the first bytes, so it is not stored anywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Plain frames, no compression.
    None,
    /// The whole stream gzip-compressed (default level).
    #[default]
    Gzip,
}
