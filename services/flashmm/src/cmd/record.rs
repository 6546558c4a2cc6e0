//! `flashmm record --out FILE`: writes the normalised market data of `md:{mkt}` to a
//! recording (the format `flashmm dataset`, `flashmm backtest` and `flashmm recording info`
//! read), gzip-compressed.
//!
//! `flashmm record --venue binance --symbols BTCUSDT,ETHUSDT [--market spot|usdm] --out DIR
//! [--rotate-mb N] [--rotate-minutes M] [--raw]` records Binance's public feed directly,
//! without Redis or the services: one recording per symbol per rotation, exactly what
//! `flashmm import binance` writes from the same raw lines (`flashmm_binance::record`: the grid
//! rule, the file names, the rotation). Ctrl-C or SIGTERM finishes the open files.
//!
//! It follows the streams from their current end (or from their oldest entry with
//! `--from-start`) without a consumer group, so it takes nothing away from the services. Each
//! market's recording starts at its first snapshot (ingest republishes one every second); a
//! delta that does not follow the previous book event (entries trimmed while recording) is
//! dropped until the next snapshot, so the file always replays cleanly into a book. The record
//! time is the entry's `origin_ts`: when ingest received the venue message.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, ValueEnum};
use flashmm_binance::record::{record, resolve_symbols, RecordConfig};
use flashmm_binance::{BinanceMarket, FeedConfig, FeedStats, RestClient};
use flashmm_bus::{
    Bus, Decodable, EntryId, Namespace, Payload, Range, RedisBus, RedisBusConfig, StreamName,
};
use flashmm_core::market_event::MarketEvent;
use flashmm_recording::{Compression, Record, RecordEvent, RecordingHeader, RecordingWriter};
use flashmm_runtime::load_config;

/// Arguments of `flashmm record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The recording to write (created or truncated); with `--venue`, the directory of the
    /// recordings (created when missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Stop after this many seconds (default: at Ctrl-C or SIGTERM).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Start from the oldest entry of each stream instead of its current end.
    #[arg(long, conflicts_with = "venue")]
    pub from_start: bool,
    /// Record a venue's public feed directly instead of the `md:{mkt}` streams.
    #[arg(long, value_enum)]
    pub venue: Option<RecordVenue>,
    /// The venue's symbols, comma-separated (e.g. `BTCUSDT,ETHUSDT`).
    #[arg(long, value_delimiter = ',', requires = "venue")]
    pub symbols: Vec<String>,
    /// Binance market: `spot` or `usdm` (USD-M futures).
    #[arg(long, default_value = "spot", requires = "venue")]
    pub market: BinanceMarket,
    /// Start a new file per symbol after this many compressed megabytes (MiB).
    #[arg(long, requires = "venue")]
    pub rotate_mb: Option<f64>,
    /// Start a new file per symbol after this many minutes.
    #[arg(long, requires = "venue")]
    pub rotate_minutes: Option<f64>,
    /// Also keep the raw capture lines beside each recording (`*.raw.gz`, re-importable with
    /// `flashmm import binance`).
    #[arg(long, requires = "venue")]
    pub raw: bool,
    /// The venue's WebSocket base URL (default: Binance's own for the market).
    #[arg(long, requires = "venue")]
    pub ws_url: Option<String>,
    /// The venue's REST base URL (default: Binance's own for the market).
    #[arg(long, requires = "venue")]
    pub rest_url: Option<String>,
}

/// A venue whose public feed `flashmm record` can record directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordVenue {
    /// Binance spot or USD-M futures (`--market`).
    Binance,
}

/// Where one market's stream is and whether its book sequence is intact.
struct Follow {
    stream: StreamName,
    symbol: String,
    after: Option<EntryId>,
    /// The `seq` of the last book event written; `None` until the first snapshot.
    last_seq: Option<u64>,
}

/// Runs `flashmm record`.
pub async fn run(config_path: &std::path::Path, args: RecordArgs) -> anyhow::Result<()> {
    match args.venue {
        Some(RecordVenue::Binance) => run_binance(args).await,
        None => run_streams(config_path, args).await,
    }
}

/// A positive finite number of `unit`s, times `scale`.
fn positive(value: Option<f64>, name: &str, scale: f64) -> anyhow::Result<Option<f64>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 => Ok(Some(v * scale)),
        Some(v) => anyhow::bail!("--{name} must be a positive number, not {v}"),
    }
}

/// `flashmm record --venue binance`: the live feed into rotated recordings.
async fn run_binance(args: RecordArgs) -> anyhow::Result<()> {
    if args.symbols.iter().all(|s| s.trim().is_empty()) {
        anyhow::bail!("--venue binance needs --symbols, e.g. --symbols BTCUSDT,ETHUSDT");
    }
    let symbols: Vec<String> = args
        .symbols
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    let rotate_bytes = positive(args.rotate_mb, "rotate-mb", 1024.0 * 1024.0)?.map(|b| b as u64);
    let rotate_after =
        positive(args.rotate_minutes, "rotate-minutes", 60.0)?.map(Duration::from_secs_f64);
    let market = args.market;
    let mut feed = FeedConfig::new(market, Vec::new());
    if let Some(url) = args.ws_url {
        feed.ws_url = url;
    }
    if let Some(url) = args.rest_url {
        feed.rest_url = url;
    }
    let rest = RestClient::new(market, feed.rest_url.clone(), feed.http_timeout)?;
    feed.symbols = resolve_symbols(&rest, &symbols, feed.depth_limit)
        .await
        .context("resolving the symbols' tick and lot")?;
    for s in &feed.symbols {
        println!(
            "{:<10} {} tick {} lot {}",
            s.symbol,
            s.spec.id(),
            s.spec.tick_size(),
            s.spec.lot_size()
        );
    }
    let config = RecordConfig {
        feed,
        out_dir: args.out.clone(),
        rotate_bytes,
        rotate_after,
        raw: args.raw,
    };
    let seconds = args.seconds;
    let stop = async move {
        match seconds {
            Some(s) => {
                tokio::select! {
                    _ = flashmm_runtime::shutdown_signal() => {}
                    _ = tokio::time::sleep(Duration::from_secs(s)) => {}
                }
            }
            None => flashmm_runtime::shutdown_signal().await,
        }
    };
    println!(
        "recording binance {market} into {} (Ctrl-C stops)",
        args.out.display()
    );
    let summary = record(config, stop)
        .await
        .with_context(|| format!("recording into {}", args.out.display()))?;
    for s in &summary.symbols {
        println!(
            "{:<10} {} records in {} file(s); {} lines, {} gaps, {} crossed levels removed, {} malformed",
            s.symbol,
            s.records,
            s.files.len(),
            s.stats.lines,
            s.stats.gaps,
            s.stats.crossed_fixes,
            s.stats.malformed.total()
        );
        for f in &s.files {
            println!("  {}", f.display());
        }
    }
    let n = |c: &std::sync::atomic::AtomicU64| FeedStats::get(c);
    let f = &summary.feed;
    println!(
        "feed       {} connects, {} syncs, {} gaps, {} rate limited, {} malformed frames",
        n(&f.connects),
        n(&f.syncs),
        n(&f.gaps),
        n(&f.rate_limited),
        n(&f.malformed)
    );
    Ok(())
}

/// `flashmm record` of the `md:{mkt}` streams.
async fn run_streams(config_path: &std::path::Path, args: RecordArgs) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    let namespace = Namespace::new(&config.namespace)?;
    let bus = RedisBus::connect(RedisBusConfig::new(config.redis.url.clone()))
        .await
        .context("cannot connect to Redis")?;
    let specs = config.market_specs()?;
    let mut follows = Vec::new();
    for spec in &specs {
        let stream = namespace.md(&spec.id().stream_key())?;
        let after = if args.from_start {
            None
        } else {
            bus.range(&stream, Range::Newest(1))
                .await?
                .first()
                .map(|d| d.id.clone())
        };
        follows.push(Follow {
            stream,
            symbol: spec.id().as_str().to_owned(),
            after,
            last_seq: None,
        });
    }
    let header = RecordingHeader {
        markets: specs.clone(),
        source: format!("flashmm record of namespace {}", config.namespace),
    };
    let mut writer = RecordingWriter::create(&args.out, &header, Compression::Gzip)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let deadline = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs(s));
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let stop = flashmm_runtime::shutdown_signal();
    tokio::pin!(stop);
    loop {
        let mut read = 0;
        for f in &mut follows {
            let range = match &f.after {
                Some(id) => Range::After(id.clone(), 1_000),
                None => Range::Oldest(1_000),
            };
            let entries = bus.range(&f.stream, range).await?;
            read += entries.len();
            for d in entries {
                f.after = Some(d.id.clone());
                let (written, dropped) = counts.entry(f.symbol.clone()).or_default();
                let event = match d.payload {
                    Payload::Envelope(e) => match MarketEvent::decode(&e) {
                        Ok(ev) => (e.origin_ts, ev),
                        Err(_) => {
                            *dropped += 1;
                            continue;
                        }
                    },
                    Payload::Malformed { .. } => {
                        *dropped += 1;
                        continue;
                    }
                };
                match record_event(f, event.1) {
                    Some(ev) => {
                        writer.write(&Record {
                            recv_ts: event.0,
                            event: ev,
                        })?;
                        *written += 1;
                    }
                    None => *dropped += 1,
                }
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if read == 0 {
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }
    let records = writer.records();
    writer.finish()?;
    for (symbol, (written, dropped)) in &counts {
        println!("{symbol:<10} {written} records, {dropped} dropped");
    }
    println!("{records} records written to {}", args.out.display());
    Ok(())
}

/// The record of `event` when it keeps the market's book sequence intact.
fn record_event(f: &mut Follow, event: MarketEvent) -> Option<RecordEvent> {
    let keep = match &event {
        MarketEvent::Snapshot(s) => {
            f.last_seq = Some(s.seq);
            true
        }
        MarketEvent::Delta(d) => {
            let continues =
                f.last_seq.is_some() && d.prev_seq.is_none_or(|p| Some(p) == f.last_seq);
            // Before the first snapshot, or after a break: wait for the next snapshot.
            f.last_seq = continues.then_some(d.seq);
            continues
        }
        MarketEvent::Trade(_) => f.last_seq.is_some(),
    };
    keep.then_some(RecordEvent::Market(event))
}
