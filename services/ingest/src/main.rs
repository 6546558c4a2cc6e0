//! `ingest`: streams the venue's order books and trades into `md:{mkt}`.
//!
//! Reads: the venue's market data (`venue.kind`: the simulator's WebSocket by default, or
//! Hyperliquid's).
//! Writes: `{ns}:md:{mkt}` — `book_snapshot`, `book_delta` and `trade` entries whose
//! `origin_ts` is the local time the venue message was read off the socket, trimmed to
//! `redis.stream_maxlen`; its heartbeat to `{ns}:heartbeat`.
//!
//! Every book is also republished as a snapshot each second, so a consumer that restarts
//! mid-stream rebuilds its book within a second.
//!
//! Every update is applied to FlashMM's own book first (see `keeper`): refused updates are
//! counted in `flashmm_ingest_rejected_total{market,reason}`, logged once per kind with rate
//! limiting, and answered by a resync from a REST snapshot. Venue frames that are not
//! protocol messages (random bytes, malformed JSON), carry values that do not convert (NaN,
//! negative, off-grid) or name an unknown market are counted in
//! `flashmm_ingest_malformed_total{reason}`. Entries that cannot be published
//! (Redis down) mark the book for resync, so consumers get a fresh snapshot once Redis is back.
//!
//! Run alone: `cargo run -p ingest -- --config config/flashmm.toml` with `sim-venue` running
//! (`--check` validates the configuration and exits).

mod keeper;

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use flashmm_bus::{Bus, Envelope, Namespace, RedisBus};
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_runtime::{self as runtime, LogLimiter, ServiceArgs};
use flashmm_venue::venue::sim::{SkipKind, StreamStats};
use flashmm_venue::venue::{any, AnyVenue, Received, Venue, VenueError, VenueEvent};
use keeper::{BookKeeper, Outcome};
use metrics::{counter, gauge};

/// How often the books are republished as snapshots.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

/// Command line of `ingest`.
#[derive(Debug, Parser)]
#[command(
    name = "ingest",
    version,
    about = "Streams the venue's order books and trades into md:{mkt}."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

/// Venue events read ahead of the books before the venue connection waits (and the socket's
/// buffers hold the rest): bounds memory in a burst.
const VENUE_BACKLOG: usize = 4096;

/// Connects to the venue `venue.kind` names (market data only, no key), retrying with
/// backoff; `None` once `shutdown` fires, an error when the venue refuses the configuration
/// (an unknown coin). The same shutdown future serves the whole run: a signal is seen only by
/// a listener that exists when it arrives, so one created per wait would miss a SIGTERM sent
/// during a connect attempt.
async fn connect_venue(
    config: &flashmm_core::config::Config,
    mut shutdown: std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> anyhow::Result<Option<AnyVenue>> {
    let mut delay = Duration::from_millis(100);
    loop {
        let attempt = tokio::select! {
            attempt = any::connect(config, None, VENUE_BACKLOG) => attempt,
            _ = &mut shutdown => return Ok(None),
        };
        match attempt {
            Ok(venue) => return Ok(Some(venue)),
            Err(e @ VenueError::Config(_)) => {
                return Err(anyhow::Error::new(e).context("the venue refuses the configuration"))
            }
            Err(e) => {
                counter!("flashmm_ingest_venue_connect_errors_total").increment(1);
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "venue not reachable");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = &mut shutdown => return Ok(None),
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Most venue events applied and published together.
const BATCH: usize = 512;

/// A market event to publish, with the local receive time of the venue message behind it.
struct Publish {
    md: MarketEvent,
    received: flashmm_core::time::UnixNanos,
}

/// Applies one venue event to the books: the market event to publish, if any (a refused
/// update resyncs its book and yields the fresh snapshot).
async fn apply(
    event: VenueEvent,
    keeper: &mut BookKeeper,
    limiter: &mut LogLimiter,
    venue: &AnyVenue,
) -> Option<MarketEvent> {
    match &event {
        VenueEvent::Disconnected { reason } => {
            counter!("flashmm_ingest_venue_disconnects_total").increment(1);
            if limiter.allow("disconnected").is_some() {
                tracing::warn!(
                    reason,
                    "venue connection lost; books wait for a new snapshot"
                );
            }
            keeper.invalidate_all();
            return None;
        }
        VenueEvent::Connected => tracing::info!("venue connected"),
        _ => {}
    }
    match keeper.on_event(event) {
        Outcome::Publish(md) => Some(md),
        Outcome::Ignore => None,
        Outcome::Drop { market, reason } => {
            counter!("flashmm_ingest_dropped_total", "market" => market.to_string(), "reason" => reason).increment(1);
            None
        }
        Outcome::UnknownMarket(market) => {
            counter!("flashmm_ingest_rejected_total", "market" => market.to_string(), "reason" => "unknown_market").increment(1);
            if let Some(suppressed) = limiter.allow("unknown_market") {
                tracing::warn!(%market, suppressed, "event for a market not configured");
            }
            None
        }
        Outcome::Resync { market, reason } => {
            counter!("flashmm_ingest_rejected_total", "market" => market.to_string(), "reason" => reason).increment(1);
            if let Some(suppressed) = limiter.allow(reason) {
                tracing::warn!(%market, reason, suppressed, "book update refused; resyncing");
            }
            resync(venue, keeper, &market).await
        }
    }
}

/// One market's share of a batch, encoded and ready to append.
struct Group {
    market: MarketId,
    stream: flashmm_bus::StreamName,
    envelopes: Vec<flashmm_bus::Envelope>,
    /// Snapshots, deltas and trades in it.
    kinds: [u64; 3],
}

/// Splits `batch` (emptied) by market in arrival order and encodes it; a market whose entries
/// cannot be encoded is returned in the second list.
fn prepare(batch: &mut Vec<Publish>, namespace: &Namespace) -> (Vec<Group>, Vec<MarketId>) {
    let now = runtime::now();
    let mut groups: Vec<Group> = Vec::new();
    let mut failed: Vec<MarketId> = Vec::new();
    for p in batch.drain(..) {
        let market = market_of(&p.md).clone();
        if failed.contains(&market) {
            continue;
        }
        let mkt = market.stream_key();
        let i = match groups.iter().position(|g| g.market == market) {
            Some(i) => i,
            None => match namespace.md(&mkt) {
                Ok(stream) => {
                    groups.push(Group {
                        market: market.clone(),
                        stream,
                        envelopes: Vec::new(),
                        kinds: [0; 3],
                    });
                    groups.len() - 1
                }
                Err(_) => {
                    failed.push(market);
                    continue;
                }
            },
        };
        match Envelope::new(&mkt, now, p.received, &p.md) {
            Ok(e) => {
                let g = &mut groups[i];
                g.envelopes.push(e);
                g.kinds[match p.md {
                    MarketEvent::Snapshot(_) => 0,
                    MarketEvent::Delta(_) => 1,
                    MarketEvent::Trade(_) => 2,
                }] += 1;
            }
            Err(_) => {
                groups.remove(i);
                failed.push(market);
            }
        }
    }
    (groups, failed)
}

/// Appends every group at once (each market's commands are issued on the first poll, so
/// publishes spawned one after the other reach Redis in that order); the markets whose
/// entries could not be published.
async fn publish_groups(bus: RedisBus, groups: Vec<Group>, maxlen: usize) -> Vec<MarketId> {
    let calls = groups
        .iter()
        .map(|g| bus.publish_batch(&g.stream, &g.envelopes, Some(maxlen)));
    let results = futures_util::future::join_all(calls).await;
    let mut failed = Vec::new();
    for (g, result) in groups.iter().zip(results) {
        let market = g.market.to_string();
        match result {
            Ok(_) => {
                for (kind, n) in ["snapshot", "delta", "trade"].into_iter().zip(g.kinds) {
                    if n > 0 {
                        counter!("flashmm_ingest_events_total", "market" => market.clone(), "kind" => kind).increment(n);
                    }
                }
            }
            Err(e) => {
                counter!("flashmm_ingest_publish_errors_total", "market" => market.clone())
                    .increment(g.envelopes.len() as u64);
                tracing::warn!(market, error = %e, "cannot publish; will resync");
                failed.push(g.market.clone());
            }
        }
    }
    failed
}

/// Publishes in flight, oldest first; each resolves to the markets it could not publish.
type InFlight = std::collections::VecDeque<tokio::task::JoinHandle<Vec<MarketId>>>;

/// Most batch publishes in flight at once.
const MAX_IN_FLIGHT: usize = 4;

/// Takes the finished publishes (all of them, waiting, with `drain`; otherwise the oldest
/// ones already done, and the oldest beyond [`MAX_IN_FLIGHT`]); the markets that failed.
async fn reap(in_flight: &mut InFlight, drain: bool) -> Vec<MarketId> {
    let mut failed = Vec::new();
    while let Some(front) = in_flight.front() {
        if !(drain || front.is_finished() || in_flight.len() > MAX_IN_FLIGHT) {
            break;
        }
        if let Some(handle) = in_flight.pop_front() {
            failed.extend(handle.await.unwrap_or_default());
        }
    }
    failed
}

/// Resyncs each market in `failed` from a REST snapshot and publishes it, once every publish
/// in flight is done (so the snapshot follows everything sent before it).
async fn recover(
    mut failed: Vec<MarketId>,
    in_flight: &mut InFlight,
    bus: &RedisBus,
    namespace: &Namespace,
    keeper: &mut BookKeeper,
    venue: &AnyVenue,
    maxlen: usize,
) {
    if failed.is_empty() {
        return;
    }
    failed.extend(reap(in_flight, true).await);
    let mut seen = Vec::with_capacity(failed.len());
    for market in failed {
        if seen.contains(&market) {
            continue;
        }
        seen.push(market.clone());
        keeper.invalidate(&market);
        if let Some(md) = resync(venue, keeper, &market).await {
            if publish(bus, namespace, &market, &md, runtime::now(), maxlen)
                .await
                .is_err()
            {
                keeper.invalidate(&market);
            }
        }
    }
}

/// Publishes one market event on `md:{mkt}`.
async fn publish(
    bus: &RedisBus,
    namespace: &Namespace,
    market: &MarketId,
    event: &MarketEvent,
    origin_ts: flashmm_core::time::UnixNanos,
    maxlen: usize,
) -> anyhow::Result<()> {
    let mkt = market.stream_key();
    let stream = namespace.md(&mkt)?;
    let envelope = Envelope::new(&mkt, runtime::now(), origin_ts, event)?;
    bus.publish_capped(&stream, &envelope, Some(maxlen)).await?;
    Ok(())
}

fn market_of(event: &MarketEvent) -> &MarketId {
    match event {
        MarketEvent::Snapshot(s) => &s.market,
        MarketEvent::Delta(d) => &d.market,
        MarketEvent::Trade(t) => &t.market,
    }
}

/// Counts the frames the venue stream skipped since the last call in
/// `flashmm_ingest_malformed_total{reason}` and logs each kind with rate limiting. A skipped
/// delta shows up as a sequence gap on the next one, which resyncs the book.
fn count_skipped(stats: &StreamStats, seen: &mut [u64; 3], limiter: &mut LogLimiter) {
    for (i, kind) in SkipKind::ALL.into_iter().enumerate() {
        let now = stats.get(kind);
        let new = now.saturating_sub(seen[i]);
        if new == 0 {
            continue;
        }
        seen[i] = now;
        counter!("flashmm_ingest_malformed_total", "reason" => kind.label()).increment(new);
        if let Some(suppressed) = limiter.allow(kind.label()) {
            tracing::warn!(
                reason = kind.label(),
                new,
                suppressed,
                "venue frames skipped"
            );
        }
    }
}

fn main() -> anyhow::Result<()> {
    runtime::run_on_one_worker(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("ingest", &args.service)? else {
        return Ok(());
    };
    any::announce(&config, "ingest");
    let (bus, namespace) = flashmm_bus::connect_bus(&config).await?;
    let _heartbeat = flashmm_bus::spawn_heartbeat(
        bus.clone(),
        namespace.clone(),
        "ingest",
        Duration::from_secs(1),
    );
    let maxlen = usize::try_from(config.redis.stream_maxlen).unwrap_or(usize::MAX);
    let markets: Vec<MarketId> = config
        .market_specs()?
        .into_iter()
        .map(|s| s.id().clone())
        .collect();

    let shutdown = runtime::shutdown_signal();
    tokio::pin!(shutdown);
    let Some(venue) = connect_venue(&config, shutdown.as_mut()).await? else {
        tracing::info!(service = "ingest", "stopped before the venue answered");
        return Ok(());
    };
    let mut stream = venue
        .subscribe(&markets)
        .await
        .context("subscribe to market data")?;
    let mut keeper = BookKeeper::new(markets.iter().cloned());
    let mut limiter = LogLimiter::new(Duration::from_secs(10));
    let skipped = venue.stream_stats();
    let mut skipped_seen = [0u64; 3];
    for kind in SkipKind::ALL {
        counter!("flashmm_ingest_malformed_total", "reason" => kind.label()).absolute(0);
    }
    tracing::info!(markets = ?markets.iter().map(MarketId::as_str).collect::<Vec<_>>(), "streaming");

    let mut refresh = tokio::time::interval(SNAPSHOT_EVERY);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch: Vec<Publish> = Vec::with_capacity(BATCH);
    let mut in_flight = InFlight::new();
    loop {
        let first = tokio::select! {
            event = stream.next_received() => event,
            _ = refresh.tick() => {
                count_skipped(&skipped, &mut skipped_seen, &mut limiter);
                // After everything in flight, so each snapshot follows the deltas before it.
                let failed = reap(&mut in_flight, true).await;
                recover(failed, &mut in_flight, &bus, &namespace, &mut keeper, &venue, maxlen).await;
                publish_snapshots(&bus, &namespace, &mut keeper, &markets, maxlen).await;
                continue;
            }
            _ = &mut shutdown => break,
        };
        let Some(first) = first else {
            bail!("the venue's market-data stream ended");
        };
        // What arrived together is applied in order and published together: one Redis call
        // per market instead of one round trip per message.
        let mut next = Some(first);
        while let Some(Received { event, at }) = next.take() {
            // `origin_ts`: when the venue client read the message off the socket.
            if let Some(md) = apply(event, &mut keeper, &mut limiter, &venue).await {
                batch.push(Publish { md, received: at });
            }
            if batch.len() < BATCH {
                next = stream.try_next();
            }
        }
        count_skipped(&skipped, &mut skipped_seen, &mut limiter);
        // Published without waiting for the previous batch's reply (at most MAX_IN_FLIGHT
        // at once), so a message never waits for another's round trip before its XADD.
        let (groups, mut failed) = prepare(&mut batch, &namespace);
        for g in &groups {
            if let Some(book) = keeper.book(&g.market) {
                gauge!("flashmm_ingest_book_seq", "market" => g.market.to_string())
                    .set(book.seq().unwrap_or(0) as f64);
            }
        }
        if !groups.is_empty() {
            in_flight.push_back(tokio::spawn(publish_groups(bus.clone(), groups, maxlen)));
            // The publish runs next (its XADD goes out), before this loop's bookkeeping.
            tokio::task::yield_now().await;
        }
        failed.extend(reap(&mut in_flight, false).await);
        recover(
            failed,
            &mut in_flight,
            &bus,
            &namespace,
            &mut keeper,
            &venue,
            maxlen,
        )
        .await;
    }
    let failed = reap(&mut in_flight, true).await;
    if !failed.is_empty() {
        tracing::warn!(markets = ?failed, "last entries not published at shutdown");
    }
    tracing::info!(service = "ingest", "stopped");
    Ok(())
}

/// Publishes the current book of every market in sync, so that a consumer that (re)starts
/// mid-stream has a snapshot to build on within [`SNAPSHOT_EVERY`].
async fn publish_snapshots(
    bus: &RedisBus,
    namespace: &Namespace,
    keeper: &mut BookKeeper,
    markets: &[MarketId],
    maxlen: usize,
) {
    for market in markets {
        if !keeper.is_valid(market) {
            continue;
        }
        let Some(snapshot) = keeper.book(market).and_then(|b| b.to_snapshot()) else {
            continue;
        };
        let md = MarketEvent::Snapshot(snapshot);
        if publish(bus, namespace, market, &md, runtime::now(), maxlen)
            .await
            .is_err()
        {
            keeper.invalidate(market);
        }
    }
}

/// Fetches a snapshot from the venue's REST API and applies it; returns it to publish.
async fn resync(
    venue: &AnyVenue,
    keeper: &mut BookKeeper,
    market: &MarketId,
) -> Option<MarketEvent> {
    counter!("flashmm_ingest_resyncs_total", "market" => market.to_string()).increment(1);
    match venue.snapshot(market).await {
        Ok(snapshot) => {
            match keeper.on_event(VenueEvent::Market(MarketEvent::Snapshot(snapshot))) {
                Outcome::Publish(md) => Some(md),
                other => {
                    tracing::warn!(%market, outcome = ?other, "resync snapshot refused");
                    None
                }
            }
        }
        Err(e) => {
            tracing::warn!(%market, error = %e, "resync snapshot not available");
            None
        }
    }
}
