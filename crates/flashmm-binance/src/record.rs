//! The live recorder: Binance's raw frames, per symbol, through the importer's
//! [`BinanceConverter`] into FlashMM recordings, one file per symbol per rotation.
//!
//! Every frame and REST snapshot body the feed passes through ([`FeedEvent::Raw`]) becomes
//! the capture line `<recv ns> <JSON>` and goes to the symbol's converter, so a live
//! recording holds exactly the records `flashmm import binance` writes from the same lines
//! (with the same tick and lot). With [`RecordConfig::raw`] those lines are also kept, gzip,
//! beside each recording (`*.raw.gz`, the capture format of `../shared/data`).
//!
//! The grid ([`resolve_symbols`]): the tick is the finer of `exchangeInfo`'s `tickSize` and
//! the finest price increment of a first depth snapshot; the lot the finer of `stepSize` and
//! `10^-k`, `k` the decimal places the venue writes sizes with in that snapshot, trailing zeros
//! included (8 on spot, 3 for BTCUSDT on USD-M). The book aggregates orders placed under
//! older, finer steps (the recorded spot BTCUSDT snapshot has six-decimal sizes under a
//! 0.00001 step), so `stepSize` alone would make such levels, and with them whole snapshots,
//! off-grid; no size can have more places than the venue writes.
//!
//! Files are `DIR/<symbol>_<UTC start>_<n>.rec.gz`, written as `*.part` and renamed once
//! finished (gzip trailer written, flushed), so a file under its final name is always whole.
//! A file is rotated after `rotate_bytes` (compressed bytes written) or `rotate_after`; the
//! next one starts with a snapshot of the book at the current sequence
//! ([`BinanceConverter::snapshot_record`]), so each file replays on its own, and the records
//! of all the files, less those starting snapshots, are the import of all the lines.

use crate::feed::{FeedEvent, FeedStats};
use crate::{subscribe, FeedConfig, FeedSymbol, RestClient, RestError};
use flashmm_core::market::MarketSpec;
use flashmm_core::time::{UnixNanos, NANOS_PER_SEC};
use flashmm_recording::import::binance::message::{parse_message, Message};
use flashmm_recording::import::binance::{market_from_symbol, BinanceConverter, GridScan};
use flashmm_recording::import::ImportStats;
use flashmm_recording::{Compression, Record, RecordingError, RecordingHeader, RecordingWriter};
use flate2::write::GzEncoder;
use rust_decimal::Decimal;
use std::fs::File;
use std::future::Future;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Why recording failed.
#[derive(Debug, Error)]
pub enum RecordError {
    /// A REST call (grids, the first snapshot) failed.
    #[error("{0}")]
    Rest(#[from] RestError),
    /// The venue does not list the symbol, or its answers do not give its grid.
    #[error("symbol {symbol}: {why}")]
    Symbol {
        /// The symbol.
        symbol: String,
        /// What is wrong.
        why: String,
    },
    /// A file could not be created, written or renamed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A recording could not be written.
    #[error("{}: {source}", path.display())]
    Recording {
        /// The file.
        path: PathBuf,
        /// The error.
        source: RecordingError,
    },
    /// The feed stopped.
    #[error("the feed stopped")]
    FeedEnded,
}

/// What to record and how files rotate.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    /// The feed (its symbols with their specs, see [`resolve_symbols`]); raw frames are
    /// turned on by [`record`].
    pub feed: FeedConfig,
    /// The directory of the files (created when missing).
    pub out_dir: PathBuf,
    /// Rotate a file once this many (compressed) bytes are written.
    pub rotate_bytes: Option<u64>,
    /// Rotate a file once it is this old.
    pub rotate_after: Option<Duration>,
    /// Also keep the raw capture lines beside each recording (`*.raw.gz`).
    pub raw: bool,
}

/// What one symbol's recording wrote.
#[derive(Debug, Clone)]
pub struct SymbolSummary {
    /// The Binance symbol.
    pub symbol: String,
    /// The spec of its recordings.
    pub spec: MarketSpec,
    /// The finished recordings, in order.
    pub files: Vec<PathBuf>,
    /// The finished raw captures, in order (with [`RecordConfig::raw`]).
    pub raw_files: Vec<PathBuf>,
    /// Records written, rotation snapshots included.
    pub records: u64,
    /// The converter's statistics over all the files.
    pub stats: ImportStats,
}

/// What a recording session wrote, per symbol, and the feed's counters.
#[derive(Debug)]
pub struct RecordSummary {
    /// One per symbol, in the order of the feed's symbols.
    pub symbols: Vec<SymbolSummary>,
    /// The feed's counters.
    pub feed: Arc<FeedStats>,
}

/// The feed symbols of `symbols` with their specs: market id from the symbol, tick and lot
/// by the rule of the module docs (`exchangeInfo`, refined by a first depth snapshot of
/// `depth_limit` levels).
pub async fn resolve_symbols(
    rest: &RestClient,
    symbols: &[String],
    depth_limit: u32,
) -> Result<Vec<FeedSymbol>, RecordError> {
    let upper: Vec<String> = symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
    let grids = rest.grids(&upper).await?;
    let mut out = Vec::with_capacity(upper.len());
    for symbol in upper {
        let err = |why: String| RecordError::Symbol {
            symbol: symbol.clone(),
            why,
        };
        let grid = grids
            .iter()
            .find(|g| g.symbol.eq_ignore_ascii_case(&symbol))
            .ok_or_else(|| err("not listed by exchangeInfo".to_owned()))?;
        let body = rest.depth_snapshot(&symbol, depth_limit).await?;
        let (tick, lot) = refine_grid(grid.tick_size, grid.lot_size, &body).map_err(err)?;
        let market = market_from_symbol(&symbol)
            .ok_or_else(|| err("no market id for this symbol".to_owned()))?;
        let spec = MarketSpec::new(
            market,
            tick,
            lot,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
        )
        .map_err(|e| err(e.to_string()))?;
        out.push(FeedSymbol {
            symbol: symbol.clone(),
            spec,
        });
    }
    Ok(out)
}

/// The tick and lot of a symbol: `tick`/`lot` of `exchangeInfo`, refined by the depth
/// snapshot `body` (see the module docs).
pub fn refine_grid(tick: Decimal, lot: Decimal, body: &str) -> Result<(Decimal, Decimal), String> {
    let Message::Snapshot(s) = parse_message(body).map_err(|k| format!("depth snapshot: {k:?}"))?
    else {
        return Err("the depth answer is not a snapshot".to_owned());
    };
    let mut scan = GridScan::new();
    scan.push_line(format!("0 {body}").as_bytes());
    let tick = match scan.tick_size() {
        Some(t) if t < tick => t,
        _ => tick,
    };
    let written = s
        .bids
        .iter()
        .chain(&s.asks)
        .filter_map(|l| {
            let (_, frac) = l[1].split_once('.')?;
            frac.bytes()
                .all(|b| b.is_ascii_digit())
                .then_some(frac.len() as u32)
        })
        .max();
    let lot = match written.filter(|&k| k <= 16).map(|k| Decimal::new(1, k)) {
        Some(l) if l < lot => l,
        _ => lot,
    };
    Ok((tick.normalize(), lot.normalize()))
}

/// A writer that counts the bytes it passes on.
struct Counting<W> {
    inner: W,
    bytes: Arc<AtomicU64>,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// One open file of a symbol (and its raw capture).
struct Open {
    path: PathBuf,
    part: PathBuf,
    writer: RecordingWriter<Counting<BufWriter<File>>>,
    bytes: Arc<AtomicU64>,
    raw: Option<(PathBuf, PathBuf, GzEncoder<BufWriter<File>>)>,
    opened: Instant,
}

/// One symbol's converter and files.
struct Output {
    symbol: String,
    converter: BinanceConverter,
    header: RecordingHeader,
    dir: PathBuf,
    raw: bool,
    next: u32,
    open: Option<Open>,
    summary: SymbolSummary,
    records: Vec<Record>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RecordError + '_ {
    move |source| RecordError::Io {
        path: path.to_owned(),
        source,
    }
}

fn rec_err(path: &Path) -> impl FnOnce(RecordingError) -> RecordError + '_ {
    move |source| RecordError::Recording {
        path: path.to_owned(),
        source,
    }
}

/// `YYYYMMDDTHHMMSSZ` of a UTC time.
fn utc_stamp(t: UnixNanos) -> String {
    let secs = t.as_i64().div_euclid(NANOS_PER_SEC);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date of a day count since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Output {
    /// Opens the next file, starting it with the book's snapshot when there is one.
    fn open(&mut self, at: UnixNanos) -> Result<(), RecordError> {
        self.next += 1;
        let stem = format!(
            "{}_{}_{:04}",
            self.symbol.to_ascii_lowercase(),
            utc_stamp(at),
            self.next
        );
        let path = self.dir.join(format!("{stem}.rec.gz"));
        let part = self.dir.join(format!("{stem}.rec.gz.part"));
        let file = File::create(&part).map_err(io_err(&part))?;
        let bytes = Arc::new(AtomicU64::new(0));
        let sink = Counting {
            inner: BufWriter::new(file),
            bytes: bytes.clone(),
        };
        let mut writer =
            RecordingWriter::new(sink, &self.header, Compression::Gzip).map_err(rec_err(&part))?;
        if let Some(start) = self.converter.snapshot_record(at) {
            writer.write(&start).map_err(rec_err(&part))?;
            self.summary.records += 1;
        }
        let raw = if self.raw {
            let path = self.dir.join(format!("{stem}.raw.gz"));
            let part = self.dir.join(format!("{stem}.raw.gz.part"));
            let file = File::create(&part).map_err(io_err(&part))?;
            let gz = GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
            Some((path, part, gz))
        } else {
            None
        };
        self.open = Some(Open {
            path,
            part,
            writer,
            bytes,
            raw,
            opened: Instant::now(),
        });
        Ok(())
    }

    /// Finishes the open file, if any: trailer, flush, rename to its final name.
    fn finish(&mut self) -> Result<(), RecordError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let mut inner = open.writer.finish().map_err(rec_err(&open.part))?;
        inner.inner.flush().map_err(io_err(&open.part))?;
        drop(inner);
        std::fs::rename(&open.part, &open.path).map_err(io_err(&open.path))?;
        self.summary.files.push(open.path);
        if let Some((path, part, gz)) = open.raw {
            let mut w = gz.finish().map_err(io_err(&part))?;
            w.flush().map_err(io_err(&part))?;
            drop(w);
            std::fs::rename(&part, &path).map_err(io_err(&path))?;
            self.summary.raw_files.push(path);
        }
        Ok(())
    }

    /// Converts one raw message received at `at` and writes its records.
    fn push(&mut self, at: UnixNanos, json: &str) -> Result<(), RecordError> {
        if self.open.is_none() {
            self.open(at)?;
        }
        // JSON has no raw line breaks inside its strings: outside them they are blanks.
        let line = format!("{} {}", at.as_i64(), json.replace(['\n', '\r'], " "));
        self.converter.push_line(line.as_bytes(), &mut self.records);
        let Some(open) = self.open.as_mut() else {
            return Ok(());
        };
        if let Some((_, part, gz)) = open.raw.as_mut() {
            gz.write_all(line.as_bytes())
                .and_then(|()| gz.write_all(b"\n"))
                .map_err(io_err(part))?;
        }
        for r in self.records.drain(..) {
            open.writer.write(&r).map_err(rec_err(&open.part))?;
            self.summary.records += 1;
        }
        Ok(())
    }

    /// Whether the open file is due for rotation.
    fn due(&self, rotate_bytes: Option<u64>, rotate_after: Option<Duration>) -> bool {
        self.open.as_ref().is_some_and(|o| {
            rotate_bytes.is_some_and(|b| o.bytes.load(Ordering::Relaxed) >= b)
                || rotate_after.is_some_and(|d| o.opened.elapsed() >= d)
        })
    }

    fn rotate(&mut self, at: UnixNanos) -> Result<(), RecordError> {
        self.finish()?;
        self.open(at)
    }
}

/// The wall clock in UTC ns.
fn now() -> UnixNanos {
    UnixNanos(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0),
    )
}

/// Records the feed of `config` until `stop` completes (or an error), then finishes every
/// open file. Errors also finish the files that can be.
pub async fn record(
    config: RecordConfig,
    stop: impl Future<Output = ()>,
) -> Result<RecordSummary, RecordError> {
    std::fs::create_dir_all(&config.out_dir).map_err(io_err(&config.out_dir))?;
    let mut feed_config = config.feed.clone();
    feed_config.raw_frames = true;
    let market = feed_config.market;
    let mut outputs: Vec<Output> = feed_config
        .symbols
        .iter()
        .map(|s| Output {
            symbol: s.symbol.to_ascii_uppercase(),
            converter: BinanceConverter::new(s.spec.clone(), &s.symbol.to_ascii_uppercase()),
            header: RecordingHeader {
                markets: vec![s.spec.clone()],
                source: format!(
                    "flashmm record of binance {market} {} (live)",
                    s.symbol.to_ascii_uppercase()
                ),
            },
            dir: config.out_dir.clone(),
            raw: config.raw,
            next: 0,
            open: None,
            summary: SymbolSummary {
                symbol: s.symbol.to_ascii_uppercase(),
                spec: s.spec.clone(),
                files: Vec::new(),
                raw_files: Vec::new(),
                records: 0,
                stats: ImportStats::default(),
            },
            records: Vec::new(),
        })
        .collect();
    let mut feed = subscribe(feed_config)?;
    let stats = feed.stats();
    let result = run(&config, &mut feed, &mut outputs, stop).await;
    drop(feed);
    let mut finished = Ok(());
    for o in &mut outputs {
        if let Err(e) = o.finish() {
            tracing::error!(symbol = o.symbol, error = %e, "cannot finish the recording");
            finished = finished.and(Err(e));
        }
    }
    result?;
    finished?;
    Ok(RecordSummary {
        symbols: outputs
            .into_iter()
            .map(|o| SymbolSummary {
                stats: o.converter.into_stats(),
                ..o.summary
            })
            .collect(),
        feed: stats,
    })
}

async fn run(
    config: &RecordConfig,
    feed: &mut crate::FeedStream,
    outputs: &mut [Output],
    stop: impl Future<Output = ()>,
) -> Result<(), RecordError> {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            f = feed.next() => {
                let Some(f) = f else { return Err(RecordError::FeedEnded) };
                match f.event {
                    FeedEvent::Raw { symbol, json } => {
                        let Some(o) = outputs.iter_mut().find(|o| o.symbol.eq_ignore_ascii_case(&symbol)) else {
                            continue;
                        };
                        o.push(f.at, &json)?;
                        if o.due(config.rotate_bytes, None) {
                            o.rotate(f.at)?;
                        }
                    }
                    FeedEvent::Connected => tracing::info!("binance stream connected"),
                    FeedEvent::Disconnected { reason } => {
                        tracing::warn!(reason, "binance stream lost, reconnecting");
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => {
                for o in outputs.iter_mut() {
                    if o.due(None, config.rotate_after) {
                        o.rotate(now())?;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps() {
        assert_eq!(utc_stamp(UnixNanos(0)), "19700101T000000Z");
        assert_eq!(
            utc_stamp(UnixNanos(1_723_161_254_206_652_067)),
            "20240808T235414Z"
        );
        assert_eq!(
            utc_stamp(UnixNanos(951_782_400_000_000_000)),
            "20000229T000000Z"
        );
    }

    #[test]
    fn the_grid_is_refined_by_what_the_venue_writes() {
        let spot = r#"{"lastUpdateId":1,"bids":[["61837.63000000","3.78826000"]],"asks":[["61837.64000000","0.00000100"]]}"#;
        let (tick, lot) = refine_grid(Decimal::new(1, 2), Decimal::new(1, 5), spot).unwrap();
        assert_eq!((tick, lot), (Decimal::new(1, 2), Decimal::new(1, 8)));
        let usdm = r#"{"lastUpdateId":1,"E":1,"T":1,"bids":[["63943.90","46.372"]],"asks":[["63944.00","0.007"]]}"#;
        let (tick, lot) = refine_grid(Decimal::new(1, 1), Decimal::new(1, 3), usdm).unwrap();
        assert_eq!((tick, lot), (Decimal::new(1, 1), Decimal::new(1, 3)));
        // A price finer than the tick refines the tick.
        let odd = r#"{"lastUpdateId":1,"bids":[["100.005","1"]],"asks":[]}"#;
        let (tick, lot) = refine_grid(Decimal::new(1, 2), Decimal::new(1, 3), odd).unwrap();
        assert_eq!((tick, lot), (Decimal::new(1, 3), Decimal::new(1, 3)));
        assert!(refine_grid(Decimal::ONE, Decimal::ONE, "{}").is_err());
    }
}
