//! Settings of the Sei adapter.

use flashmm_core::market::MarketSpec;
use std::time::Duration;

/// Where and how [`SeiVenue`](super::SeiVenue) talks to Sei nodes.
#[derive(Debug, Clone)]
pub struct SeiVenueConfig {
    /// Tendermint RPC WebSocket endpoints (`ws://host:26657/websocket`), tried in order.
    pub endpoints: Vec<String>,
    /// The chain id every transaction is signed for.
    pub chain_id: String,
    /// The markets traded.
    pub markets: Vec<MarketSpec>,
    /// How long one call (connect, send, answer) may take before the next endpoint is tried.
    pub call_timeout: Duration,
    /// How long a signed transaction stays valid.
    pub tx_ttl: Duration,
    /// Smallest reconnect delay after a round of failed endpoints.
    pub backoff_min: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
}

impl SeiVenueConfig {
    /// A config for `endpoints`, a comma-separated list; `http(s)://host:port` entries become
    /// `ws(s)://host:port/websocket`.
    pub fn new(endpoints: &str, chain_id: &str, markets: Vec<MarketSpec>) -> Self {
        let endpoints = endpoints
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| {
                if let Some(rest) = e.strip_prefix("http://") {
                    format!("ws://{}/websocket", rest.trim_end_matches('/'))
                } else if let Some(rest) = e.strip_prefix("https://") {
                    format!("wss://{}/websocket", rest.trim_end_matches('/'))
                } else {
                    e.to_owned()
                }
            })
            .collect();
        SeiVenueConfig {
            endpoints,
            chain_id: chain_id.to_owned(),
            markets,
            call_timeout: Duration::from_secs(5),
            tx_ttl: Duration::from_secs(30),
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_endpoints_become_websocket_ones() {
        let c = SeiVenueConfig::new(
            "http://a:26657, https://b:443/ ,ws://c:1/websocket,",
            "pacific-1",
            vec![],
        );
        assert_eq!(
            c.endpoints,
            [
                "ws://a:26657/websocket",
                "wss://b:443/websocket",
                "ws://c:1/websocket"
            ]
        );
    }
}
