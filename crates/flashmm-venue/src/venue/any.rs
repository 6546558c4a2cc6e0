//! [`AnyVenue`]: the venue `venue.kind` names, built from the configuration, for the services
//! that trade or read market data (ingest, execution, `flashmm venue check`).

use super::hyperliquid::{HyperliquidConfig, HyperliquidVenue};
use super::sim::{SimVenue, SimVenueConfig, StreamStats};
use super::{
    AssetBalance, EventStream, NewOrder, OrderRef, OrderReport, ReplaceOrder, Venue, VenueError,
};
use crate::signing::Signer;
use async_trait::async_trait;
use flashmm_core::book::BookSnapshot;
use flashmm_core::config::{Config, HyperliquidNetwork, VenueKind, SEI_REMOVED};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_core::order::Fill;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// The venue of the configuration.
#[derive(Debug, Clone)]
pub enum AnyVenue {
    /// The local simulator.
    Sim(SimVenue),
    /// Hyperliquid.
    Hyperliquid(HyperliquidVenue),
}

/// The Hyperliquid client options of `config` (`[venue.hyperliquid]`).
pub fn hyperliquid_config(config: &Config) -> Result<HyperliquidConfig, VenueError> {
    let hl = &config.venue.hyperliquid;
    let network = match hl.network {
        HyperliquidNetwork::Testnet => flashmm_hyperliquid::Network::Testnet,
        HyperliquidNetwork::Mainnet => flashmm_hyperliquid::Network::Mainnet,
    };
    let mut c = HyperliquidConfig::new(network, hl.api_url.clone(), hl.ws_url.clone());
    let account = hl.account.trim();
    if !account.is_empty() {
        c.account = Some(
            account
                .parse()
                .map_err(|e| VenueError::Config(format!("venue.hyperliquid.account: {e}")))?,
        );
    }
    for (symbol, coin) in &hl.coins {
        let market = MarketId::new(symbol)
            .map_err(|e| VenueError::Config(format!("venue.hyperliquid.coins: {e}")))?;
        c.coins.push((market, coin.clone()));
    }
    c.dead_man = (hl.dead_man_ms > 0).then(|| Duration::from_millis(hl.dead_man_ms));
    Ok(c)
}

/// What a start logs about the venue: its kind and, for Hyperliquid, the network, loudly
/// when it is the mainnet.
pub fn announce(config: &Config, service: &str) {
    match config.venue.kind {
        VenueKind::Hyperliquid => match config.venue.hyperliquid.network {
            HyperliquidNetwork::Mainnet => tracing::error!(
                service,
                api = config.venue.hyperliquid.api_url,
                "!!! HYPERLIQUID MAINNET: REAL FUNDS. venue.hyperliquid.network = \"mainnet\" is set !!!"
            ),
            HyperliquidNetwork::Testnet => tracing::info!(
                service,
                api = config.venue.hyperliquid.api_url,
                "venue: hyperliquid testnet"
            ),
        },
        kind => tracing::info!(service, venue = kind.as_str(), "venue"),
    }
}

/// Connects to the venue `config.venue.kind` names: its market list (the simulator's, or
/// the configured markets resolved in Hyperliquid's metadata). `signer` is the trading key
/// (execution's; `None` for market data only); `channel_capacity` bounds the events
/// buffered for a slow consumer.
pub async fn connect(
    config: &Config,
    signer: Option<Arc<Signer>>,
    channel_capacity: usize,
) -> Result<AnyVenue, VenueError> {
    match config.venue.kind {
        // Paper trading is the simulator following a live feed: the same client.
        VenueKind::Sim | VenueKind::Paper => {
            let c = SimVenueConfig {
                channel_capacity,
                ..SimVenueConfig::new(
                    config.venue.sim_rest_url.clone(),
                    config.venue.sim_ws_url.clone(),
                )
            };
            Ok(AnyVenue::Sim(SimVenue::connect(c, signer).await?))
        }
        VenueKind::Hyperliquid => {
            let mut c = hyperliquid_config(config)?;
            c.channel_capacity = channel_capacity;
            let key = match signer {
                Some(s) => {
                    let hex = Zeroizing::new(format!("0x{}", s.secret_hex()));
                    Some(
                        flashmm_hyperliquid::Signer::from_hex(&hex)
                            .map_err(|e| VenueError::Config(format!("trading key: {e}")))?,
                    )
                }
                None => None,
            };
            let specs = config
                .market_specs()
                .map_err(|e| VenueError::Config(e.to_string()))?;
            Ok(AnyVenue::Hyperliquid(
                HyperliquidVenue::connect(c, key, specs).await?,
            ))
        }
        VenueKind::Sei => Err(VenueError::Config(SEI_REMOVED.to_owned())),
    }
}

impl AnyVenue {
    /// Frames the subscriptions skipped, by kind.
    pub fn stream_stats(&self) -> Arc<StreamStats> {
        match self {
            AnyVenue::Sim(v) => v.stream_stats(),
            AnyVenue::Hyperliquid(v) => v.stream_stats(),
        }
    }
}

macro_rules! each {
    ($self:ident, $v:ident => $e:expr) => {
        match $self {
            AnyVenue::Sim($v) => $e,
            AnyVenue::Hyperliquid($v) => $e,
        }
    };
}

#[async_trait]
impl Venue for AnyVenue {
    fn name(&self) -> &str {
        each!(self, v => v.name())
    }

    fn markets(&self) -> &[MarketSpec] {
        each!(self, v => v.markets())
    }

    async fn subscribe(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        each!(self, v => v.subscribe(markets).await)
    }

    async fn account_events(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        each!(self, v => v.account_events(markets).await)
    }

    async fn snapshot(&self, market: &MarketId) -> Result<BookSnapshot, VenueError> {
        each!(self, v => v.snapshot(market).await)
    }

    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError> {
        each!(self, v => v.place(order).await)
    }

    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError> {
        each!(self, v => v.cancel(market, order).await)
    }

    async fn cancel_replace(&self, req: &ReplaceOrder) -> Result<OrderReport, VenueError> {
        each!(self, v => v.cancel_replace(req).await)
    }

    async fn cancel_all(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        each!(self, v => v.cancel_all(market).await)
    }

    async fn open_orders(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        each!(self, v => v.open_orders(market).await)
    }

    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError> {
        each!(self, v => v.balances().await)
    }

    async fn fills(&self, since_ns: i64) -> Result<Vec<Fill>, VenueError> {
        each!(self, v => v.fills(since_ns).await)
    }

    fn recall(&self, ids: &[ClientOrderId]) {
        each!(self, v => v.recall(ids))
    }
}
