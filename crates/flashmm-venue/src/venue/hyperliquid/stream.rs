//! The WebSocket connection task: connect, subscribe (`l2Book` and `trades` per coin for
//! market data; `orderUpdates` and `userFills` of the account), forward events, ping; on any
//! failure report it, wait a jittered exponential delay, and start again.
//!
//! The venue sends whole books (`l2Book`) without sequence numbers: the first book of each
//! coin after a (re)connection is a snapshot, later ones are turned into deltas against the
//! previous book. A gap cannot be seen, so staleness is judged by time: a book without an
//! update for `stale_after` reopens the connection, which starts again from snapshots.
//!
//! While the account's connection is healthy it re-arms the dead man's switch
//! (`scheduleCancel`); once it is lost re-arming stops, and the venue cancels every open
//! order when the last schedule passes.

use super::client::Inner;
use super::convert::{book_snapshot, fill_to_core, levels, order_report, trade};
use super::HlMarket;
use crate::venue::reconnect::{next_text, open, send_text, utc_ns, Connection, End, Link};
use crate::venue::sim::SkipKind;
use crate::venue::{VenueError, VenueEvent};
use flashmm_core::book::{BookDelta, BookLevel};
use flashmm_core::market::Qty;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_hyperliquid::info::L2Book;
use flashmm_hyperliquid::ws::{Subscription, WsMessage, WsRequest};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::time::{interval, Instant, MissedTickBehavior};

/// What the connection task needs.
pub(crate) struct StreamSetup {
    pub inner: Arc<Inner>,
    /// Indices of the markets streamed.
    pub markets: Vec<usize>,
    /// Whether to subscribe to the markets' data.
    pub market_data: bool,
    /// Whether to subscribe to the account's events (and keep the dead man's switch armed).
    pub account: bool,
}

fn subscriptions(setup: &StreamSetup) -> Vec<Subscription> {
    let mut subs = Vec::new();
    if setup.market_data {
        for &i in &setup.markets {
            let coin = setup.inner.markets[i].coin.clone();
            subs.push(Subscription::L2Book { coin: coin.clone() });
            subs.push(Subscription::Trades { coin });
        }
    }
    if let (true, Some(user)) = (setup.account, setup.inner.user) {
        subs.push(Subscription::OrderUpdates { user });
        subs.push(Subscription::UserFills { user });
    }
    subs
}

/// Re-arms the dead man's switch without holding up the connection's reads.
fn arm(inner: &Arc<Inner>) {
    let Some(after) = inner.config.dead_man else {
        return;
    };
    let inner = inner.clone();
    tokio::spawn(async move {
        if let Err(e) = inner.schedule_cancel(after).await {
            tracing::warn!(error = %e, "scheduleCancel not re-armed");
        }
    });
}

impl Connection for StreamSetup {
    async fn run(&self, link: &mut Link<'_>) -> Result<Infallible, End> {
        let setup = self;
        let inner = &setup.inner;
        let config = &inner.config;
        let (mut sink, mut stream) = open(config.ws_url.as_str()).await?;
        for subscription in subscriptions(setup) {
            let request = serde_json::to_string(&WsRequest::Subscribe { subscription });
            send_text(&mut sink, request).await?;
        }
        link.connected().await?;
        let keeps_switch = setup.account && config.dead_man.is_some();
        if keeps_switch {
            arm(inner);
        }
        let mut rearm = interval(config.dead_man_rearm);
        rearm.set_missed_tick_behavior(MissedTickBehavior::Delay);
        rearm.tick().await;
        let mut ping = interval(config.ping_interval.min(config.stale_after));
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ping.tick().await;
        let mut deadline = Instant::now() + config.idle_timeout;
        let connected_at = Instant::now();
        let mut books: HashMap<usize, (Vec<BookLevel>, Vec<BookLevel>, Instant)> = HashMap::new();
        loop {
            tokio::select! {
                frame = next_text(&mut stream, deadline) => {
                    let Some(text) = frame? else { continue };
                    let read_at = utc_ns();
                    deadline = Instant::now() + config.idle_timeout;
                    let msg: WsMessage = match serde_json::from_str(text.as_str()) {
                        Ok(msg) => msg,
                        Err(e) => {
                            inner.stats.add(SkipKind::Undecodable);
                            tracing::debug!(error = %e, "undecodable hyperliquid frame skipped");
                            continue;
                        }
                    };
                    for event in events(setup, &mut books, msg) {
                        match event {
                            Ok(event) => {
                                link.send(event, read_at).await?;
                            }
                            Err(e) => {
                                inner.stats.add(SkipKind::InvalidValue);
                                tracing::debug!(error = %e, "hyperliquid message not convertible");
                            }
                        }
                    }
                }
                _ = ping.tick() => {
                    send_text(&mut sink, serde_json::to_string(&WsRequest::Ping)).await?;
                    if setup.market_data {
                        let now = Instant::now();
                        for &i in &setup.markets {
                            let last = books.get(&i).map_or(connected_at, |b| b.2);
                            if now.saturating_duration_since(last) > config.stale_after {
                                return Err(End::Lost(format!(
                                    "book of {} stale for {:?}: resync",
                                    inner.markets[i].coin, config.stale_after
                                )));
                            }
                        }
                    }
                }
                _ = rearm.tick(), if keeps_switch => arm(inner),
            }
        }
    }
}

/// The changes from `old` to `new`: levels that appeared or changed, and removed ones at
/// size zero.
fn diff(old: &[BookLevel], new: &[BookLevel]) -> Vec<BookLevel> {
    let mut out: Vec<BookLevel> = new.iter().filter(|l| !old.contains(l)).copied().collect();
    for l in old {
        if !new.iter().any(|n| n.price == l.price) {
            out.push(BookLevel::new(l.price, Qty::ZERO));
        }
    }
    out
}

type Books = HashMap<usize, (Vec<BookLevel>, Vec<BookLevel>, Instant)>;

fn book_event(
    setup: &StreamSetup,
    books: &mut Books,
    idx: usize,
    m: &HlMarket,
    book: &L2Book,
) -> Result<Option<VenueEvent>, VenueError> {
    let bids = levels(m, book.bids())?;
    let asks = levels(m, book.asks())?;
    let seq = setup.inner.next_seq();
    let event = match books.get(&idx) {
        None => Some(VenueEvent::Market(MarketEvent::Snapshot(book_snapshot(
            m, book, seq,
        )?))),
        Some((old_bids, old_asks, _)) => {
            let (db, da) = (diff(old_bids, &bids), diff(old_asks, &asks));
            (!db.is_empty() || !da.is_empty()).then(|| {
                VenueEvent::Market(MarketEvent::Delta(BookDelta {
                    market: m.spec.id().clone(),
                    seq,
                    prev_seq: None,
                    bids: db,
                    asks: da,
                    ts: UnixNanos(super::convert::ms_to_ns(book.time)),
                }))
            })
        }
    };
    books.insert(idx, (bids, asks, Instant::now()));
    Ok(event)
}

fn events(
    setup: &StreamSetup,
    books: &mut Books,
    msg: WsMessage,
) -> Vec<Result<VenueEvent, VenueError>> {
    let inner = &setup.inner;
    let streamed = |coin: &str| -> Option<(usize, &HlMarket)> {
        setup
            .markets
            .iter()
            .map(|&i| (i, &inner.markets[i]))
            .find(|(_, m)| m.coin == coin)
    };
    match msg {
        WsMessage::L2Book(book) if setup.market_data => match streamed(&book.coin) {
            Some((i, m)) => book_event(setup, books, i, m, &book)
                .transpose()
                .into_iter()
                .collect(),
            None => Vec::new(),
        },
        WsMessage::Trades(trades) if setup.market_data => trades
            .iter()
            .filter_map(|t| {
                streamed(&t.coin)
                    .map(|(_, m)| trade(m, t).map(|e| VenueEvent::Market(MarketEvent::Trade(e))))
            })
            .collect(),
        WsMessage::OrderUpdates(updates) if setup.account => updates
            .iter()
            .filter_map(|u| {
                let (_, m) = streamed(&u.order.coin)?;
                let ids = inner.ids.lock().unwrap_or_else(|p| p.into_inner());
                let tif = u
                    .order
                    .cloid
                    .as_ref()
                    .and_then(|c| ids.get(c).and_then(|k| k.terms.map(|t| t.4)));
                let client_id = ids
                    .client_id(u.order.cloid.as_ref(), u.order.oid)
                    .map_err(|e| VenueError::Decode(e.to_string()));
                drop(ids);
                Some(client_id.and_then(|id| order_report(m, u, id, tif).map(VenueEvent::Order)))
            })
            .collect(),
        // The snapshot of past fills is history: a restart reads it through `fills`.
        WsMessage::UserFills(fills) if setup.account && !fills.is_snapshot => fills
            .fills
            .iter()
            .filter_map(|f| {
                let (_, m) = streamed(&f.coin)?;
                inner.traded(f.px * f.sz);
                let client_id = inner
                    .ids
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .client_id(f.cloid.as_ref(), f.oid)
                    .map_err(|e| VenueError::Decode(e.to_string()));
                Some(client_id.and_then(|id| fill_to_core(m, f, id).map(VenueEvent::Fill)))
            })
            .collect(),
        WsMessage::Error(message) => {
            tracing::warn!(message, "hyperliquid refused a stream message");
            Vec::new()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::market::Price;

    fn l(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    #[test]
    fn diffs_whole_books_into_changes() {
        let old = [l(100, 5), l(99, 3), l(98, 1)];
        let new = [l(100, 5), l(99, 4), l(97, 2)];
        let d = diff(&old, &new);
        assert_eq!(d, vec![l(99, 4), l(97, 2), l(98, 0)]);
        assert!(diff(&new, &new).is_empty());
    }
}
