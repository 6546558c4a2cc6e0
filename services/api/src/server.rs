//! Runs the API: the snapshot loop and the HTTP server, until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use flashmm_bus::{Bus, Namespace};
use flashmm_core::config::Config;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::state::AppState;
use crate::{live, routes};

/// Serves the API on `listener` until `shutdown` resolves: open WebSockets are closed, the
/// snapshot loop stops, in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    config: &Config,
    bus: Arc<dyn Bus>,
    namespace: Namespace,
    metrics: PrometheusHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (live_tx, live_rx) = watch::channel::<Arc<str>>(Arc::from("{}"));
    let (stop_tx, stop_rx) = watch::channel(false);
    let app = Arc::new(AppState::new(
        config,
        bus,
        namespace,
        metrics,
        live_rx,
        stop_rx.clone(),
    )?);
    let snapshots = tokio::spawn(live::run(app.clone(), live_tx, stop_rx));
    let router = routes::router(app);
    // Live snapshots are small frames.
    let listener = listener.tap_io(flashmm_runtime::set_nodelay);
    let result = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    })
    .await;
    snapshots.abort();
    result.map_err(Into::into)
}
