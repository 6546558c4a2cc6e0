//! `GET`/`POST /admin/faults`: the operator's fault switches.

use crate::error::HttpError;
use crate::state::{now_ns, AppState};
use axum::extract::State;
use axum::Json;
use flashmm_sim::faults::{FaultRequest, FaultStatus};
use flashmm_venue::protocol::{ApiError, ErrorCode};

/// The fault settings in force.
pub async fn get_faults(State(state): State<AppState>) -> Json<FaultStatus> {
    Json(state.with_faults(|f| f.status().clone()))
}

/// Changes fault settings; answers the settings now in force.
pub async fn post_faults(
    State(state): State<AppState>,
    Json(req): Json<FaultRequest>,
) -> Result<Json<FaultStatus>, HttpError> {
    let now = now_ns();
    let (drop, status) = state
        .with_faults(|f| f.apply(&req, now).map(|drop| (drop, f.status().clone())))
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    metrics::counter!("sim_venue_faults_total", "kind" => "admin_change").increment(1);
    if drop {
        metrics::counter!("sim_venue_faults_total", "kind" => "drop_ws").increment(1);
        state.drop_ws_connections();
    }
    tracing::info!(?req, "fault settings changed");
    Ok(Json(status))
}
