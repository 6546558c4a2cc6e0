//! The feed's connection task: the combined stream, each symbol's [`DepthSync`], snapshot
//! fetches, reconnects.
//!
//! Per connection: connect (a 429/418 answer waits its `Retry-After`), yield `Connected`,
//! void every book; then each diff goes through the symbol's synchroniser, which asks for a
//! REST snapshot after a (re)start or a gap; snapshots are fetched beside the stream (it is
//! never paused) and retried after a delay when refused, rate limited or too old. The
//! connection is replaced before `max_connection_age` (Binance cuts at 24 h) and reopened
//! after `idle_timeout` without any frame (pongs to the client's pings included).

use crate::feed::{Feed, FeedEvent, FeedStats, FeedStream};
use crate::rest::RestClient;
use crate::sync::{DepthSync, DiffIds, DiffStep, SnapshotStep};
use crate::uncross::{Fixes, Uncrossed};
use crate::{FeedConfig, RestError};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_recording::import::binance::message::{parse_message, Message, RawLevel};
use flashmm_recording::TopOfBook;
use flashmm_venue::venue::sim::Backoff;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;
use tokio::time::{interval, sleep, sleep_until, timeout_at, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// Starts the feed of `config`'s symbols; it runs until the stream is dropped.
pub fn subscribe(config: FeedConfig) -> Result<FeedStream, RestError> {
    let rest = RestClient::new(config.market, config.rest_url.clone(), config.http_timeout)?;
    let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
    let stats = Arc::new(FeedStats::default());
    let task = tokio::spawn(run(config, rest, tx, stats.clone()));
    Ok(FeedStream::new(rx, task, stats))
}

/// The wall clock in UTC ns.
fn utc_ns() -> UnixNanos {
    UnixNanos(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0),
    )
}

/// A diff converted to levels, waiting in the synchroniser or applied.
#[derive(Debug)]
struct Diff {
    last: u64,
    bids: Vec<BookLevel>,
    asks: Vec<BookLevel>,
    ts: UnixNanos,
}

/// One symbol's state within a connection.
struct Book {
    symbol: String,
    spec: MarketSpec,
    sync: DepthSync<Diff>,
    /// The book's last sequence (update id) yielded since the last sync.
    seq: Option<u64>,
    /// Bumped at each resync, so that the answer of an older fetch is ignored.
    generation: u64,
    /// The levels kept uncrossed around the last `bookTicker`.
    levels: Uncrossed,
}

/// A snapshot fetch's answer.
struct Fetched {
    book: usize,
    generation: u64,
    result: Result<String, RestError>,
}

enum End {
    Closed,
    Lost {
        reason: String,
        wait: Option<Duration>,
    },
}

async fn run(config: FeedConfig, rest: RestClient, tx: mpsc::Sender<Feed>, stats: Arc<FeedStats>) {
    let mut backoff = Backoff::new(config.backoff_min, config.backoff_max);
    loop {
        let (reason, wait) = match connection(&config, &rest, &tx, &stats, &mut backoff).await {
            End::Closed => return,
            End::Lost { reason, wait } => (reason, wait),
        };
        tracing::warn!(reason, "binance stream lost, reconnecting");
        let event = FeedEvent::Disconnected { reason };
        if tx
            .send(Feed {
                at: utc_ns(),
                event,
            })
            .await
            .is_err()
        {
            return;
        }
        sleep(wait.unwrap_or_else(|| backoff.next_delay())).await;
    }
}

/// What a failed WebSocket handshake says about rate limits: the `Retry-After` wait of a
/// 429/418 answer.
fn handshake_rate_limit(e: &tungstenite::Error) -> Option<Option<Duration>> {
    let tungstenite::Error::Http(resp) = e else {
        return None;
    };
    let status = resp.status().as_u16();
    (status == 429 || status == 418).then(|| {
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(crate::error::parse_retry_after)
    })
}

async fn connection(
    config: &FeedConfig,
    rest: &RestClient,
    tx: &mpsc::Sender<Feed>,
    stats: &Arc<FeedStats>,
    backoff: &mut Backoff,
) -> End {
    let url = config.stream_url();
    let (ws, _) = match tokio_tungstenite::connect_async_with_config(url.as_str(), None, true).await
    {
        Ok(ok) => ok,
        Err(e) => {
            let wait = handshake_rate_limit(&e).map(|after| {
                FeedStats::bump(&stats.rate_limited);
                after.unwrap_or_else(|| backoff.next_delay())
            });
            return End::Lost {
                reason: format!("connect: {e}"),
                wait,
            };
        }
    };
    FeedStats::bump(&stats.connects);
    backoff.reset();
    let (mut sink, mut stream) = ws.split();
    let send = |event: FeedEvent, at: UnixNanos| tx.send(Feed { at, event });
    if send(FeedEvent::Connected, utc_ns()).await.is_err() {
        return End::Closed;
    }
    let mut books: Vec<Book> = config
        .symbols
        .iter()
        .map(|s| Book {
            symbol: s.symbol.to_ascii_uppercase(),
            spec: s.spec.clone(),
            sync: DepthSync::new(config.market.continuity(), config.max_buffer),
            seq: None,
            generation: 0,
            levels: Uncrossed::default(),
        })
        .collect();
    let (fetch_tx, mut fetch_rx) = mpsc::channel::<Fetched>(books.len().max(1) * 4);
    let fetch = |book: usize, generation: u64, symbol: String, delay: Duration| {
        let (rest, fetch_tx, limit) = (rest.clone(), fetch_tx.clone(), config.depth_limit);
        tokio::spawn(async move {
            sleep(delay).await;
            let result = rest.depth_snapshot(&symbol, limit).await;
            let _ = fetch_tx
                .send(Fetched {
                    book,
                    generation,
                    result,
                })
                .await;
        });
    };
    let cut_at = Instant::now() + config.max_connection_age;
    let mut ping = interval(config.ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ping.tick().await;
    let mut deadline = Instant::now() + config.idle_timeout;
    let mut retry = Backoff::new(config.backoff_min, config.backoff_max);
    loop {
        tokio::select! {
            frame = timeout_at(deadline, stream.next()) => {
                let text = match frame {
                    Err(_) => {
                        FeedStats::bump(&stats.idle_timeouts);
                        return End::Lost { reason: "ping timeout: no frame or pong".to_owned(), wait: None };
                    }
                    Ok(None) | Ok(Some(Ok(WsMessage::Close(_)))) => {
                        return End::Lost { reason: "closed by venue".to_owned(), wait: None };
                    }
                    Ok(Some(Err(e))) => return End::Lost { reason: format!("read: {e}"), wait: None },
                    Ok(Some(Ok(WsMessage::Text(text)))) => text,
                    Ok(Some(Ok(_))) => {
                        deadline = Instant::now() + config.idle_timeout;
                        continue;
                    }
                };
                let at = utc_ns();
                deadline = Instant::now() + config.idle_timeout;
                let events = match on_frame(text.as_str(), at, &mut books, stats) {
                    Ok(events) => events,
                    Err(why) => {
                        FeedStats::bump(&stats.malformed);
                        tracing::debug!(why, "binance frame skipped");
                        continue;
                    }
                };
                if config.raw_frames {
                    if let Some(symbol) = events.symbol.clone() {
                        if send(FeedEvent::Raw { symbol, json: text.as_str().to_owned() }, at).await.is_err() {
                            return End::Closed;
                        }
                    }
                }
                for event in events.out {
                    if send(event, at).await.is_err() {
                        return End::Closed;
                    }
                }
                if let Some(i) = events.fetch {
                    let b = &books[i];
                    fetch(i, b.generation, b.symbol.clone(), Duration::ZERO);
                }
            }
            Some(fetched) = fetch_rx.recv() => {
                let Some(b) = books.get_mut(fetched.book) else { continue };
                if fetched.generation != b.generation {
                    continue;
                }
                let at = utc_ns();
                let body = match fetched.result {
                    Ok(body) => body,
                    Err(e) => {
                        let delay = match e.retry_after() {
                            Some(after) => {
                                FeedStats::bump(&stats.rate_limited);
                                after.unwrap_or_else(|| retry.next_delay())
                            }
                            None => retry.next_delay(),
                        };
                        tracing::warn!(symbol = b.symbol, error = %e, ?delay, "depth snapshot failed, retrying");
                        fetch(fetched.book, b.generation, b.symbol.clone(), delay);
                        continue;
                    }
                };
                if config.raw_frames {
                    let raw = FeedEvent::Raw { symbol: b.symbol.clone(), json: body.clone() };
                    if send(raw, at).await.is_err() {
                        return End::Closed;
                    }
                }
                match on_snapshot(b, &body, at, stats) {
                    Ok(events) => {
                        retry.reset();
                        for event in events {
                            if send(event, at).await.is_err() {
                                return End::Closed;
                            }
                        }
                    }
                    Err(why) => {
                        tracing::info!(symbol = b.symbol, why, "depth snapshot not usable, fetching another");
                        fetch(fetched.book, b.generation, b.symbol.clone(), retry.next_delay());
                    }
                }
            }
            _ = ping.tick() => {
                if let Err(e) = sink.send(WsMessage::Ping(Vec::new().into())).await {
                    return End::Lost { reason: format!("send: {e}"), wait: None };
                }
            }
            _ = sleep_until(cut_at) => {
                FeedStats::bump(&stats.age_reconnects);
                let _ = sink.send(WsMessage::Close(None)).await;
                return End::Lost {
                    reason: "connection replaced before the venue's 24 h cut".to_owned(),
                    wait: Some(Duration::ZERO),
                };
            }
        }
    }
}

/// What one frame produced.
struct FrameEvents {
    /// The symbol it was for.
    symbol: Option<String>,
    out: Vec<FeedEvent>,
    /// The book that needs a snapshot fetch now.
    fetch: Option<usize>,
}

fn levels(spec: &MarketSpec, raw: &[RawLevel<'_>]) -> Result<Vec<BookLevel>, String> {
    raw.iter()
        .map(|l| {
            Ok(BookLevel::new(
                spec.price(l[0]).map_err(|e| e.to_string())?,
                spec.qty(l[1]).map_err(|e| e.to_string())?,
            ))
        })
        .collect()
}

fn ms(ms: u64) -> UnixNanos {
    UnixNanos(
        i64::try_from(ms)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000),
    )
}

fn on_frame(
    text: &str,
    at: UnixNanos,
    books: &mut [Book],
    stats: &FeedStats,
) -> Result<FrameEvents, String> {
    let msg = parse_message(text).map_err(|k| format!("{k:?}"))?;
    let symbol = msg.symbol().ok_or("a snapshot on the stream")?;
    let i = books
        .iter()
        .position(|b| b.symbol.eq_ignore_ascii_case(symbol))
        .ok_or_else(|| format!("symbol {symbol} not subscribed"))?;
    let b = &mut books[i];
    let mut ev = FrameEvents {
        symbol: Some(b.symbol.clone()),
        out: Vec::new(),
        fetch: None,
    };
    match msg {
        Message::Depth(d) => {
            let diff = Diff {
                last: d.last,
                bids: levels(&b.spec, &d.bids)?,
                asks: levels(&b.spec, &d.asks)?,
                ts: ms(d.event_ms),
            };
            let ids = DiffIds {
                first: d.first,
                last: d.last,
                prev: d.prev,
            };
            match b.sync.on_diff(ids, diff) {
                DiffStep::Buffered { fetch_snapshot } => {
                    if fetch_snapshot {
                        ev.fetch = Some(i);
                    }
                }
                DiffStep::Apply(diff) => ev
                    .out
                    .push(FeedEvent::Market(MarketEvent::Delta(apply(b, diff, stats)))),
                DiffStep::Stale => FeedStats::bump(&stats.stale_diffs),
                DiffStep::Gap {
                    expected_after,
                    got,
                } => {
                    FeedStats::bump(&stats.gaps);
                    tracing::info!(
                        symbol = b.symbol,
                        expected_after,
                        ?got,
                        "depth gap, resyncing"
                    );
                    b.generation += 1;
                    ev.fetch = Some(i);
                }
            }
        }
        Message::Ticker(t) => {
            let bid = levels(&b.spec, &[[t.bid, t.bid_qty]])?;
            let ask = levels(&b.spec, &[[t.ask, t.ask_qty]])?;
            if bid[0].price >= ask[0].price {
                return Err(format!("crossed bookTicker {} >= {}", t.bid, t.ask));
            }
            b.levels.on_ticker(t.update_id, bid[0].price, ask[0].price);
            ev.out.push(FeedEvent::Top(TopOfBook {
                market: b.spec.id().clone(),
                venue_seq: t.update_id,
                bid: bid[0],
                ask: ask[0],
                ts: t.event_ms.map_or(at, ms),
            }));
        }
        Message::Trade(t) => {
            let price = b.spec.price(t.price).map_err(|e| e.to_string())?;
            let qty = b.spec.qty(t.qty).map_err(|e| e.to_string())?;
            ev.out.push(FeedEvent::Market(MarketEvent::Trade(Trade {
                market: b.spec.id().clone(),
                trade_id: TradeId::new(t.id.to_string()).map_err(|e| e.to_string())?,
                price,
                qty,
                aggressor: t.aggressor(),
                ts: ms(t.trade_ms),
            })));
        }
        Message::Snapshot(_) => return Err("a snapshot on the stream".to_owned()),
    }
    Ok(ev)
}

/// Counts what the uncrossing policy did.
fn count(stats: &FeedStats, fixes: Fixes) {
    stats
        .crossed_fixes
        .fetch_add(fixes.crossed, std::sync::atomic::Ordering::Relaxed);
    stats
        .ticker_overrides
        .fetch_add(fixes.overridden, std::sync::atomic::Ordering::Relaxed);
}

/// An in-sync diff as a delta following the book's last sequence, settled around the last
/// `bookTicker` so the book stays uncrossed.
fn apply(b: &mut Book, diff: Diff, stats: &FeedStats) -> BookDelta {
    let mut fixes = Fixes::default();
    let (bids, asks) = b.levels.diff(diff.last, &diff.bids, &diff.asks, &mut fixes);
    count(stats, fixes);
    let delta = BookDelta {
        market: b.spec.id().clone(),
        seq: diff.last,
        prev_seq: b.seq,
        bids,
        asks,
        ts: diff.ts,
    };
    b.seq = Some(diff.last);
    delta
}

fn on_snapshot(
    b: &mut Book,
    body: &str,
    at: UnixNanos,
    stats: &FeedStats,
) -> Result<Vec<FeedEvent>, String> {
    let Message::Snapshot(s) = parse_message(body).map_err(|k| format!("{k:?}"))? else {
        return Err("not a depth snapshot".to_owned());
    };
    let (bids, asks) = (levels(&b.spec, &s.bids)?, levels(&b.spec, &s.asks)?);
    match b.sync.on_snapshot(s.last_update_id) {
        SnapshotStep::Synced(diffs) => {
            FeedStats::bump(&stats.syncs);
            let mut fixes = Fixes::default();
            let (bids, asks) = b
                .levels
                .snapshot(s.last_update_id, &bids, &asks, &mut fixes);
            count(stats, fixes);
            let snapshot = BookSnapshot {
                market: b.spec.id().clone(),
                seq: s.last_update_id,
                bids,
                asks,
                ts: s.event_ms.map_or(at, ms),
            };
            b.seq = Some(snapshot.seq);
            let mut out = vec![FeedEvent::Market(MarketEvent::Snapshot(snapshot))];
            for diff in diffs {
                out.push(FeedEvent::Market(MarketEvent::Delta(apply(b, diff, stats))));
            }
            Ok(out)
        }
        SnapshotStep::TooOld { snapshot, first } => {
            FeedStats::bump(&stats.stale_snapshots);
            Err(format!(
                "snapshot {snapshot} older than the first diff {first:?}"
            ))
        }
        SnapshotStep::GapInBuffer {
            expected_after,
            got,
        } => {
            FeedStats::bump(&stats.gaps);
            Err(format!(
                "buffered diffs break after {expected_after}: {got:?}"
            ))
        }
        SnapshotStep::Unexpected => Ok(Vec::new()),
    }
}
