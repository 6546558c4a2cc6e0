//! FlashMM's configuration: one TOML file (`config/flashmm.toml`) plus the environment
//! overrides named in `docs/architecture.md`.
//!
//! Parsing is pure: [`Config::from_toml`] takes the file's text and a lookup for environment
//! variables, so services, the CLI and tests share one loader. Every refusal is a
//! [`ConfigError`] whose one-line message names the key at fault.

mod env;
mod error;
mod fees;
mod secret;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::market::{MarketId, MarketSpec};

pub use env::{EnvOverride, ENV_OVERRIDES};
pub use error::ConfigError;
pub use fees::{FeeRates, VenueFees};
pub use secret::{Secret, REDACTED};

/// The whole configuration of a FlashMM deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Deployment name, e.g. `development`, `staging`, `production` (env `ENVIRONMENT`).
    pub environment: String,
    /// Default log filter, e.g. `info` or `flashmm_bus=debug,info` (env `LOG_LEVEL`).
    pub log_level: String,
    /// Prefix of every stream and key in Redis (env `FLASHMM_NAMESPACE`).
    pub namespace: String,
    /// Redis connection and stream retention.
    pub redis: RedisConfig,
    /// InfluxDB telemetry sink.
    pub influxdb: InfluxConfig,
    /// Which venue to trade on and how to reach it.
    pub venue: VenueConfig,
    /// The markets traded; at least one.
    pub markets: Vec<MarketConfig>,
    /// Feature publication.
    pub features: FeaturesConfig,
    /// The model inference serves and the labels it is trained on.
    pub model: ModelConfig,
    /// Quoting parameters.
    pub trading: TradingConfig,
    /// Risk limits.
    pub risk: RiskConfig,
    /// HTTP API and dashboard.
    pub api: ApiConfig,
    /// Periodic social summaries.
    pub social: SocialConfig,
    /// Per-service settings, keyed by service name (`ingest`, `feature`, ...).
    pub services: BTreeMap<String, ServiceConfig>,
}

/// Redis connection and stream retention.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://[[user]:password@]host:port[/db]` (env `REDIS_URL`). Printed and serialised
    /// with the password replaced by `***`.
    #[serde(serialize_with = "serialize_redacted_url")]
    pub url: String,
    /// Approximate maximum length of each stream (`XADD ... MAXLEN ~`).
    pub stream_maxlen: u64,
}

/// InfluxDB telemetry sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfluxConfig {
    /// Base URL, e.g. `http://127.0.0.1:8086` (env `INFLUXDB_URL`); empty disables telemetry.
    pub url: String,
    /// Database name.
    pub database: String,
    /// Token or password (env `INFLUXDB_TOKEN`).
    pub token: Secret,
}

/// The kind of venue quotes are sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VenueKind {
    /// The local exchange simulator (`sim-venue`), the default.
    Sim,
    /// Paper trading (`venue.paper`): the simulator's markets follow a venue's live public
    /// feed, and our orders are matched locally against that live book with the queue model.
    Paper,
    /// Hyperliquid (`venue.hyperliquid`): testnet unless mainnet is set explicitly.
    Hyperliquid,
    /// Sei. Refused at start: Sei's order-book module (x/dex) was removed from sei-chain in
    /// 2024, so there is no order book to quote on; the name is kept only to say so.
    Sei,
}

impl VenueKind {
    /// The kind's name in the configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            VenueKind::Sim => "sim",
            VenueKind::Paper => "paper",
            VenueKind::Hyperliquid => "hyperliquid",
            VenueKind::Sei => "sei",
        }
    }
}

/// Where paper trading takes its live market data from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaperSource {
    /// Binance's public market data (no key needed).
    Binance,
    /// Hyperliquid's public market data at `[venue.hyperliquid]`'s URLs (no key needed): paper
    /// trading on the book a live start will trade on.
    Hyperliquid,
}

/// Paper trading: which live feed the simulator's markets follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaperConfig {
    /// The live feed (`binance` or `hyperliquid`).
    pub source: PaperSource,
    /// The venue's symbols, one per configured market (e.g. `BTCUSDT` for `BTC/USDT`) (env
    /// `PAPER_SYMBOLS`, comma separated).
    pub symbols: Vec<String>,
    /// With `binance`: `spot` or `usdm` (USD-M futures).
    pub market: String,
    /// How long our order requests take to reach the simulator's matching engine, ms: the
    /// backtester's default order latency.
    pub order_latency_ms: u64,
    /// A uniform jitter added to each, up to this many ms.
    pub order_latency_jitter_ms: u64,
    /// Where the simulator keeps the paper account's balances and fills across its restarts
    /// (env `PAPER_LEDGER_FILE`); delete it to start the account afresh.
    pub ledger_file: String,
}

impl Default for PaperConfig {
    fn default() -> Self {
        PaperConfig {
            source: PaperSource::Binance,
            symbols: Vec::new(),
            market: "spot".to_owned(),
            order_latency_ms: 10,
            order_latency_jitter_ms: 2,
            ledger_file: "var/paper/ledger.json".to_owned(),
        }
    }
}

impl VenueConfig {
    /// What the venue is, for operators: `sim`, `paper (binance spot: BTCUSDT, ETHUSDT)`,
    /// `hyperliquid testnet`, ...
    pub fn describe(&self) -> String {
        match self.kind {
            VenueKind::Paper => match self.paper.source {
                PaperSource::Binance => format!(
                    "paper (binance {}: {})",
                    self.paper.market,
                    self.paper.symbols.join(", ")
                ),
                PaperSource::Hyperliquid => {
                    format!("paper (hyperliquid {})", self.hyperliquid.network.as_str())
                }
            },
            // Orders on the mainnet risk real funds: said loudly.
            VenueKind::Hyperliquid => match self.hyperliquid.network {
                HyperliquidNetwork::Testnet => "hyperliquid testnet".to_owned(),
                HyperliquidNetwork::Mainnet => "hyperliquid MAINNET".to_owned(),
            },
            kind => kind.as_str().to_owned(),
        }
    }
}

/// Why FlashMM refuses `venue.kind = "sei"`.
pub const SEI_REMOVED: &str = "Sei's order-book module (x/dex) no longer exists: it was removed \
     from sei-chain in 2024, so there is no Sei order book to trade on; use `sim` or `hyperliquid`";

/// A Hyperliquid network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HyperliquidNetwork {
    /// The testnet (the default): test funds only.
    Testnet,
    /// The mainnet: real funds. Only when set explicitly; every service says so at start.
    Mainnet,
}

impl HyperliquidNetwork {
    /// The network's name in the configuration.
    pub const fn as_str(self) -> &'static str {
        match self {
            HyperliquidNetwork::Testnet => "testnet",
            HyperliquidNetwork::Mainnet => "mainnet",
        }
    }
}

/// Hyperliquid: where it is, which account trades, the coin of each market.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HyperliquidConfig {
    /// `testnet` (default) or `mainnet` (env `HYPERLIQUID_NETWORK`).
    pub network: HyperliquidNetwork,
    /// Base URL of `/info` and `/exchange` (env `HYPERLIQUID_API_URL`).
    pub api_url: String,
    /// WebSocket URL (env `HYPERLIQUID_WS_URL`).
    pub ws_url: String,
    /// The account's (master) address when the trading key is an API wallet; empty: the
    /// trading key's own address (env `HYPERLIQUID_ACCOUNT`).
    pub account: String,
    /// The venue's coin of a market, by symbol (`"PURR/USDC" = "PURR/USDC"`,
    /// `"HYPE/USDC" = "@107"`); a market not named trades the spot pair of its own symbol.
    pub coins: BTreeMap<String, String>,
    /// Dead man's switch: the venue cancels every open order this long after the last
    /// re-arm (`scheduleCancel`, re-armed while the connection is healthy); 0 turns it off.
    pub dead_man_ms: u64,
}

/// The testnet's API.
pub const HYPERLIQUID_TESTNET_API: &str = "https://api.hyperliquid-testnet.xyz";
/// The testnet's WebSocket.
pub const HYPERLIQUID_TESTNET_WS: &str = "wss://api.hyperliquid-testnet.xyz/ws";

impl HyperliquidConfig {
    /// Whether market `symbol` trades a perpetual: its coin (`coins`, or the spot pair of its
    /// own symbol when not named) is neither a pair `BASE/QUOTE` nor a spot index `@N`, the
    /// spot names the venue resolves first.
    pub fn is_perp(&self, symbol: &str) -> bool {
        self.coins
            .get(symbol)
            .is_some_and(|coin| !coin.contains('/') && !coin.starts_with('@'))
    }
}

impl Default for HyperliquidConfig {
    fn default() -> Self {
        HyperliquidConfig {
            network: HyperliquidNetwork::Testnet,
            api_url: HYPERLIQUID_TESTNET_API.to_owned(),
            ws_url: HYPERLIQUID_TESTNET_WS.to_owned(),
            account: String::new(),
            coins: BTreeMap::new(),
            dead_man_ms: 10_000,
        }
    }
}

/// Which venue to trade on and how to reach it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueConfig {
    /// The venue kind.
    pub kind: VenueKind,
    /// Simulator market-data WebSocket, e.g. `ws://127.0.0.1:9300/ws`.
    pub sim_ws_url: String,
    /// Simulator order-entry base URL, e.g. `http://127.0.0.1:9300`.
    pub sim_rest_url: String,
    /// Sei Tendermint RPC endpoints, comma separated for failover (env `SEI_RPC_URL`).
    pub sei_rpc_url: String,
    /// Sei Tendermint WebSocket endpoints, comma separated (env `SEI_WS_URL`).
    pub sei_ws_url: String,
    /// Sei chain id (env `SEI_CHAIN_ID`).
    pub sei_chain_id: String,
    /// The trading key in hex (env `TRADING_PRIVATE_KEY`); prefer `key_file`.
    pub private_key: Secret,
    /// Path of the encrypted keystore holding the trading key (env `TRADING_KEY_FILE`).
    pub key_file: String,
    /// Hyperliquid, for `kind = "hyperliquid"` (`[venue.hyperliquid]`, optional).
    #[serde(default)]
    pub hyperliquid: HyperliquidConfig,
    /// Paper trading's live feed, used when `kind = "paper"`.
    #[serde(default)]
    pub paper: PaperConfig,
    /// Each venue's fee schedule (`[venue.fees]`, optional): what every market pays on the
    /// venue in use unless its own `[[markets]]` rates are set.
    #[serde(default)]
    pub fees: VenueFees,
}

impl VenueConfig {
    /// The fee schedule of market `symbol` on the venue in use.
    pub fn fee_rates(&self, symbol: &str) -> FeeRates {
        self.fees
            .of(self.kind, &self.paper, self.hyperliquid.is_perp(symbol))
    }
}

/// One traded market and its exchange rules. Money is written as quoted decimal strings so it
/// is read exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketConfig {
    /// Symbol `BASE/QUOTE`, e.g. `SEI/USDC`.
    pub symbol: String,
    /// Price increment in quote units.
    pub tick_size: Decimal,
    /// Size increment in base units.
    pub lot_size: Decimal,
    /// Smallest order value in quote units.
    pub min_notional: Decimal,
    /// Maker fee as a fraction of notional, negative for a rebate; none: the venue's
    /// (`[venue.fees]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker_fee_rate: Option<Decimal>,
    /// Taker fee as a fraction of notional; none: the venue's (`[venue.fees]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taker_fee_rate: Option<Decimal>,
}

/// Feature publication by the `feature` service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturesConfig {
    /// Most feature vectors per second and market on `feat:{mkt}`; book events in between
    /// update the features without publishing.
    pub max_rate_hz: f64,
}

/// The model: which one `inference` loads, and the labels `scripts/train` trains it on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The model's `model.json` (the ONNX file it names lies next to it), relative to the
    /// working directory; `inference --model` (env `FLASHMM_MODEL`) overrides it.
    pub path: String,
    /// Label horizon of training, in milliseconds (100 to 1000). Inference predicts over the
    /// horizon its `model.json` records.
    pub horizon_ms: u32,
    /// Moves within ± this many basis points are labelled flat in training.
    pub dead_band_bps: f64,
    /// The flat rate's window of scored predictions, in seconds: each market's flat
    /// probability follows the share of flat outcomes in it (`flashmm_core::signal::FlatRate`);
    /// 0 turns that off.
    #[serde(default = "default_flat_rate_window_secs")]
    pub flat_rate_window_secs: u64,
    /// The flat rate's pseudo-outcomes agreeing with the model (at least 0).
    #[serde(default = "default_flat_rate_prior")]
    pub flat_rate_prior: f64,
}

fn default_flat_rate_window_secs() -> u64 {
    crate::signal::flat_rate::DEFAULT_WINDOW_SECS
}

fn default_flat_rate_prior() -> f64 {
    crate::signal::flat_rate::DEFAULT_PRIOR
}

impl ModelConfig {
    /// The flat rate's settings.
    pub fn flat_rate(&self) -> crate::signal::FlatRateConfig {
        crate::signal::FlatRateConfig::from_secs(self.flat_rate_window_secs, self.flat_rate_prior)
    }
}

impl MarketConfig {
    /// The market's spec, checked, its fees the venue's `venue` where its own are not set;
    /// `index` names the `[[markets]]` entry in errors.
    pub fn spec(&self, index: usize, venue: FeeRates) -> Result<MarketSpec, ConfigError> {
        let id = MarketId::new(&self.symbol)
            .map_err(|e| ConfigError::invalid(format!("markets[{index}].symbol"), e.to_string()))?;
        MarketSpec::new(
            id,
            self.tick_size,
            self.lot_size,
            self.min_notional,
            self.maker_fee_rate.unwrap_or(venue.maker),
            self.taker_fee_rate.unwrap_or(venue.taker),
        )
        .map_err(|e| ConfigError::invalid(format!("markets[{index}]"), e.to_string()))
    }
}

/// Quoting parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradingConfig {
    /// Highest re-quote rate per market (env `QUOTE_FREQUENCY_HZ`).
    pub quote_frequency_hz: f64,
    /// Quote levels per side.
    pub levels: u32,
    /// Size of the first level in quote currency.
    pub level_notional_usdc: Decimal,
    /// Narrowest allowed spread, in basis points of mid.
    pub min_spread_bps: Decimal,
    /// `[trading.quote]`: any other quoting parameter (`QuoteParams` fields, e.g.
    /// `skew_multiple`, `max_skew_bps`, `entropy_widen`, as `flashmm tune` writes them); the
    /// missing ones take their defaults. The three keys above and the sizes (from
    /// `level_notional_usdc` and `[risk] max_position_usdc`) are set by `[trading]`, whatever
    /// this table says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<crate::strategy::RawQuoteParams>,
}

/// Risk limits, per market unless stated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskConfig {
    /// Largest absolute position value in quote currency (env `MAX_POSITION_USDC`).
    pub max_position_usdc: Decimal,
    /// Largest single order value in quote currency.
    pub max_order_notional_usdc: Decimal,
    /// Most orders resting at once.
    pub max_open_orders: u32,
    /// Loss in a UTC day that trips the kill switch (positive number).
    pub daily_loss_limit_usdc: Decimal,
    /// Fall from the equity peak that trips the kill switch (positive number).
    pub max_drawdown_usdc: Decimal,
    /// Market data older than this pulls all quotes.
    pub stale_data_ms: u64,
    /// Most new orders per second (token bucket).
    pub max_orders_per_sec: u32,
}

/// HTTP API and dashboard.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Listen address, e.g. `127.0.0.1:8080`.
    pub bind: String,
    /// Static bearer token for admin routes (env `API_ADMIN_TOKEN`); empty disables it.
    pub admin_token: Secret,
    /// HS256 key of the API's JWTs (env `SECRET_KEY`); empty disables JWT login.
    pub secret_key: Secret,
    /// Origins allowed to call the API from a browser (CORS); empty allows none.
    pub cors_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Time a request may take before it is answered 408, in milliseconds.
    pub request_timeout_ms: u64,
    /// Requests per second each client address may make (token bucket refill rate).
    pub rate_limit_per_sec: u32,
    /// Requests a client may make at once before the rate applies (token bucket size).
    pub rate_limit_burst: u32,
    /// Period of the live-metrics WebSocket snapshots, in milliseconds (200 to 500: 2–5 Hz).
    pub ws_interval_ms: u64,
    /// P&L samples kept in memory for the P&L history (one per `ws_interval_ms`).
    pub pnl_history_len: usize,
    /// A service whose last heartbeat is older than this is down, in milliseconds.
    pub heartbeat_stale_ms: u64,
    /// Services that must be up for `GET /health` to answer 200.
    pub required_services: Vec<String>,
    /// Peers (addresses or CIDR blocks, e.g. `127.0.0.1`, `10.0.0.0/8`) whose
    /// `X-Forwarded-For` / `X-Real-IP` name the client; empty trusts no forwarding header.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Most live-metrics WebSocket clients at once; more are answered 503.
    #[serde(default = "default_max_ws_clients")]
    pub max_ws_clients: usize,
    /// Longest accepted JWT lifetime (`exp - iat`), in seconds; also the most
    /// `flashmm token issue --ttl` grants.
    #[serde(default = "default_max_token_ttl_secs")]
    pub max_token_ttl_secs: u64,
}

fn default_max_ws_clients() -> usize {
    256
}

fn default_max_token_ttl_secs() -> u64 {
    86_400
}

impl ApiConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        for (i, origin) in self.cors_origins.iter().enumerate() {
            let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
            if !scheme_ok || origin.ends_with('/') || origin.contains('*') {
                return Err(ConfigError::invalid(
                    format!("api.cors_origins[{i}]"),
                    "expected an origin like https://host[:port], no wildcard or path",
                ));
            }
        }
        for (key, value) in [
            ("api.max_body_bytes", self.max_body_bytes as u64),
            ("api.request_timeout_ms", self.request_timeout_ms),
            ("api.rate_limit_per_sec", u64::from(self.rate_limit_per_sec)),
            ("api.rate_limit_burst", u64::from(self.rate_limit_burst)),
            ("api.pnl_history_len", self.pnl_history_len as u64),
            ("api.heartbeat_stale_ms", self.heartbeat_stale_ms),
            ("api.max_ws_clients", self.max_ws_clients as u64),
            ("api.max_token_ttl_secs", self.max_token_ttl_secs),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(key, "must be positive"));
            }
        }
        if let Some((i, _)) = self
            .trusted_proxies
            .iter()
            .enumerate()
            .find(|(_, p)| !is_ip_or_cidr(p))
        {
            return Err(ConfigError::invalid(
                format!("api.trusted_proxies[{i}]"),
                "expected an IP address or a CIDR block like 10.0.0.0/8",
            ));
        }
        if !(200..=500).contains(&self.ws_interval_ms) {
            return Err(ConfigError::invalid(
                "api.ws_interval_ms",
                "must be 200 to 500 (2 to 5 snapshots a second)",
            ));
        }
        if let Some(name) = self
            .required_services
            .iter()
            .find(|name| !SERVICES.contains(&name.as_str()))
        {
            return Err(ConfigError::invalid(
                "api.required_services",
                format!("unknown service {name:?}"),
            ));
        }
        Ok(())
    }
}

/// An IP address, or one with a prefix length that fits it (`10.0.0.0/8`, `::1/128`).
fn is_ip_or_cidr(text: &str) -> bool {
    let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) => {
            let bits = if ip.is_ipv4() { 32 } else { 128 };
            prefix.is_empty() || prefix.parse::<u8>().is_ok_and(|p| p <= bits)
        }
        Err(_) => false,
    }
}

/// Periodic social summaries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialConfig {
    /// When true (the default) summaries are written to `reports/` and never posted.
    pub dry_run: bool,
    /// Minutes between summaries.
    pub interval_minutes: u64,
    /// X API v2 bearer token (env `TWITTER_BEARER_TOKEN`).
    pub twitter_bearer_token: Secret,
    /// Base URL of the X API (`https://api.x.com`); tests point it at a local server.
    #[serde(default = "default_x_api_base_url")]
    pub api_base_url: String,
    /// Folder the summaries' text and PNG are written to.
    #[serde(default = "default_reports_dir")]
    pub reports_dir: String,
}

fn default_x_api_base_url() -> String {
    "https://api.x.com".to_owned()
}

fn default_reports_dir() -> String {
    "reports".to_owned()
}

/// Settings every service has.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Port of the service's Prometheus `/metrics` endpoint on 127.0.0.1; 0 disables it.
    pub metrics_port: u16,
}

/// The services that must have a `[services.NAME]` table, in the order `flashmm up` starts
/// them (`flashmm down` stops them in reverse).
pub const SERVICES: [&str; 6] = [
    "sim-venue",
    "ingest",
    "feature",
    "inference",
    "execution",
    "api",
];

impl Config {
    /// Parses `toml` (the file's text), applies environment overrides read through `env`, and
    /// validates the result.
    pub fn from_toml(
        toml: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let deserializer = toml::Deserializer::parse(toml).map_err(|e| ConfigError::Parse {
            key: "(file)".to_string(),
            message: one_line(e.message()),
        })?;
        let mut config: Config =
            serde_path_to_error::deserialize(deserializer).map_err(|e| ConfigError::Parse {
                key: e.path().to_string(),
                message: one_line(&e.inner().to_string()),
            })?;
        env::apply(&mut config, env)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the venue section: a kind FlashMM can trade on, and for Hyperliquid URLs that
    /// match the network and an account that is an address.
    fn validate_venue(&self) -> Result<(), ConfigError> {
        match self.venue.kind {
            VenueKind::Sim => Ok(()),
            VenueKind::Paper => {
                let paper = &self.venue.paper;
                match paper.source {
                    PaperSource::Hyperliquid => self.validate_hyperliquid()?,
                    PaperSource::Binance => self.validate_binance_feed(paper)?,
                }
                if paper.ledger_file.trim().is_empty() {
                    return Err(ConfigError::invalid(
                        "venue.paper.ledger_file",
                        "expected the path of the paper account's ledger file",
                    ));
                }
                for (key, ms) in [
                    ("venue.paper.order_latency_ms", paper.order_latency_ms),
                    (
                        "venue.paper.order_latency_jitter_ms",
                        paper.order_latency_jitter_ms,
                    ),
                ] {
                    if ms > 60_000 {
                        return Err(ConfigError::invalid(
                            key,
                            format!("expected at most 60000 ms, got {ms}"),
                        ));
                    }
                }
                Ok(())
            }
            VenueKind::Sei => Err(ConfigError::invalid("venue.kind", SEI_REMOVED)),
            VenueKind::Hyperliquid => self.validate_hyperliquid(),
        }
    }

    /// `[venue.paper]` with Binance: one venue symbol per configured market, `spot` or `usdm`.
    fn validate_binance_feed(&self, paper: &PaperConfig) -> Result<(), ConfigError> {
        if paper.symbols.len() != self.markets.len()
            || paper
                .symbols
                .iter()
                .any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(ConfigError::invalid(
                "venue.paper.symbols",
                format!(
                    "one venue symbol (letters, digits, `_`) per configured market: {} \
                     markets, got {:?}",
                    self.markets.len(),
                    paper.symbols
                ),
            ));
        }
        if !matches!(paper.market.as_str(), "spot" | "usdm") {
            return Err(ConfigError::invalid(
                "venue.paper.market",
                format!("expected `spot` or `usdm`, got {:?}", paper.market),
            ));
        }
        Ok(())
    }

    /// `[venue.hyperliquid]`: URLs that match the network, an account that is an address, coins
    /// of configured markets.
    fn validate_hyperliquid(&self) -> Result<(), ConfigError> {
        let hl = &self.venue.hyperliquid;
        for (key, url, schemes) in [
            (
                "venue.hyperliquid.api_url",
                &hl.api_url,
                ["http://", "https://"],
            ),
            ("venue.hyperliquid.ws_url", &hl.ws_url, ["ws://", "wss://"]),
        ] {
            if !schemes.iter().any(|s| url.starts_with(s)) {
                return Err(ConfigError::invalid(
                    key,
                    format!("expected a URL starting with {}", schemes.join(" or ")),
                ));
            }
            if hl.network == HyperliquidNetwork::Mainnet && url.contains("testnet") {
                return Err(ConfigError::invalid(
                    key,
                    "network is mainnet but the URL is the testnet's",
                ));
            }
        }
        let a = hl.account.trim();
        let hex = a.strip_prefix("0x").unwrap_or("");
        if !a.is_empty() && (hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(ConfigError::invalid(
                "venue.hyperliquid.account",
                "expected 0x and 40 hex digits, or empty for the trading key's address",
            ));
        }
        for (symbol, coin) in &hl.coins {
            if !self.markets.iter().any(|m| &m.symbol == symbol) || coin.trim().is_empty() {
                return Err(ConfigError::invalid(
                    format!("venue.hyperliquid.coins.{symbol}"),
                    "must name a configured market and a non-empty coin",
                ));
            }
        }
        Ok(())
    }

    /// The specs of every configured market, in file order, with the fees of the venue in use
    /// where a market sets none.
    pub fn market_specs(&self) -> Result<Vec<MarketSpec>, ConfigError> {
        self.markets
            .iter()
            .enumerate()
            .map(|(i, m)| m.spec(i, self.venue.fee_rates(&m.symbol)))
            .collect()
    }

    /// The settings of one service, by name.
    pub fn service(&self, name: &str) -> Result<&ServiceConfig, ConfigError> {
        self.services
            .get(name)
            .ok_or_else(|| ConfigError::invalid(format!("services.{name}"), "missing table"))
    }

    /// Checks the rules types alone cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let valid_ns = !self.namespace.is_empty()
            && self
                .namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_ns {
            return Err(ConfigError::invalid(
                "namespace",
                "must be non-empty ASCII letters, digits, '-' or '_'",
            ));
        }
        if !self.redis.url.starts_with("redis://") && !self.redis.url.starts_with("rediss://") {
            return Err(ConfigError::invalid(
                "redis.url",
                "must start with redis:// or rediss://",
            ));
        }
        if self.redis.stream_maxlen < 1000 {
            return Err(ConfigError::invalid(
                "redis.stream_maxlen",
                "must be at least 1000",
            ));
        }
        if self.markets.is_empty() {
            return Err(ConfigError::invalid("markets", "at least one market"));
        }
        self.validate_venue()?;
        for (i, m) in self.markets.iter().enumerate() {
            let key = |field: &str| format!("markets[{i}].{field}");
            let parts: Vec<&str> = m.symbol.split('/').collect();
            let symbol_ok = parts.len() == 2
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !symbol_ok {
                return Err(ConfigError::invalid(key("symbol"), "expected BASE/QUOTE"));
            }
            for (field, value) in [
                ("tick_size", m.tick_size),
                ("lot_size", m.lot_size),
                ("min_notional", m.min_notional),
            ] {
                if value <= Decimal::ZERO {
                    return Err(ConfigError::invalid(key(field), "must be positive"));
                }
            }
            for (field, rate) in [
                ("maker_fee_rate", m.maker_fee_rate),
                ("taker_fee_rate", m.taker_fee_rate),
            ] {
                if rate.is_some_and(|r| r.abs() >= Decimal::ONE) {
                    return Err(ConfigError::invalid(
                        key(field),
                        "fee rates are fractions in (-1, 1)",
                    ));
                }
            }
        }
        self.venue
            .fees
            .check()
            .map_err(|(key, e)| ConfigError::invalid(key, e))?;
        self.market_specs()?;
        let rate = self.features.max_rate_hz;
        if !(rate.is_finite() && rate > 0.0 && rate <= 10_000.0) {
            return Err(ConfigError::invalid(
                "features.max_rate_hz",
                "must be in (0, 10000]",
            ));
        }
        if self.model.path.trim().is_empty() {
            return Err(ConfigError::invalid("model.path", "must not be empty"));
        }
        if !(100..=1000).contains(&self.model.horizon_ms) {
            return Err(ConfigError::invalid(
                "model.horizon_ms",
                "must be 100 to 1000",
            ));
        }
        let band = self.model.dead_band_bps;
        if !(band.is_finite() && (0.0..=100.0).contains(&band)) {
            return Err(ConfigError::invalid(
                "model.dead_band_bps",
                "must be in [0, 100]",
            ));
        }
        if self.model.flat_rate_window_secs > 86_400 {
            return Err(ConfigError::invalid(
                "model.flat_rate_window_secs",
                "must be 0 to 86400",
            ));
        }
        let prior = self.model.flat_rate_prior;
        if !(prior.is_finite() && prior >= 0.0) {
            return Err(ConfigError::invalid(
                "model.flat_rate_prior",
                "must be finite and at least 0",
            ));
        }
        let hz = self.trading.quote_frequency_hz;
        if !(hz.is_finite() && hz > 0.0 && hz <= 1000.0) {
            return Err(ConfigError::invalid(
                "trading.quote_frequency_hz",
                "must be in (0, 1000]",
            ));
        }
        if !(1..=20).contains(&self.trading.levels) {
            return Err(ConfigError::invalid("trading.levels", "must be 1 to 20"));
        }
        for (key, value) in [
            (
                "trading.level_notional_usdc",
                self.trading.level_notional_usdc,
            ),
            ("risk.max_position_usdc", self.risk.max_position_usdc),
            (
                "risk.max_order_notional_usdc",
                self.risk.max_order_notional_usdc,
            ),
            (
                "risk.daily_loss_limit_usdc",
                self.risk.daily_loss_limit_usdc,
            ),
            ("risk.max_drawdown_usdc", self.risk.max_drawdown_usdc),
        ] {
            if value <= Decimal::ZERO {
                return Err(ConfigError::invalid(key, "must be positive"));
            }
        }
        if self.trading.min_spread_bps < Decimal::ZERO {
            return Err(ConfigError::invalid(
                "trading.min_spread_bps",
                "must not be negative",
            ));
        }
        if let Some(quote) = &self.trading.quote {
            let raw = crate::strategy::RawQuoteParams {
                quote_frequency_hz: self.trading.quote_frequency_hz,
                levels: self.trading.levels as usize,
                min_spread_bps: self.trading.min_spread_bps.try_into().unwrap_or(0.0),
                ..quote.clone()
            };
            crate::strategy::QuoteParams::validate(raw)
                .map_err(|e| ConfigError::invalid("trading.quote", e.to_string()))?;
        }
        for (key, value) in [
            ("risk.max_open_orders", u64::from(self.risk.max_open_orders)),
            ("risk.stale_data_ms", self.risk.stale_data_ms),
            (
                "risk.max_orders_per_sec",
                u64::from(self.risk.max_orders_per_sec),
            ),
            ("social.interval_minutes", self.social.interval_minutes),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(key, "must be positive"));
            }
        }
        if self.api.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::invalid("api.bind", "expected IP:PORT"));
        }
        self.api.validate()?;
        for name in SERVICES {
            self.service(name)?;
        }
        Ok(())
    }
}

/// `url` with the password of its `user:password@` part replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:{REDACTED}@{host}")
        }
        None => url.to_string(),
    }
}

fn serialize_redacted_url<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact_url(url))
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
