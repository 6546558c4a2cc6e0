//! The subscription's connection task: connect, subscribe, authenticate, forward events;
//! on any failure (a refused authentication included) report it, wait a jittered exponential
//! delay, and start again.

use super::{SimVenueConfig, SkipKind, StreamStats};
use crate::protocol::{decode, encode, paths, ClientMessage, ServerMessage};
use crate::signing::Signer;
use crate::venue::reconnect::{next_text, open, send_text, utc_ns, Connection, End, Link};
use crate::venue::{OrderReport, VenueEvent};
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::time::{interval, Instant, MissedTickBehavior};

/// What the connection task needs.
pub(crate) struct StreamSetup {
    pub config: SimVenueConfig,
    pub signer: Option<Arc<Signer>>,
    pub specs: Vec<MarketSpec>,
    /// Whether to subscribe to the markets' data (else only the account's events follow).
    pub market_data: bool,
    pub stats: Arc<StreamStats>,
}

impl Connection for StreamSetup {
    async fn run(&self, link: &mut Link<'_>) -> Result<Infallible, End> {
        let setup = self;
        let (mut sink, mut stream) = open(setup.config.ws_url.as_str()).await?;
        let mut hello = Vec::with_capacity(2);
        if setup.market_data {
            hello.push(ClientMessage::Subscribe {
                markets: setup.specs.iter().map(|s| s.id().clone()).collect(),
            });
        }
        if let Some(signer) = &setup.signer {
            let ttl = i64::try_from(setup.config.request_ttl.as_nanos()).unwrap_or(i64::MAX);
            let auth = signer.sign("GET", paths::WS_AUTH, b"", utc_ns().saturating_add(ttl));
            hello.insert(0, ClientMessage::Auth { auth });
        }
        for msg in &hello {
            send_text(&mut sink, encode(msg)).await?;
        }
        link.connected().await?;
        let mut ping = interval(setup.config.ping_interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut ping_id = 0u64;
        let mut deadline = Instant::now() + setup.config.idle_timeout;
        // A refused `auth` (rate limit, expiry) would leave a session without the account's
        // order and fill events: treat it as a lost connection and start again.
        let mut authenticated = setup.signer.is_none();
        loop {
            tokio::select! {
                frame = next_text(&mut stream, deadline) => {
                    let Some(text) = frame? else { continue };
                    let read_at = utc_ns();
                    deadline = Instant::now() + setup.config.idle_timeout;
                    let msg: ServerMessage = match decode(text.as_str()) {
                        Ok(msg) => msg,
                        Err(e) => {
                            setup.stats.add(SkipKind::Undecodable);
                            tracing::debug!(error = %e, "undecodable venue frame skipped");
                            continue;
                        }
                    };
                    match &msg {
                        ServerMessage::Authenticated { .. } => authenticated = true,
                        ServerMessage::Error { code, message } if !authenticated => {
                            return Err(End::Lost(format!(
                                "authentication refused: {code:?}: {message}"
                            )));
                        }
                        _ => {}
                    }
                    if let Some(event) = to_event(&setup.specs, &setup.stats, msg) {
                        link.send(event, read_at).await?;
                    }
                }
                _ = ping.tick() => {
                    ping_id += 1;
                    send_text(&mut sink, encode(&ClientMessage::Ping { id: ping_id })).await?;
                }
            }
        }
    }
}

/// Converts a venue message into an event; control messages yield nothing, unconvertible
/// values and unknown markets are counted in `stats` and yield nothing.
fn to_event(specs: &[MarketSpec], stats: &StreamStats, msg: ServerMessage) -> Option<VenueEvent> {
    let spec_of = |m: &flashmm_core::market::MarketId| specs.iter().find(|s| s.id() == m);
    let is_data = matches!(
        msg,
        ServerMessage::Snapshot(_)
            | ServerMessage::Delta(_)
            | ServerMessage::Trade(_)
            | ServerMessage::Order(_)
            | ServerMessage::Fill(_)
    );
    let result = match &msg {
        ServerMessage::Snapshot(s) => spec_of(&s.market).map(|spec| {
            s.to_core(spec)
                .map(|e| VenueEvent::Market(MarketEvent::Snapshot(e)))
                .map_err(|e| e.to_string())
        }),
        ServerMessage::Delta(d) => spec_of(&d.market).map(|spec| {
            d.to_core(spec)
                .map(|e| VenueEvent::Market(MarketEvent::Delta(e)))
                .map_err(|e| e.to_string())
        }),
        ServerMessage::Trade(t) => spec_of(&t.market).map(|spec| {
            t.to_core(spec)
                .map(|e| VenueEvent::Market(MarketEvent::Trade(e)))
                .map_err(|e| e.to_string())
        }),
        ServerMessage::Order(u) => spec_of(&u.market).map(|spec| {
            OrderReport::from_wire(spec, u, &[])
                .map(VenueEvent::Order)
                .map_err(|e| e.to_string())
        }),
        ServerMessage::Fill(f) => spec_of(&f.market).map(|spec| {
            f.to_core(spec)
                .map(VenueEvent::Fill)
                .map_err(|e| e.to_string())
        }),
        ServerMessage::Error { code, message } => {
            tracing::warn!(?code, message, "venue refused a stream message");
            None
        }
        ServerMessage::Subscribed { .. }
        | ServerMessage::Authenticated { .. }
        | ServerMessage::Pong { .. } => None,
    };
    match result {
        Some(Ok(event)) => Some(event),
        Some(Err(e)) => {
            stats.add(SkipKind::InvalidValue);
            tracing::debug!(error = e, "venue message not convertible");
            None
        }
        None if is_data => {
            stats.add(SkipKind::UnknownMarket);
            None
        }
        None => None,
    }
}
