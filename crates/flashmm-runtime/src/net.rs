//! Socket settings of the services' servers.

/// Turns Nagle's algorithm off on an accepted connection (pass it to axum's
/// `ListenerExt::tap_io`): a small frame written while the previous one is unacknowledged
/// would otherwise wait for the peer's delayed ACK (up to 40 ms; docs/perf.md "Ingest").
pub fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY not set");
    }
}
