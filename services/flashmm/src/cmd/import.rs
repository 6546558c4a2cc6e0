//! `flashmm import ...` and `flashmm recording ...`: raw venue captures into FlashMM
//! recordings, and a look inside a recording.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use flashmm_core::market::MarketId;
use flashmm_core::time::UnixNanos;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, RecordingReader};
use rust_decimal::Decimal;

/// `flashmm import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import raw Binance WebSocket captures (`<recv time> <JSON>` lines, gzip or plain) of
    /// one instrument, files in time order, into a recording; prints the statistics. Receive
    /// times in nanoseconds or (older captures) microseconds are told apart by their digits.
    Binance {
        /// Input files, e.g. `btcusdt_20240808.gz btcusdt_20240809.gz`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The recording to write.
        #[arg(long)]
        out: PathBuf,
        /// Tick size; by default the smallest price increment in the data.
        #[arg(long)]
        tick: Option<Decimal>,
        /// Lot size; by default the smallest size increment in the data.
        #[arg(long)]
        lot: Option<Decimal>,
        /// Market id such as `BTC/USDT`; by default derived from the symbol.
        #[arg(long)]
        market: Option<MarketId>,
        /// Write the recording without gzip compression.
        #[arg(long)]
        uncompressed: bool,
    },
}

/// `flashmm recording` subcommands.
#[derive(Debug, Subcommand)]
pub enum RecordingCommand {
    /// Print a recording's markets, time span and record counts.
    Info {
        /// The recording.
        file: PathBuf,
    },
}

/// Runs an `import` subcommand.
pub fn run_import(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Binance {
            files,
            out,
            tick,
            lot,
            market,
            uncompressed,
        } => {
            let config = BinanceImportConfig {
                tick_size: tick,
                lot_size: lot,
                market,
                max_lines: None,
                compression: if uncompressed {
                    Compression::None
                } else {
                    Compression::Gzip
                },
            };
            let file = File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            let mut writer = BufWriter::new(file);
            let result = import_binance(&files, &mut writer, &config)
                .with_context(|| format!("importing into {}", out.display()))
                .and_then(|import| {
                    writer
                        .flush()
                        .with_context(|| format!("writing {}", out.display()))?;
                    Ok(import)
                });
            let import = match result {
                Ok(import) => import,
                Err(e) => {
                    drop(writer);
                    // Best effort: a partial recording is worse than none.
                    let _ = std::fs::remove_file(&out);
                    return Err(e);
                }
            };
            let spec = &import.spec;
            println!(
                "market               {} (symbol {}, tick {}, lot {})",
                spec.id(),
                import.symbol,
                spec.tick_size(),
                spec.lot_size()
            );
            println!(
                "receive times        {} in the capture{}",
                import.time_unit,
                if import.top_only {
                    "; no depth: the book is the bookTicker's best bid and ask"
                } else {
                    ""
                }
            );
            println!("{}", import.stats);
            println!("written              {}", out.display());
            Ok(())
        }
    }
}

/// Runs a `recording` subcommand.
pub fn run_recording(command: RecordingCommand) -> anyhow::Result<()> {
    match command {
        RecordingCommand::Info { file } => info(&file),
    }
}

fn info(path: &Path) -> anyhow::Result<()> {
    let reader =
        RecordingReader::open(path).with_context(|| format!("opening {}", path.display()))?;
    let header = reader.header().clone();
    println!("source     {}", header.source);
    for spec in &header.markets {
        println!(
            "market     {} tick {} lot {} min notional {} maker {} taker {}",
            spec.id(),
            spec.tick_size(),
            spec.lot_size(),
            spec.min_notional(),
            spec.maker_fee_rate(),
            spec.taker_fee_rate()
        );
    }
    let mut counts: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let (mut first, mut last): (Option<UnixNanos>, Option<UnixNanos>) = (None, None);
    let (mut records, mut corrupt) = (0u64, 0u64);
    for record in reader {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                corrupt += 1;
                eprintln!("warning: {e}");
                continue;
            }
        };
        records += 1;
        first = Some(first.map_or(record.recv_ts, |f| f.min(record.recv_ts)));
        last = Some(last.map_or(record.recv_ts, |l| l.max(record.recv_ts)));
        let market = record.event.market().to_string();
        *counts.entry((market, record.event.kind())).or_default() += 1;
    }
    match (first, last) {
        (Some(a), Some(b)) => println!("recv span  {a} .. {b} ({:.3} s)", b.since(a) as f64 / 1e9),
        _ => println!("recv span  -"),
    }
    println!("records    {records} (unreadable {corrupt})");
    for ((market, kind), n) in counts {
        println!("  {market:<12} {kind:<9} {n}");
    }
    if corrupt > 0 {
        anyhow::bail!("{corrupt} unreadable record(s) in {}", path.display());
    }
    Ok(())
}
