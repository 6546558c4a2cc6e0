//! The simulator speaking Hyperliquid's wire (`sim-venue --wire hyperliquid`): a local mock
//! of the venue on top of the same exchange, for tests and demos without the network.
//!
//! - `POST /info` ([`info`]): metadata, books, open orders, fills, balances, roles.
//! - `POST /exchange` ([`exchange`]): signed actions; the signer is recovered from each
//!   signature and must be an account or an approved API wallet; stale or repeated nonces,
//!   expired actions, unknown cloids and rule-breaking prices and sizes are refused as the
//!   venue refuses them; `scheduleCancel` is honoured.
//! - `GET /ws` ([`ws`]): books, trades, the user's order updates and fills, pings.
//! - `POST /admin/faults` (the simulator's faults: `drop_ws`), and
//!   `POST /admin/hyperliquid/outage` `{"ws_ms", "exchange_ms"}`: refuse WebSocket upgrades
//!   (dropping every session) and `/exchange` for that long, a network loss as the client
//!   sees it.
//!
//! Every hosted market is listed as a spot pair named by its symbol (`SEI/USDC`), asset
//! `10000 + index`, or, when named by `--hl-perp`, as a perp named by its base (`ETH`),
//! numbered from 0 in `meta`; `szDecimals` from its lot size. A perp's fills settle in its
//! base asset as a pair's do, and its position (`clearinghouseState`) is that balance less the
//! funding; its base is not a spot token.

pub mod exchange;
pub mod info;
pub mod start;
pub mod state;
pub mod ws;

pub use state::{Coin, HlOptions, HlState};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::time::Duration;

/// The body of `POST /admin/hyperliquid/outage`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct OutageRequest {
    /// How long WebSocket upgrades are refused (every session is dropped now), ms.
    #[serde(default)]
    pub ws_ms: u64,
    /// How long `/exchange` answers 503, ms.
    #[serde(default)]
    pub exchange_ms: u64,
}

async fn outage(
    State(state): State<HlState>,
    Json(req): Json<OutageRequest>,
) -> Json<serde_json::Value> {
    state.outage(req.ws_ms, req.exchange_ms);
    tracing::info!(?req, "hyperliquid outage");
    Json(serde_json::json!({"ws_ms": req.ws_ms, "exchange_ms": req.exchange_ms}))
}

async fn status(State(state): State<HlState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"scheduled_cancels_fired": state.scheduled_cancels_fired()}))
}

/// The routes of the mock.
pub fn router(state: HlState) -> Router {
    let faults = Router::new()
        .route(
            flashmm_venue::protocol::paths::ADMIN_FAULTS,
            get(crate::admin::get_faults).post(crate::admin::post_faults),
        )
        .with_state(state.app.clone());
    Router::new()
        .route("/info", post(info::info))
        .route("/exchange", post(exchange::exchange))
        .route("/ws", get(ws::upgrade))
        .route("/admin/hyperliquid/outage", post(outage))
        .route("/admin/hyperliquid/status", get(status))
        .with_state(state)
        .merge(faults)
}

/// Fires due scheduled cancels every `tick`.
pub fn spawn_schedules(state: HlState, tick: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            state.fire_schedules(exchange::now_ms());
        }
    })
}

/// Serves the mock on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: HlState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Market data is a stream of small frames.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
