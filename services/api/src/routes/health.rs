//! `GET /health` and `GET /metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flashmm_runtime as runtime;

use crate::error::ApiError;
use crate::health::HealthReport;
use crate::state::AppState;

/// `GET /health`: each service's liveness from its heartbeat, 503 when a required one is down
/// or Redis cannot be read.
pub async fn health(State(app): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let mut invalid = Vec::new();
    let heartbeats = app.reader.heartbeats(&mut invalid).await?;
    let report = HealthReport::judge(
        &heartbeats,
        runtime::now().as_i64(),
        app.api.heartbeat_stale_ms,
        &app.api.required_services,
    );
    let status = if report.is_healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((status, Json(report)).into_response())
}

/// `GET /metrics`: this process's Prometheus metrics.
pub async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}
