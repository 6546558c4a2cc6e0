//! What every request handler shares: the reader of Redis state, the authenticator, the audit
//! log, the limits, the P&L history, the live snapshot and the shutdown signal.

use std::collections::BTreeMap;
use std::sync::Arc;

use flashmm_auth::Authenticator;
use flashmm_bus::{Bus, Namespace};
use flashmm_core::config::{ApiConfig, Config, ConfigError};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::watch;

use crate::audit::AuditLog;
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
    /// Per-client request limits.
    pub rate_limiter: RateLimiter,
    /// Renders this process's Prometheus metrics for `GET /metrics`.
    pub metrics: PrometheusHandle,
    /// The newest live-metrics snapshot as JSON, replaced by the snapshot loop.
    pub live: watch::Receiver<Arc<str>>,
    /// Becomes `true` when the server stops; WebSocket loops end on it.
    pub shutdown: watch::Receiver<bool>,
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
    ) -> Result<Self, ConfigError> {
        let api = config.api.clone();
        let auth = Authenticator::new(Some(api.secret_key.clone()), Some(api.admin_token.clone()));
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
            reader: StateReader::new(bus.clone(), namespace.clone(), markets),
            market_pnl_history,
            audit: AuditLog::new(bus, namespace.audit()),
            auth,
            stream_maxlen: usize::try_from(config.redis.stream_maxlen).unwrap_or(usize::MAX),
            pnl_history: PnlHistory::new(api.pnl_history_len),
            rate_limiter: RateLimiter::new(api.rate_limit_per_sec, api.rate_limit_burst),
            api,
            metrics,
            live,
            shutdown,
        })
    }
}
