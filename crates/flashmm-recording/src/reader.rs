//! [`RecordingReader`]: streams records out of a recording.

use super::{Record, RecordingError, RecordingHeader};
use super::{FORMAT_VERSION, MAGIC, MAX_FRAME_LEN};
use flate2::bufread::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;

/// The two magic bytes that open a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a recording, plain or gzip-compressed (detected from the first bytes).
///
/// The header is read on construction; records come from the [`Iterator`] implementation,
/// one frame at a time, so memory stays constant. A record whose frame is complete but whose
/// body does not decode yields [`RecordingError::Corrupt`] and reading goes on with the next
/// one; any other error (a truncated file, an impossible frame length, an i/o failure) ends
/// the iteration after it is yielded.
pub struct RecordingReader<R: Read> {
    source: Source<R>,
    header: RecordingHeader,
    buf: Vec<u8>,
    index: u64,
    done: bool,
}

impl<R: Read> std::fmt::Debug for RecordingReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingReader")
            .field("header", &self.header)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// The byte source, decompressed or not.
enum Source<R: Read> {
    Plain(BufReader<R>),
    Gzip(BufReader<MultiGzDecoder<BufReader<R>>>),
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
        }
    }
}

impl RecordingReader<File> {
    /// Opens the recording at `path` and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RecordingError> {
        RecordingReader::new(File::open(path)?)
    }
}

impl<R: Read> RecordingReader<R> {
    /// Starts reading a recording from `inner`: checks the magic and version, reads the header.
    pub fn new(inner: R) -> Result<Self, RecordingError> {
        let mut buffered = BufReader::with_capacity(64 * 1024, inner);
        let head = buffered.fill_buf()?;
        let source = if head.starts_with(&GZIP_MAGIC) {
            Source::Gzip(BufReader::with_capacity(
                64 * 1024,
                MultiGzDecoder::new(buffered),
            ))
        } else {
            Source::Plain(buffered)
        };
        let mut reader = RecordingReader {
            source,
            header: RecordingHeader {
                markets: Vec::new(),
                source: String::new(),
            },
            buf: Vec::with_capacity(4096),
            index: 0,
            done: false,
        };
        let mut preamble = [0u8; MAGIC.len() + 2];
        let got = reader.read_full(&mut preamble, "preamble")?;
        if preamble[..got.min(MAGIC.len())] != MAGIC[..got.min(MAGIC.len())] {
            return Err(RecordingError::BadMagic);
        }
        if got < preamble.len() {
            return Err(truncated("preamble"));
        }
        let version = u16::from_le_bytes([preamble[MAGIC.len()], preamble[MAGIC.len() + 1]]);
        if version != FORMAT_VERSION {
            return Err(RecordingError::UnknownVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if !reader.read_frame(|| "header".to_owned())? {
            return Err(truncated("header"));
        }
        reader.header =
            rmp_serde::from_slice(&reader.buf).map_err(|e| RecordingError::Corrupt {
                what: "header".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(reader)
    }

    /// The recording's header.
    pub fn header(&self) -> &RecordingHeader {
        &self.header
    }

    /// How many record frames were read so far (corrupt ones included).
    pub fn records_read(&self) -> u64 {
        self.index
    }

    /// Reads until `buf` is full or the stream ends; returns how many bytes were read.
    fn read_full(&mut self, buf: &mut [u8], what: &str) -> Result<usize, RecordingError> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.source.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Err(truncated(what)),
                Err(e) => return Err(RecordingError::Io(e)),
            }
        }
        Ok(filled)
    }

    /// Reads the next frame's body into `self.buf`; `Ok(false)` at a clean end of stream.
    fn read_frame(&mut self, what: impl Fn() -> String) -> Result<bool, RecordingError> {
        let mut len = [0u8; 4];
        match self.read_full(&mut len, &what())? {
            0 => return Ok(false),
            4 => {}
            _ => return Err(truncated(&what())),
        }
        let len = u32::from_le_bytes(len);
        if len > MAX_FRAME_LEN {
            return Err(RecordingError::Corrupt {
                what: what(),
                reason: format!("frame length {len} exceeds {MAX_FRAME_LEN}"),
            });
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(len as usize, 0);
        let got = self.read_full(&mut buf, &what());
        self.buf = buf;
        if got? < len as usize {
            return Err(truncated(&what()));
        }
        Ok(true)
    }

    /// The next record, `None` at the end.
    fn next_record(&mut self) -> Option<Result<Record, RecordingError>> {
        let index = self.index;
        let what = || format!("record {index}");
        match self.read_frame(what) {
            Ok(false) => None,
            Ok(true) => {
                self.index += 1;
                Some(
                    rmp_serde::from_slice(&self.buf).map_err(|e| RecordingError::Corrupt {
                        what: what(),
                        reason: e.to_string(),
                    }),
                )
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<R: Read> Iterator for RecordingReader<R> {
    type Item = Result<Record, RecordingError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.next_record();
        if item.is_none() {
            self.done = true;
        }
        item
    }
}

fn truncated(what: &str) -> RecordingError {
    RecordingError::Truncated {
        what: what.to_owned(),
    }
}
