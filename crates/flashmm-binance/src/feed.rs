//! What the live feed yields, and its counters.

use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;

use flashmm_recording::TopOfBook;
use flashmm_venue::venue::{EventStream, Received, VenueEvent};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// The WebSocket is (re)connected; each book syncs again and starts with a `Snapshot`.
    Connected,
    /// The connection was lost or replaced; the feed reconnects.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// A market's public data: its whole book (the REST snapshot, at its `lastUpdateId`,
    /// `seq`), a depth diff that follows the book (`seq` is its last update id `u`,
    /// `prev_seq` the book's before), or a public trade.
    Market(MarketEvent),
    /// A `bookTicker`: the venue's best bid and ask (faster than the 100 ms diffs).
    Top(TopOfBook),
    /// A frame or REST snapshot body exactly as received (with [`FeedConfig::raw_frames`]
    /// set): what a capture of the feed holds.
    ///
    /// [`FeedConfig::raw_frames`]: crate::FeedConfig::raw_frames
    Raw {
        /// The Binance symbol the message is for.
        symbol: String,
        /// The JSON text.
        json: String,
    },
}

/// An event with the local time (UTC ns) its message was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// When the message that carried it was read.
    pub at: UnixNanos,
    /// The event.
    pub event: FeedEvent,
}

/// Counters of a feed (shared with its connection task).
#[derive(Debug, Default)]
pub struct FeedStats {
    /// Connections opened.
    pub connects: AtomicU64,
    /// Connections replaced before the venue's 24 h cut.
    pub age_reconnects: AtomicU64,
    /// Connections dropped for silence (no frame, no pong).
    pub idle_timeouts: AtomicU64,
    /// Books put in sync by a snapshot.
    pub syncs: AtomicU64,
    /// Gaps between diffs (each starts a resync).
    pub gaps: AtomicU64,
    /// Diffs skipped as already covered (duplicates, late ones).
    pub stale_diffs: AtomicU64,
    /// Snapshots refused as older than the stream (fetched again).
    pub stale_snapshots: AtomicU64,
    /// REST or WebSocket answers 429/418.
    pub rate_limited: AtomicU64,
    /// Frames skipped as malformed (bad JSON, unknown stream or symbol, off-grid values, a
    /// crossed `bookTicker`).
    pub malformed: AtomicU64,
    /// Book levels removed because they were beyond a newer `bookTicker` or crossed a newer
    /// level (Binance's spot diffs leave such stale levels at times).
    pub crossed_fixes: AtomicU64,
    /// Diff levels not applied because a newer `bookTicker` is better than them.
    pub ticker_overrides: AtomicU64,
}

impl FeedStats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// The events of a feed. Dropping it stops the connection task.
#[derive(Debug)]
pub struct FeedStream {
    rx: mpsc::Receiver<Feed>,
    task: JoinHandle<()>,
    stats: Arc<FeedStats>,
}

impl FeedStream {
    pub(crate) fn new(
        rx: mpsc::Receiver<Feed>,
        task: JoinHandle<()>,
        stats: Arc<FeedStats>,
    ) -> Self {
        FeedStream { rx, task, stats }
    }

    /// The next event; `None` once the connection task has stopped.
    pub async fn next(&mut self) -> Option<Feed> {
        self.rx.recv().await
    }

    /// The feed's counters.
    pub fn stats(&self) -> Arc<FeedStats> {
        self.stats.clone()
    }

    /// The feed as a venue [`EventStream`] (connection, snapshots, deltas, trades), what
    /// ingest reads; tops and raw frames are left out.
    pub fn into_event_stream(mut self, capacity: usize) -> EventStream {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let task = tokio::spawn(async move {
            while let Some(feed) = self.next().await {
                let event = match feed.event {
                    FeedEvent::Connected => VenueEvent::Connected,
                    FeedEvent::Disconnected { reason } => VenueEvent::Disconnected { reason },
                    FeedEvent::Market(e) => VenueEvent::Market(e),
                    FeedEvent::Top(_) | FeedEvent::Raw { .. } => continue,
                };
                if tx
                    .send(Received::new(event, feed.at.as_i64()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        EventStream::new(rx, task)
    }
}

impl Drop for FeedStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}
