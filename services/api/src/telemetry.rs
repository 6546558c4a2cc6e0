//! The API's Prometheus metric names.

/// Counter: requests refused by authentication, by `reason` (`missing`, `malformed`,
/// `bad_signature`, `expired`, `wrong_token`, `forbidden`, ...).
pub const AUTH_REFUSED: &str = "flashmm_api_auth_refused_total";
/// Counter: requests refused by the per-client rate limit.
pub const RATE_LIMITED: &str = "flashmm_api_rate_limited_total";
/// Counter: request bodies refused as invalid JSON.
pub const BAD_REQUESTS: &str = "flashmm_api_bad_requests_total";
/// Counter: admin actions, by `action` and `outcome` (`accepted`, `denied`, `failed`).
pub const ADMIN_ACTIONS: &str = "flashmm_api_admin_actions_total";
/// Counter: state entries (hash fields or stream entries) that did not decode, by `source`.
pub const BAD_STATE: &str = "flashmm_api_bad_state_total";
/// Counter: Redis errors met while serving.
pub const BUS_ERRORS: &str = "flashmm_api_bus_errors_total";
/// Gauge: live-metrics WebSocket clients connected.
pub const WS_CLIENTS: &str = "flashmm_api_ws_clients";
/// Counter: live-metrics WebSocket upgrades refused because `api.max_ws_clients` were open.
pub const WS_REFUSED: &str = "flashmm_api_ws_refused_total";
/// Counter: live-metrics snapshots built.
pub const SNAPSHOTS: &str = "flashmm_api_snapshots_total";

/// Installs the global metrics recorder and returns the handle `GET /metrics` renders; also
/// serves the same metrics on `127.0.0.1:port` like every service (0: only through the API).
/// Call inside the tokio runtime.
pub fn install(
    port: u16,
) -> Result<metrics_exporter_prometheus::PrometheusHandle, flashmm_runtime::RuntimeError> {
    use std::net::{Ipv4Addr, SocketAddr};

    use flashmm_runtime::RuntimeError;
    use metrics_exporter_prometheus::PrometheusBuilder;

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let failed = |message: String| RuntimeError::Metrics { addr, message };
    if port == 0 {
        return PrometheusBuilder::new()
            .install_recorder()
            .map_err(|e| failed(e.to_string()));
    }
    let (recorder, exporter) = PrometheusBuilder::new()
        .with_http_listener(addr)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|e| failed(e.to_string()))?;
    tokio::spawn(async move {
        if let Err(e) = exporter.await {
            tracing::error!(error = ?e, "metrics listener stopped");
        }
    });
    Ok(handle)
}
