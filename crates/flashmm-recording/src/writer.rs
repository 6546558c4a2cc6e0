//! [`RecordingWriter`]: streams records into a recording.

use super::{Compression, Record, RecordingError, RecordingHeader};
use super::{FORMAT_VERSION, MAGIC, MAX_FRAME_LEN};
use flate2::write::GzEncoder;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a recording: the preamble and header on creation, then one frame per record.
///
/// Call [`RecordingWriter::finish`] at the end: it completes the gzip stream and flushes.
/// A writer dropped without it may leave a file that readers report as truncated.
pub struct RecordingWriter<W: Write> {
    sink: Sink<W>,
    buf: Vec<u8>,
    records: u64,
}

impl<W: Write> std::fmt::Debug for RecordingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingWriter")
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

/// The byte sink, compressed or not.
enum Sink<W: Write> {
    Plain(W),
    Gzip(GzEncoder<W>),
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl RecordingWriter<BufWriter<File>> {
    /// Creates (or truncates) the file at `path` and writes the header.
    pub fn create(
        path: impl AsRef<Path>,
        header: &RecordingHeader,
        compression: Compression,
    ) -> Result<Self, RecordingError> {
        let file = File::create(path)?;
        RecordingWriter::new(BufWriter::new(file), header, compression)
    }
}

impl<W: Write> RecordingWriter<W> {
    /// Starts a recording on `inner`: writes the magic, the format version and `header`.
    pub fn new(
        inner: W,
        header: &RecordingHeader,
        compression: Compression,
    ) -> Result<Self, RecordingError> {
        let sink = match compression {
            Compression::None => Sink::Plain(inner),
            Compression::Gzip => Sink::Gzip(GzEncoder::new(inner, flate2::Compression::default())),
        };
        let mut writer = RecordingWriter {
            sink,
            buf: Vec::with_capacity(4096),
            records: 0,
        };
        writer.sink.write_all(&MAGIC)?;
        writer.sink.write_all(&FORMAT_VERSION.to_le_bytes())?;
        writer.frame("header", header)?;
        Ok(writer)
    }

    /// Appends one record.
    pub fn write(&mut self, record: &Record) -> Result<(), RecordingError> {
        self.frame("record", record)?;
        self.records += 1;
        Ok(())
    }

    /// How many records were written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Completes the stream (the gzip trailer), flushes, and gives back the inner writer.
    pub fn finish(self) -> Result<W, RecordingError> {
        let mut inner = match self.sink {
            Sink::Plain(w) => w,
            Sink::Gzip(gz) => gz.finish()?,
        };
        inner.flush()?;
        Ok(inner)
    }

    /// Writes one length-prefixed msgpack frame with named fields.
    fn frame(&mut self, what: &'static str, value: &impl Serialize) -> Result<(), RecordingError> {
        self.buf.clear();
        rmp_serde::encode::write_named(&mut self.buf, value).map_err(|e| {
            RecordingError::Encode {
                what,
                reason: e.to_string(),
            }
        })?;
        let len = u32::try_from(self.buf.len())
            .ok()
            .filter(|&l| l <= MAX_FRAME_LEN)
            .ok_or_else(|| RecordingError::Encode {
                what,
                reason: format!("{} bytes exceed the frame limit", self.buf.len()),
            })?;
        self.sink.write_all(&len.to_le_bytes())?;
        self.sink.write_all(&self.buf)?;
        Ok(())
    }
}
