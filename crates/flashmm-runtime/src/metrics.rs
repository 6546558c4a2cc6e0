//! The Prometheus `/metrics` endpoint of a service.

use std::net::{Ipv4Addr, SocketAddr};

use crate::RuntimeError;

/// Serves Prometheus `/metrics` for this process on `127.0.0.1:port` (0 disables it),
/// installs the global `metrics` recorder and samples the [`process`](crate::process) metrics
/// (CPU, memory, file descriptors, threads) every second. Call inside the tokio runtime.
pub fn serve_metrics(port: u16) -> Result<(), RuntimeError> {
    if port == 0 {
        return Ok(());
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| RuntimeError::Metrics {
            addr,
            message: e.to_string(),
        })?;
    crate::process::spawn_sampler(std::time::Duration::from_secs(1));
    Ok(())
}
