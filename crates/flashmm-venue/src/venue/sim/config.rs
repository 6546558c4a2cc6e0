//! Options of the simulator client.

use std::time::Duration;

/// Where the simulator is and how the client behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SimVenueConfig {
    /// REST base URL, e.g. `http://127.0.0.1:9300`.
    pub rest_url: String,
    /// WebSocket URL, e.g. `ws://127.0.0.1:9300/ws`.
    pub ws_url: String,
    /// Lifetime of a signed request.
    pub request_ttl: Duration,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
    /// Interval of application pings on the WebSocket.
    pub ping_interval: Duration,
    /// Silence after which the connection is considered dead and reopened.
    pub idle_timeout: Duration,
    /// Events buffered for a slow consumer before the connection task waits.
    pub channel_capacity: usize,
    /// Timeout of one REST call.
    pub http_timeout: Duration,
}

impl SimVenueConfig {
    /// Defaults for a simulator at `rest_url` / `ws_url`.
    pub fn new(rest_url: impl Into<String>, ws_url: impl Into<String>) -> Self {
        SimVenueConfig {
            rest_url: rest_url.into(),
            ws_url: ws_url.into(),
            request_ttl: Duration::from_secs(10),
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_secs(5),
            ping_interval: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(15),
            channel_capacity: 65_536,
            http_timeout: Duration::from_secs(10),
        }
    }
}
