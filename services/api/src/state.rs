//! What every request handler shares: the reader of Redis state, the authenticator, the audit
//! log, the limits, the P&L history, the live snapshot and the shutdown signal.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use flashmm_auth::{AuthError, Authenticator};
use flashmm_bus::{Bus, Namespace};
use flashmm_core::config::{ApiConfig, Config, ConfigError};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::audit::AuditLog;
use crate::client::{ClientError, TrustedProxies};
use crate::pnl_history::PnlHistory;
use crate::rate_limit::RateLimiter;
use crate::reader::StateReader;

/// The shared state of the API.
pub struct AppState {
    /// Reads `{ns}:state:*` and the streams.
    pub reader: StateReader,
    /// Checks bearer tokens.
    pub auth: Authenticator,
    /// Appends to `{ns}:audit`.
    pub audit: AuditLog,
    /// The `[api]` settings.
    pub api: ApiConfig,
    /// Stream length cap for commands (`redis.stream_maxlen`).
    pub stream_maxlen: usize,
    /// The P&L curve of the total.
    pub pnl_history: PnlHistory,
    /// The P&L curve of each configured market, by symbol.
    pub market_pnl_history: BTreeMap<String, PnlHistory>,
    /// Per-client request limits (every route but authenticated admin actions).
    pub rate_limiter: RateLimiter,
    /// Per-principal limits of authenticated admin actions.
    pub admin_limiter: RateLimiter<String>,
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// Live-metrics WebSockets open now (at most `api.max_ws_clients`).
    pub ws_clients: Arc<AtomicUsize>,
    /// Renders this process's Prometheus metrics for `GET /metrics`.
    pub metrics: PrometheusHandle,
    /// The newest live-metrics snapshot as JSON, replaced by the snapshot loop.
    pub live: watch::Receiver<Arc<str>>,
    /// Becomes `true` when the server stops; WebSocket loops end on it.
    pub shutdown: watch::Receiver<bool>,
}

/// Why the API cannot start with its configuration.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `SECRET_KEY` cannot be used (too short).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// `api.trusted_proxies` does not parse.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A live-metrics WebSocket slot, taken by [`AppState::ws_slot`] and given back when dropped.
#[derive(Debug)]
pub struct WsSlot(Arc<AtomicUsize>);

impl Drop for WsSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The authenticator of `api`: its JWT key (refused when shorter than
/// [`flashmm_auth::jwt::MIN_SECRET_LEN`] bytes), its static admin token and its cap on token
/// lifetimes. The binary calls it before binding, so a weak key stops the start.
pub fn authenticator(api: &ApiConfig) -> Result<Authenticator, AuthError> {
    Ok(
        Authenticator::new(Some(api.secret_key.clone()), Some(api.admin_token.clone()))?
            .with_max_lifetime(api.max_token_ttl_secs),
    )
}

impl AppState {
    /// The state for `config`, reading and writing through `bus` under `namespace`.
    /// `live` and `shutdown` are the receiving ends of the snapshot loop and the stop signal.
    pub fn new(
        config: &Config,
        bus: Arc<dyn Bus>,
        namespace: Namespace,
        metrics: PrometheusHandle,
        live: watch::Receiver<Arc<str>>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Self, StateError> {
        let api = config.api.clone();
        let auth = authenticator(&api)?;
        let trusted_proxies = TrustedProxies::parse(&api.trusted_proxies)?;
        let markets = config.market_specs()?;
        let market_pnl_history = markets
            .iter()
            .map(|m| {
                (
                    m.id().as_str().to_owned(),
                    PnlHistory::new(api.pnl_history_len),
                )
            })
            .collect();
        Ok(AppState {
            reader: StateReader::new(bus.clone(), namespace.clone(), markets)
                .with_venue(&config.venue.describe()),
            market_pnl_history,
            audit: AuditLog::new(bus, namespace.audit()),
            auth,
            stream_maxlen: usize::try_from(config.redis.stream_maxlen).unwrap_or(usize::MAX),
            pnl_history: PnlHistory::new(api.pnl_history_len),
            rate_limiter: RateLimiter::new(api.rate_limit_per_sec, api.rate_limit_burst),
            admin_limiter: RateLimiter::new(api.rate_limit_per_sec, api.rate_limit_burst),
            trusted_proxies,
            ws_clients: Arc::new(AtomicUsize::new(0)),
            api,
            metrics,
            live,
            shutdown,
        })
    }

    /// A live-metrics WebSocket slot, or `None` when `api.max_ws_clients` are open.
    pub fn ws_slot(&self) -> Option<WsSlot> {
        self.ws_clients
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.api.max_ws_clients).then_some(n + 1)
            })
            .ok()
            .map(|_| WsSlot(self.ws_clients.clone()))
    }
}
