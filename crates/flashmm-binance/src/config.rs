//! Options of the live feed.

use crate::BinanceMarket;
use flashmm_core::market::MarketSpec;
use std::time::Duration;

/// One symbol of the feed and the spec its prices and sizes convert with.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSymbol {
    /// The Binance symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// FlashMM's market and its tick and lot.
    pub spec: MarketSpec,
}

/// Where the feed connects and how it behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    /// Spot or USD-M.
    pub market: BinanceMarket,
    /// WebSocket base URL (the combined stream is `{ws_url}/stream?streams=...`).
    pub ws_url: String,
    /// REST base URL (depth snapshots).
    pub rest_url: String,
    /// The symbols.
    pub symbols: Vec<FeedSymbol>,
    /// Levels per side of a REST depth snapshot.
    pub depth_limit: u32,
    /// First reconnect (and snapshot retry) delay.
    pub backoff_min: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
    /// Interval of the client's pings.
    pub ping_interval: Duration,
    /// Silence (no frame, no pong) after which the connection is reopened.
    pub idle_timeout: Duration,
    /// Age after which a connection is replaced (Binance cuts them at 24 h).
    pub max_connection_age: Duration,
    /// Diffs buffered per symbol while a snapshot is fetched.
    pub max_buffer: usize,
    /// Events buffered for a slow consumer before the connection task waits.
    pub channel_capacity: usize,
    /// Timeout of one REST call.
    pub http_timeout: Duration,
    /// Also yield every frame and snapshot body as received ([`crate::FeedEvent::Raw`]),
    /// for recorders.
    pub raw_frames: bool,
}

impl FeedConfig {
    /// Defaults for `symbols` of `market` at Binance's own endpoints.
    pub fn new(market: BinanceMarket, symbols: Vec<FeedSymbol>) -> Self {
        FeedConfig {
            market,
            ws_url: market.default_ws_url().to_owned(),
            rest_url: market.default_rest_url().to_owned(),
            symbols,
            depth_limit: market.max_depth_limit(),
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_connection_age: Duration::from_secs(23 * 3600 + 30 * 60),
            max_buffer: 10_000,
            channel_capacity: 65_536,
            http_timeout: Duration::from_secs(10),
            raw_frames: false,
        }
    }

    /// The same, at other endpoints (a mock, a proxy).
    pub fn with_urls(mut self, ws_url: impl Into<String>, rest_url: impl Into<String>) -> Self {
        self.ws_url = ws_url.into();
        self.rest_url = rest_url.into();
        self
    }

    /// The combined-stream URL of every symbol's streams.
    pub fn stream_url(&self) -> String {
        let streams: Vec<String> = self
            .symbols
            .iter()
            .flat_map(|s| self.market.streams(&s.symbol))
            .collect();
        format!(
            "{}/stream?streams={}",
            self.ws_url.trim_end_matches('/'),
            streams.join("/")
        )
    }
}
