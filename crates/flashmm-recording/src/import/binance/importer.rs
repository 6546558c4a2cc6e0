//! [`import_binance`]: files of raw Binance lines to a recording, in two passes.

use super::{market_from_symbol, BinanceConverter, GridScan, TimeUnit};
use crate::import::{ImportError, ImportStats};
use crate::{Compression, RecordingHeader, RecordingWriter};
use flashmm_core::market::{MarketId, MarketSpec};
use flate2::bufread::MultiGzDecoder;
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// Options of a Binance import. The default derives everything from the data.
#[derive(Debug, Clone, Default)]
pub struct BinanceImportConfig {
    /// The tick size; by default the smallest price increment in the data.
    pub tick_size: Option<Decimal>,
    /// The lot size; by default the smallest size increment in the data.
    pub lot_size: Option<Decimal>,
    /// The market id; by default derived from the symbol (`BTCUSDT` → `BTC/USDT`).
    pub market: Option<MarketId>,
    /// Reads at most this many lines over all files (both passes), e.g. for quick checks.
    pub max_lines: Option<u64>,
    /// How the recording is written.
    pub compression: Compression,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct BinanceImport {
    /// The spec written into the recording's header.
    pub spec: MarketSpec,
    /// The Binance symbol imported.
    pub symbol: String,
    /// The unit the capture's receive times were written in (converted to nanoseconds).
    pub time_unit: TimeUnit,
    /// Whether the capture had no depth, so the book is the `bookTicker`'s two levels.
    pub top_only: bool,
    /// What was read, written, fixed and skipped.
    pub stats: ImportStats,
}

/// Imports `inputs` (files of one instrument, gzip or plain, in time order) into a recording
/// written to `out`.
///
/// A first pass finds the symbol (the first one seen; lines of others are skipped as
/// malformed), the unit of the receive times (nanoseconds, or microseconds in older
/// captures: told by their number of digits; a mix is refused), whether there is any depth,
/// and, unless given, the tick and lot; a second pass converts. Memory stays
/// bounded by the book, whatever the files' length.
pub fn import_binance<P: AsRef<Path>, W: Write>(
    inputs: &[P],
    out: &mut W,
    config: &BinanceImportConfig,
) -> Result<BinanceImport, ImportError> {
    if inputs.is_empty() {
        return Err(ImportError::NoInput);
    }
    let mut scan = GridScan::new();
    for_each_line(inputs, config.max_lines, |line| scan.push_line(line))?;
    let symbol = scan.symbol().ok_or(ImportError::NoData)?.to_owned();
    let time_unit = scan
        .time_units()
        .unit()
        .map_err(ImportError::MixedTimeUnits)?
        .unwrap_or(TimeUnit::Nanos);
    let top_only = scan.depth_messages() == 0;
    let market = match &config.market {
        Some(m) => m.clone(),
        None => {
            market_from_symbol(&symbol).ok_or_else(|| ImportError::UnknownSymbol(symbol.clone()))?
        }
    };
    let (Some(tick), Some(lot)) = (
        config.tick_size.or(scan.tick_size()),
        config.lot_size.or(scan.lot_size()),
    ) else {
        return Err(ImportError::NoData);
    };
    let spec = MarketSpec::new(
        market,
        tick,
        lot,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    )?;
    let names: Vec<String> = inputs
        .iter()
        .map(|p| {
            p.as_ref().file_name().map_or_else(
                || p.as_ref().display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let header = RecordingHeader {
        markets: vec![spec.clone()],
        source: format!("binance import of {symbol} from {}", names.join(", ")),
    };
    let mut writer = RecordingWriter::new(&mut *out, &header, config.compression)?;
    let mut converter = BinanceConverter::new(spec.clone(), &symbol)
        .with_time_unit(time_unit)
        .with_top_only(top_only);
    let mut records = Vec::new();
    let mut failure = None;
    for_each_line(inputs, config.max_lines, |line| {
        if failure.is_some() {
            return;
        }
        converter.push_line(line, &mut records);
        for r in records.drain(..) {
            if let Err(e) = writer.write(&r) {
                failure = Some(e);
                return;
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    writer.finish()?;
    let mut stats = converter.into_stats();
    stats.files = inputs.len() as u64;
    Ok(BinanceImport {
        spec,
        symbol,
        time_unit,
        top_only,
        stats,
    })
}

/// Calls `f` with every line (line ending included) of every input, in order, up to
/// `max_lines` in all. Gzip inputs (by magic bytes) are decompressed.
fn for_each_line<P: AsRef<Path>>(
    inputs: &[P],
    max_lines: Option<u64>,
    mut f: impl FnMut(&[u8]),
) -> Result<(), ImportError> {
    let mut budget = max_lines.unwrap_or(u64::MAX);
    let mut line = Vec::with_capacity(64 * 1024);
    for path in inputs {
        let path = path.as_ref();
        let read_err = |error| ImportError::Read {
            path: path.to_owned(),
            error,
        };
        let mut file = BufReader::with_capacity(256 * 1024, File::open(path).map_err(read_err)?);
        let gzip = file
            .fill_buf()
            .map_err(read_err)?
            .starts_with(&[0x1f, 0x8b]);
        let mut reader: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(file),
            ))
        } else {
            Box::new(file)
        };
        while budget > 0 {
            line.clear();
            if reader.read_until(b'\n', &mut line).map_err(read_err)? == 0 {
                break;
            }
            budget -= 1;
            f(&line);
        }
    }
    Ok(())
}
