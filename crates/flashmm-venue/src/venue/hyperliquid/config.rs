//! Options of the Hyperliquid client.

use flashmm_core::market::MarketId;
use flashmm_hyperliquid::{Address, Network};
use std::time::Duration;

/// The venue's documented REST budget: 1200 weight a minute per IP address.
pub const REST_WEIGHT_PER_MINUTE: u32 = 1200;

/// Where the venue is, which account trades, and how the client behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct HyperliquidConfig {
    /// Mainnet or testnet: part of every signature (phantom agent source `a` or `b`).
    pub network: Network,
    /// Base URL of `/info` and `/exchange`, e.g. `https://api.hyperliquid-testnet.xyz`.
    pub api_url: String,
    /// WebSocket URL, e.g. `wss://api.hyperliquid-testnet.xyz/ws`.
    pub ws_url: String,
    /// The account queried (`user` of `/info` and the user feeds). With an API (agent)
    /// wallet, the master address; `None` queries the signing key's own address.
    pub account: Option<Address>,
    /// The coin of each FlashMM market (`PURR/USDC`, `@107` for a spot pair, `ETH` for a
    /// perp); a market not named here trades the spot pair or perp of its own symbol.
    pub coins: Vec<(MarketId, String)>,
    /// Time after which the venue cancels every open order unless re-armed
    /// (`scheduleCancel`; at least [`super::MIN_SCHEDULE`]); `None` leaves the dead man's switch off.
    pub dead_man: Option<Duration>,
    /// How often the dead man's switch is re-armed while the WebSocket is healthy.
    pub dead_man_rearm: Duration,
    /// A market's book without an update for this long is stale: the connection is
    /// reopened, which resubscribes and starts again from a snapshot.
    pub stale_after: Duration,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Largest reconnect delay, and largest wait after a rate-limit answer.
    pub backoff_max: Duration,
    /// Interval of `{"method": "ping"}` heartbeats.
    pub ping_interval: Duration,
    /// Silence after which the connection is considered dead and reopened.
    pub idle_timeout: Duration,
    /// REST weight a minute the client paces itself to (the venue allows
    /// [`REST_WEIGHT_PER_MINUTE`]).
    pub weight_per_minute: u32,
    /// Events buffered for a slow consumer before the connection task waits.
    pub channel_capacity: usize,
    /// Timeout of one REST call.
    pub http_timeout: Duration,
}

impl HyperliquidConfig {
    /// Defaults for the venue at `api_url` / `ws_url` on `network`.
    pub fn new(network: Network, api_url: impl Into<String>, ws_url: impl Into<String>) -> Self {
        HyperliquidConfig {
            network,
            api_url: api_url.into().trim_end_matches('/').to_owned(),
            ws_url: ws_url.into(),
            account: None,
            coins: Vec::new(),
            dead_man: Some(Duration::from_secs(10)),
            dead_man_rearm: Duration::from_secs(3),
            stale_after: Duration::from_secs(30),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            weight_per_minute: REST_WEIGHT_PER_MINUTE,
            channel_capacity: 65_536,
            http_timeout: Duration::from_secs(10),
        }
    }

    /// The coin `market` trades.
    pub fn coin_of(&self, market: &MarketId) -> String {
        self.coins
            .iter()
            .find(|(m, _)| m == market)
            .map_or_else(|| market.as_str().to_owned(), |(_, c)| c.clone())
    }
}
