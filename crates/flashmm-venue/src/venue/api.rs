//! The [`Venue`] trait.

use super::{AssetBalance, NewOrder, OrderRef, OrderReport, ReplaceOrder, VenueError, VenueEvent};
use async_trait::async_trait;
use flashmm_core::book::BookSnapshot;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_core::order::Fill;
use flashmm_core::time::UnixNanos;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A venue FlashMM trades on: market data, order entry, account state.
///
/// Prices and sizes are ticks and lots of the market's [`MarketSpec`]; implementations
/// convert to and from their wire. Order entry methods return the order's state after the
/// venue processed the request; the same changes (and any later ones: fills of a resting
/// order, cancels) also arrive on the [`EventStream`] as [`VenueEvent::Order`] and
/// [`VenueEvent::Fill`].
#[async_trait]
pub trait Venue: Send + Sync {
    /// The venue's name, for logs and metrics.
    fn name(&self) -> &str;

    /// The markets the venue lists.
    fn markets(&self) -> &[MarketSpec];

    /// Starts market data for `markets` (a snapshot each, then deltas with sequence numbers,
    /// and trades) and the account's own order and fill events. The stream reconnects by
    /// itself; after each (re)connection it yields [`VenueEvent::Connected`] and fresh
    /// snapshots.
    async fn subscribe(&self, markets: &[MarketId]) -> Result<EventStream, VenueError>;

    /// The account's own order and fill events in `markets`, without their market data, for
    /// a client that takes its book from elsewhere (execution reads `md:{mkt}`). Reconnects
    /// and yields [`VenueEvent::Connected`] as [`Self::subscribe`] does. A venue that cannot
    /// separate the two delivers market data too (the default).
    async fn account_events(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        self.subscribe(markets).await
    }

    /// The current book of a market, for a resync after a sequence gap.
    async fn snapshot(&self, market: &MarketId) -> Result<BookSnapshot, VenueError>;

    /// Places a limit order.
    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError>;

    /// Cancels an open order.
    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError>;

    /// Replaces an open order's price and size; returns the order now working.
    async fn cancel_replace(&self, req: &ReplaceOrder) -> Result<OrderReport, VenueError>;

    /// Cancels every open order, of one market or all; returns the orders cancelled.
    async fn cancel_all(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError>;

    /// The account's open orders, of one market or all.
    async fn open_orders(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError>;

    /// The account's balances.
    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError>;

    /// The account's fills after `since_ns` (venue time, UTC ns), oldest first, in every
    /// market the venue lists: what a restart reconciles its position with.
    async fn fills(&self, since_ns: i64) -> Result<Vec<Fill>, VenueError> {
        let _ = since_ns;
        Err(VenueError::Unsupported("fill history"))
    }

    /// Tells the client the FlashMM ids a previous run may have sent orders under (its saved
    /// open orders, its recently booked fills), so that a venue which carries only a digest
    /// of the id (Hyperliquid's cloid) reports those orders and fills under the same ids
    /// after a restart. Nothing to do for a venue that carries the id itself (the default).
    fn recall(&self, ids: &[ClientOrderId]) {
        let _ = ids;
    }
}

/// The events of a subscription. Dropping it stops the connection task.
#[derive(Debug)]
pub struct EventStream {
    rx: mpsc::Receiver<Received>,
    task: JoinHandle<()>,
}

/// A venue event with the local wall-clock time its message was read off the connection:
/// the `origin_ts` of everything it causes.
#[derive(Debug, Clone)]
pub struct Received {
    /// The event.
    pub event: VenueEvent,
    /// When the connection task read the message that carried it (UTC ns).
    pub at: UnixNanos,
}

impl Received {
    /// `event`, read at `at` (UTC ns).
    pub fn new(event: VenueEvent, at: i64) -> Self {
        Received {
            event,
            at: UnixNanos(at),
        }
    }
}

impl EventStream {
    /// A stream fed by `task` through `rx`.
    pub fn new(rx: mpsc::Receiver<Received>, task: JoinHandle<()>) -> Self {
        EventStream { rx, task }
    }

    /// The next event; `None` once the connection task has stopped.
    pub async fn next(&mut self) -> Option<VenueEvent> {
        self.rx.recv().await.map(|r| r.event)
    }

    /// The next event with its read time; `None` once the connection task has stopped.
    pub async fn next_received(&mut self) -> Option<Received> {
        self.rx.recv().await
    }

    /// The next event if one is already queued, without waiting (to batch what arrived
    /// together).
    pub fn try_next(&mut self) -> Option<Received> {
        self.rx.try_recv().ok()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}
