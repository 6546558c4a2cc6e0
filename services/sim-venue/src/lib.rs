//! `sim-venue` as a library: the router, the shared state and the background tasks, so tests
//! can run a real server on an ephemeral loopback port in-process. The binary (`main.rs`)
//! adds configuration, logging, metrics and the heartbeat.
//!
//! Handlers only move bytes: request logic lives in `flashmm_sim::exchange`, fault
//! decisions in `flashmm_sim::faults`.

mod admin;
mod error;
pub mod follow;
pub mod hyperliquid;
pub mod ledger_file;
mod rest;
mod state;
mod ws;

pub use state::{now_ns, AppState, ServerOptions};

use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use flashmm_sim::exchange::SpreadMeter;
use flashmm_venue::protocol::paths;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// The HTTP and WebSocket routes of the simulator.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(paths::WS, get(ws::upgrade))
        .route(paths::MARKETS, get(rest::markets))
        .route("/api/v1/book/{market}", get(rest::book))
        .route(paths::ORDERS, post(rest::place))
        .route(paths::CANCEL, post(rest::cancel))
        .route(paths::REPLACE, post(rest::replace))
        .route(paths::CANCEL_ALL, post(rest::cancel_all))
        .route(paths::OPEN_ORDERS, get(rest::open_orders))
        .route(paths::BALANCES, get(rest::balances))
        .route(paths::FILLS, get(rest::fills))
        .route(
            paths::ADMIN_FAULTS,
            get(admin::get_faults).post(admin::post_faults),
        )
        .with_state(state)
}

/// Runs the background flow: every `tick`, advances every market's flow to the wall clock
/// and publishes what it did.
pub fn spawn_flow(state: AppState, tick: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut published = now_ns();
        loop {
            interval.tick().await;
            let now = now_ns();
            state.advance(now);
            if now - published >= flashmm_core::time::NANOS_PER_SEC {
                published = now;
                publish_spreads(&state);
            }
        }
    })
}

/// Sets the spread gauges of each market with a background flow: the time both its whole
/// book and its flow's own orders were two-sided (`sim_venue_two_sided_seconds`) and the time
/// integrals of their spreads in bps (`sim_venue_spread_bps_seconds{book}`, `book` being
/// `with_participants` or `flow_only`). The difference of two scrapes divided by the time's
/// gives each time-weighted spread over that interval (`scripts/bench` prints them).
fn publish_spreads(state: &AppState) {
    let meters: Vec<(String, SpreadMeter)> = state.with_exchange(|ex, _| {
        ex.spread_meters()
            .map(|(id, m)| (id.stream_key(), m.clone()))
            .collect()
    });
    for (market, m) in meters {
        metrics::gauge!("sim_venue_two_sided_seconds", "market" => market.clone())
            .set(m.two_sided_ns as f64 / 1e9);
        for (book, bps_ns) in [
            ("with_participants", m.with_participants_bps_ns),
            ("flow_only", m.flow_only_bps_ns),
        ] {
            metrics::gauge!("sim_venue_spread_bps_seconds", "market" => market.clone(), "book" => book)
                .set(bps_ns / 1e9);
        }
    }
}

/// Serves the simulator on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Market data is a stream of small frames.
    let listener = listener.tap_io(flashmm_runtime::set_nodelay);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
