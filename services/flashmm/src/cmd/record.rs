//! `flashmm record --out FILE`: writes the normalised market data of `md:{mkt}` to a
//! recording (the format `flashmm dataset`, `flashmm backtest` and `flashmm recording info`
//! read), gzip-compressed.
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
use clap::Args;
use flashmm_runtime::load_config;
use flashmm_bus::{Bus, Decodable, EntryId, Namespace, Payload, Range, RedisBus, RedisBusConfig, StreamName};
use flashmm_core::market_event::MarketEvent;
use flashmm_recording::{Compression, Record, RecordEvent, RecordingHeader, RecordingWriter};

/// Arguments of `flashmm record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The recording to write (created or truncated).
    #[arg(long)]
    pub out: PathBuf,
    /// Stop after this many seconds (default: at Ctrl-C).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Start from the oldest entry of each stream instead of its current end.
    #[arg(long)]
    pub from_start: bool,
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
    match event {
        MarketEvent::Snapshot(s) => {
            f.last_seq = Some(s.seq);
            Some(RecordEvent::Snapshot(s))
        }
        MarketEvent::Delta(d) => {
            if f.last_seq.is_some() && d.prev_seq.is_none_or(|p| Some(p) == f.last_seq) {
                f.last_seq = Some(d.seq);
                Some(RecordEvent::Delta(d))
            } else {
                // Before the first snapshot, or after a break: wait for the next snapshot.
                f.last_seq = None;
                None
            }
        }
        MarketEvent::Trade(t) => f.last_seq.is_some().then_some(RecordEvent::Trade(t)),
    }
}
