//! Paper trading's market side: the markets follow a live feed (Binance's public data through
//! `flashmm_binance::subscribe`, or Hyperliquid's through its venue client) instead of a
//! recording or a synthetic flow (`Exchange::attach_follow`). Each event is applied as it
//! arrives: the feed's book and trades are the markets' public data, participants' orders fill
//! by the queue model.

use crate::state::{now_ns, AppState};
use flashmm_binance::{Feed, FeedEvent, FeedStream};
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use flashmm_recording::RecordEvent;
use flashmm_venue::venue::{EventStream, HyperliquidConfig, HyperliquidVenue, Venue, VenueEvent};

/// Applies one event of the live feed to the followed markets and publishes what it did.
/// A reconnection (`Connected`, `Disconnected`) changes nothing by itself: the book stays as
/// last seen until the resync's snapshot replaces it, and participants' orders stay resting
/// through it. Returns whether the event was a market's public data of a followed market.
pub fn apply(state: &AppState, feed: &Feed) -> bool {
    match &feed.event {
        FeedEvent::Market(e) => apply_market(state, e.clone()),
        FeedEvent::Connected => connected(),
        FeedEvent::Disconnected { reason } => lost(reason),
        FeedEvent::Top(_) | FeedEvent::Raw { .. } => false,
    }
}

/// A followed market's public data, applied now.
fn apply_market(state: &AppState, event: MarketEvent) -> bool {
    let now = now_ns();
    state.with_exchange(|ex, out| ex.follow(&RecordEvent::Market(event), now, out))
}

/// The feed is (re)connected: its snapshots follow.
fn connected() -> bool {
    tracing::info!("live feed connected");
    false
}

/// The feed is lost and reconnects: counted, nothing else changes.
fn lost(reason: &str) -> bool {
    tracing::warn!(%reason, "live feed lost, reconnecting");
    metrics::counter!("sim_venue_follow_disconnects_total").increment(1);
    false
}

/// Applies every event of `feed` as it arrives, until the feed ends.
pub fn spawn(state: AppState, mut feed: FeedStream) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = feed.next().await {
            apply(&state, &event);
        }
        tracing::error!("live feed ended");
    })
}

/// Hyperliquid's live feed of `specs` (`--follow hyperliquid`): the venue's client without a
/// key connects (reading `meta` and `spotMeta`: a tick or lot the venue does not allow is
/// refused there) and subscribes to `l2Book` and `trades` of every market.
pub async fn hyperliquid(
    config: HyperliquidConfig,
    specs: Vec<MarketSpec>,
) -> Result<EventStream, flashmm_venue::venue::VenueError> {
    let ids: Vec<_> = specs.iter().map(|s| s.id().clone()).collect();
    let venue = HyperliquidVenue::connect(config, None, specs).await?;
    venue.subscribe(&ids).await
}

/// Applies every market event of a venue client's stream (Hyperliquid's) as it arrives, until
/// the stream ends; its reconnections change nothing by themselves, as with [`apply`].
pub fn spawn_venue(state: AppState, mut feed: EventStream) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = feed.next().await {
            match event {
                VenueEvent::Market(e) => apply_market(&state, e),
                VenueEvent::Connected => connected(),
                VenueEvent::Disconnected { reason } => lost(&reason),
                VenueEvent::Order(_) | VenueEvent::Fill(_) => false,
            };
        }
        tracing::error!("live feed ended");
    })
}
