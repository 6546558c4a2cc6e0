//! [`DataSource`]: what a backtest replays, a FlashMM recording or raw Binance captures
//! (imported in memory with the project's importer).

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::PathBuf;

use flashmm_core::market::MarketSpec;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, RecordingError, RecordingHeader, RecordingReader};

use crate::error::BacktestError;

/// Recorded market data to replay.
#[derive(Debug, Clone)]
pub struct DataSource {
    header: RecordingHeader,
    kind: Kind,
    /// Records in the data, when known before reading (raw imports).
    pub records: Option<u64>,
}

#[derive(Debug, Clone)]
enum Kind {
    Recording(PathBuf),
    Imported(std::sync::Arc<Vec<u8>>),
}

impl DataSource {
    /// Opens `paths`: one FlashMM recording, or raw Binance capture files of one instrument in
    /// time order (`<recv ns> <JSON>` lines, gzip or plain), recognised by the recording's
    /// magic bytes being absent.
    pub fn open(paths: &[PathBuf]) -> Result<Self, BacktestError> {
        let Some(first) = paths.first() else {
            return Err(BacktestError::Config {
                field: "data",
                value: "(none)".into(),
                expected: "a recording or raw capture files",
            });
        };
        match RecordingReader::open(first) {
            Ok(reader) if paths.len() == 1 => {
                return Ok(DataSource {
                    header: reader.header().clone(),
                    kind: Kind::Recording(first.clone()),
                    records: None,
                })
            }
            Ok(_) => {
                return Err(BacktestError::Config {
                    field: "data",
                    value: format!("{} files", paths.len()),
                    expected: "one recording, or raw capture files only",
                })
            }
            Err(RecordingError::BadMagic) => {}
            Err(e) => return Err(e.into()),
        }
        let mut bytes = Vec::new();
        let config = BinanceImportConfig {
            compression: Compression::None,
            ..BinanceImportConfig::default()
        };
        let import =
            import_binance(paths, &mut bytes, &config).map_err(|e| BacktestError::Output {
                path: first.display().to_string(),
                reason: format!("neither a FlashMM recording nor raw Binance captures: {e}"),
            })?;
        let reader = RecordingReader::new(Cursor::new(bytes.as_slice()))?;
        let header = reader.header().clone();
        let s = &import.stats;
        Ok(DataSource {
            header,
            kind: Kind::Imported(std::sync::Arc::new(bytes)),
            records: Some(s.snapshots + s.deltas + s.trades + s.tops),
        })
    }

    /// The recording's header.
    pub fn header(&self) -> &RecordingHeader {
        &self.header
    }

    /// The spec of `market`, or of the first market when `None`.
    pub fn spec(&self, market: Option<&str>) -> Result<MarketSpec, BacktestError> {
        match market {
            Some(m) => self.header.market(m).cloned(),
            None => self.header.markets.first().cloned(),
        }
        .ok_or_else(|| BacktestError::NoMarket(market.unwrap_or("(any)").to_owned()))
    }

    /// A fresh reader over the records, from the start.
    pub fn reader(&self) -> Result<RecordingReader<Box<dyn Read>>, BacktestError> {
        let inner: Box<dyn Read> = match &self.kind {
            Kind::Recording(path) => Box::new(File::open(path).map_err(RecordingError::Io)?),
            Kind::Imported(bytes) => Box::new(Cursor::new(SharedBytes(bytes.clone()))),
        };
        Ok(RecordingReader::new(inner)?)
    }
}

/// Shared in-memory bytes, readable through a `Cursor`.
#[derive(Debug, Clone)]
struct SharedBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}
