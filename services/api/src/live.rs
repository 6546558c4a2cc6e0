//! The live-metrics snapshot pushed on `WS /ws/live-metrics`: one loop builds it every
//! `api.ws_interval_ms` (2–5 Hz) from Redis, samples the P&L history, and hands the JSON to
//! every connected client through a `watch` channel, so Redis load does not grow with clients.

use std::sync::Arc;
use std::time::Duration;

use flashmm_bus::BusError;
use flashmm_core::control::AuditEntry;
use flashmm_core::risk::RiskEvent;
use flashmm_runtime as runtime;
use serde::Serialize;
use tokio::sync::watch;

use crate::contract::{Pnl, Position};
use crate::fill_view::FillView;
use crate::health::HealthReport;
use crate::pnl_history::PnlSample;
use crate::reader::StateReader;
use crate::state::AppState;
use crate::status::TradingStatus;
use crate::telemetry;

/// Fills per market in a snapshot.
pub const SNAPSHOT_FILLS: usize = 20;
/// Audit entries and risk events in a snapshot.
pub const SNAPSHOT_EVENTS: usize = 15;
/// P&L samples in a snapshot (the whole ring is at `GET /trading/pnl`).
pub const SNAPSHOT_PNL_POINTS: usize = 600;

/// One market's part of a snapshot beyond the status: position, P&L and fills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketBook {
    /// The market symbol.
    pub market: String,
    /// Our position.
    pub position: Option<Position>,
    /// Its P&L.
    pub pnl: Option<Pnl>,
    /// Our newest fills, newest first.
    pub fills: Vec<FillView>,
}

/// What the dashboard shows, at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// When it was built, UTC ns.
    pub ts: i64,
    /// Mode, quotes, predictions, latency.
    pub status: TradingStatus,
    /// Service liveness.
    pub health: HealthReport,
    /// Positions, P&L and fills by market, in config order.
    pub books: Vec<MarketBook>,
    /// Total P&L.
    pub pnl_total: Option<Pnl>,
    /// The newest P&L samples, oldest first.
    pub pnl_history: Vec<PnlSample>,
    /// The newest audit entries, newest first.
    pub audit: Vec<AuditEntry>,
    /// The newest risk events, newest first.
    pub risk: Vec<RiskEvent>,
}

impl Snapshot {
    /// Builds a snapshot at `now_ns` and records the total P&L into the history.
    pub async fn build(app: &AppState, now_ns: i64) -> Result<Self, BusError> {
        let reader: &StateReader = &app.reader;
        let mut status = TradingStatus::read(reader).await?;
        let invalid = &mut status.invalid;
        let heartbeats = reader.heartbeats(invalid).await?;
        let health = HealthReport::judge(
            &heartbeats,
            now_ns,
            app.api.heartbeat_stale_ms,
            &app.api.required_services,
        );
        let mut positions = reader.positions(invalid).await?;
        let mut pnl = reader.pnl(invalid).await?;
        let mut books = Vec::new();
        for spec in reader.markets() {
            let symbol = spec.id().as_str();
            let market_pnl = pnl.remove(symbol);
            if let (Some(p), Some(history)) = (&market_pnl, app.market_pnl_history.get(symbol)) {
                history.record(now_ns, p);
            }
            books.push(MarketBook {
                market: symbol.to_owned(),
                position: positions.remove(symbol),
                pnl: market_pnl,
                fills: reader.fills(spec, SNAPSHOT_FILLS, invalid).await?,
            });
        }
        let pnl_total = pnl.remove("total");
        if let Some(total) = &pnl_total {
            app.pnl_history.record(now_ns, total);
        }
        let audit = reader.audit(SNAPSHOT_EVENTS, invalid).await?;
        let risk = reader.risk(SNAPSHOT_EVENTS, invalid).await?;
        Ok(Snapshot {
            ts: now_ns,
            status,
            health,
            books,
            pnl_total,
            pnl_history: app.pnl_history.last(SNAPSHOT_PNL_POINTS),
            audit,
            risk,
        })
    }
}

/// The JSON sent when a snapshot cannot be built.
fn unavailable(now_ns: i64) -> String {
    serde_json::json!({ "ts": now_ns, "error": "state store unavailable" }).to_string()
}

/// Builds a snapshot every `api.ws_interval_ms` into `tx` until `shutdown` turns true.
pub async fn run(
    app: Arc<AppState>,
    tx: watch::Sender<Arc<str>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(app.api.ws_interval_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = runtime::now().as_i64();
        let json = match Snapshot::build(&app, now).await {
            Ok(snapshot) => {
                crate::influx::record(&snapshot);
                serde_json::to_string(&snapshot).unwrap_or_else(|e| {
                    tracing::error!(error = %e, "snapshot not serialisable");
                    unavailable(now)
                })
            }
            Err(e) => {
                metrics::counter!(telemetry::BUS_ERRORS).increment(1);
                tracing::warn!(error = %e, "snapshot not built");
                unavailable(now)
            }
        };
        metrics::counter!(telemetry::SNAPSHOTS).increment(1);
        tx.send_replace(json.into());
    }
}
