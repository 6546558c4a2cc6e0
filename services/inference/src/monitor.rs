//! The drift monitor's I/O: `md:{mkt}` (group `inference-drift`) into mids, predictions from
//! the worker, and the rolling hit rate out to metrics and `{ns}:state:model`.

use std::time::Duration;

use flashmm_bus::{Bus, BusError, Consumer, ConsumerConfig, Namespace};
use flashmm_core::book::{BookUpdate, SyncedBook};
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_runtime::{self as runtime, LogLimiter};
use metrics::{counter, gauge};
use tokio::sync::{mpsc, watch};

use crate::health::{HealthWriter, STATE_NAME};
use crate::telemetry;
use flashmm_core::signal::drift::{DEFAULT_MAX_PENDING, DEFAULT_MID_RETAIN_NS};
use flashmm_core::signal::{DriftMonitor, FlatRateConfig, PendingPrediction};

/// The consumer group reading `md:{mkt}` for the drift monitor.
pub const GROUP: &str = "inference-drift";

/// What the drift task consumes, in arrival order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DriftInput {
    /// The mid (ticks) as of an `md:{mkt}` entry's origin_ts.
    Mid {
        /// The entry's origin_ts (UTC ns).
        ts: i64,
        /// The mid in ticks.
        mid: f64,
    },
    /// A published prediction to score later.
    Prediction(PendingPrediction),
}

/// What a worker shares with its market's drift monitor: predictions go to it, and the flat
/// rate's shift of the flat class's log-odds comes back for the next predictions.
#[derive(Debug)]
pub struct DriftLink {
    /// Published predictions, to score.
    pub tx: mpsc::Sender<DriftInput>,
    /// The latest shift (0 until outcomes are in, or with the flat rate off).
    pub flat_shift: watch::Receiver<f64>,
}

/// How the drift monitor runs.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// The market.
    pub market: MarketId,
    /// Non-flat outcomes in the rolling window.
    pub window: usize,
    /// How often the hit rate is written.
    pub publish_every: Duration,
    /// This consumer's name in the group.
    pub consumer_name: String,
    /// The flat rate fed by the scored outcomes (`[model]`).
    pub flat_rate: FlatRateConfig,
}

/// How long the mid reader waits between two reads of `md:{mkt}`. Scoring waits for a
/// prediction's horizon anyway, so reading what gathered every so often loses nothing, and it
/// keeps this process out of each market-data entry's hop: a reader blocked on `md:{mkt}` is
/// woken by every entry, at the moment feature and execution handle it on the same CPUs.
pub const MID_READ_EVERY: Duration = Duration::from_millis(200);

/// Reads `md:{mkt}` every [`MID_READ_EVERY`], keeps the book, and sends the mid after each
/// book event to `tx`.
pub async fn read_mids<B: Bus + Clone + 'static>(
    bus: B,
    namespace: Namespace,
    market: MarketId,
    consumer_name: String,
    tx: mpsc::Sender<DriftInput>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BusError> {
    let mkt = market.stream_key();
    let md = namespace.md(&mkt)?;
    let mut consumer: Consumer<MarketEvent, B> = Consumer::start(
        bus,
        md,
        ConsumerConfig {
            // What gathers in MID_READ_EVERY at the busiest venue rates, in one read.
            batch: 1024,
            ..ConsumerConfig::new(GROUP, consumer_name)
        },
    )
    .await?;
    let mut book = SyncedBook::new(market);
    let mut limiter = LogLimiter::new(Duration::from_secs(10));
    loop {
        let batch = tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            batch = consumer.next_batch() => batch,
        };
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                if limiter.allow("read").is_some() {
                    tracing::warn!(market = %mkt, error = %e, "drift monitor cannot read md");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let mut ids = Vec::with_capacity(batch.len());
        for received in batch {
            ids.push(received.id);
            match book.apply(&received.msg) {
                None | Some(BookUpdate::AwaitingSnapshot | BookUpdate::Stale(_)) => continue,
                Some(BookUpdate::Refused(e)) => {
                    // A gap: wait for the next snapshot (ingest republishes one every second).
                    if limiter.allow("book").is_some() {
                        tracing::debug!(market = %mkt, error = %e, "drift monitor book update refused");
                    }
                    continue;
                }
                Some(BookUpdate::Snapshot { .. } | BookUpdate::Delta) => {}
            }
            if let Some(mid) = book.book().mid_ticks() {
                let input = DriftInput::Mid {
                    ts: received.meta.origin_ts.as_i64(),
                    mid,
                };
                if tx.send(input).await.is_err() {
                    return Ok(());
                }
            }
        }
        // The monitor's output is in memory: ack once the mids are handed over.
        if let Err(e) = consumer.ack(&ids).await {
            if limiter.allow("ack").is_some() {
                tracing::warn!(market = %mkt, error = %e, "drift monitor cannot ack md");
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            _ = tokio::time::sleep(MID_READ_EVERY) => {}
        }
    }
}

/// Scores predictions against mids, writes the hit rate every `publish_every` and sends the
/// flat rate's shift to `flat_shift` as outcomes come in.
pub async fn run<B: Bus + Clone + 'static>(
    bus: B,
    namespace: Namespace,
    config: MonitorConfig,
    mut rx: mpsc::Receiver<DriftInput>,
    flat_shift: watch::Sender<f64>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BusError> {
    let mkt = config.market.stream_key();
    let health = HealthWriter::new(namespace.state(STATE_NAME)?, &mkt);
    let mut monitor = DriftMonitor::new(config.window, DEFAULT_MID_RETAIN_NS, DEFAULT_MAX_PENDING)
        .with_flat_rate(config.flat_rate);
    let mut tick = tokio::time::interval(config.publish_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scored: u64 = 0;
    let mut written: Option<u64> = None;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            input = rx.recv() => match input {
                None => return Ok(()),
                Some(DriftInput::Prediction(p)) => monitor.on_prediction(p),
                Some(DriftInput::Mid { ts, mid }) => {
                    for outcome in monitor.on_mid(ts, mid) {
                        scored += 1;
                        counter!(telemetry::SCORED_TOTAL, "market" => mkt.clone(), "outcome" => outcome.label())
                            .increment(1);
                    }
                    let shift = monitor.flat_shift();
                    flat_shift.send_if_modified(|old| {
                        let changed = *old != shift;
                        *old = shift;
                        changed
                    });
                    gauge!(telemetry::FLAT_SHIFT, "market" => mkt.clone()).set(shift);
                }
            },
            _ = tick.tick() => {
                if written == Some(scored) {
                    continue;
                }
                let result = health
                    .hit_rate(&bus, monitor.hit_rate(), monitor.window_len(), scored, runtime::now())
                    .await;
                match result {
                    Ok(()) => written = Some(scored),
                    Err(e) => tracing::warn!(market = %mkt, error = %e, "hit rate not written"),
                }
            }
        }
    }
}
