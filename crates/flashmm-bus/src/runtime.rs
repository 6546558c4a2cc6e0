//! What every FlashMM service does the same way before its own work starts: read the
//! configuration, log structured JSON, serve Prometheus `/metrics`, stop on a signal.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use flashmm_core::config::{Config, ConfigError};

/// Command-line arguments shared by every service binary (flatten them into its own).
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// Configuration file; environment variables override its keys.
    #[arg(long, env = "FLASHMM_CONFIG", default_value = "config/flashmm.toml")]
    pub config: PathBuf,
    /// Validate the configuration, print a one-line verdict and exit.
    #[arg(long)]
    pub check: bool,
}

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {error}")]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The configuration was refused.
    #[error("{path}: {error}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key.
        error: ConfigError,
    },
    /// The `/metrics` endpoint could not be started.
    #[error("cannot serve /metrics on {addr}: {message}")]
    Metrics {
        /// The address it tried.
        addr: SocketAddr,
        /// Why it failed.
        message: String,
    },
}

/// Reads and validates the configuration at `path` with the process environment.
pub fn load_config(path: &Path) -> Result<Config, RuntimeError> {
    let text = std::fs::read_to_string(path).map_err(|error| RuntimeError::ReadConfig {
        path: path.to_path_buf(),
        error,
    })?;
    Config::from_toml(&text, |key| std::env::var(key).ok()).map_err(|error| RuntimeError::Config {
        path: path.to_path_buf(),
        error,
    })
}

/// Installs the JSON log subscriber: one JSON object per line on stderr, filtered by
/// `RUST_LOG` when set, else by the configured level. Safe to call twice (the second call is a
/// no-op).
pub fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Serves Prometheus `/metrics` for this process on `127.0.0.1:port` (0 disables it),
/// installs the global `metrics` recorder and samples the [`process`](crate::process) metrics
/// (CPU, memory, file descriptors, threads) every second. Call inside the tokio runtime.
pub fn serve_metrics(port: u16) -> Result<(), RuntimeError> {
    if port == 0 {
        return Ok(());
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .map_err(|e| RuntimeError::Metrics {
            addr,
            message: e.to_string(),
        })?;
    crate::process::spawn_sampler(std::time::Duration::from_secs(1));
    Ok(())
}

/// Starts a service: loads the configuration, and unless `--check` was given, sets up logging
/// and `/metrics`. Returns `None` after a successful `--check` (the caller exits 0).
pub fn start(service: &str, args: &ServiceArgs) -> Result<Option<Config>, RuntimeError> {
    let config = load_config(&args.config)?;
    if args.check {
        println!(
            "{service}: configuration {} is valid",
            args.config.display()
        );
        return Ok(None);
    }
    init_logging(&config.log_level);
    let port = config
        .service(service)
        .map_err(|error| RuntimeError::Config {
            path: args.config.clone(),
            error,
        })?
        .metrics_port;
    serve_metrics(port)?;
    tracing::info!(service, metrics_port = port, namespace = %config.namespace, "starting");
    Ok(Some(config))
}

/// Resolves when the process receives Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs a service's loop on a runtime of one tokio worker, spawned on it as a task rather than
/// run by the main thread. A task woken by another (a Redis reply waking its consumer, the
/// venue stream waking ingest's loop) then runs next on the same thread: no cross-thread
/// wake-up, as with a worker per core, and no wait for the scheduler to come back to the main
/// future, as with a current-thread runtime (docs/perf.md).
pub fn run_on_one_worker<F, E>(service: F) -> Result<(), E>
where
    F: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: From<std::io::Error> + From<tokio::task::JoinError> + Send + 'static,
{
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?
        .block_on(async { tokio::spawn(service).await? })
}

/// Turns Nagle's algorithm off on an accepted connection (pass it to axum's
/// `ListenerExt::tap_io`): a small frame written while the previous one is unacknowledged
/// would otherwise wait for the peer's delayed ACK (up to 40 ms; docs/perf.md "Ingest").
pub fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY not set");
    }
}

/// The wall clock as UTC nanoseconds, for wire timestamps (never for latency).
pub fn now() -> flashmm_core::time::UnixNanos {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    flashmm_core::time::UnixNanos(nanos)
}

/// The environment variable with about how many entries `{ns}:dlq` keeps.
pub const DLQ_MAXLEN_ENV: &str = "FLASHMM_DLQ_MAXLEN";

/// The dead-letter bound from `FLASHMM_DLQ_MAXLEN` (`get` reads the environment), else
/// [`DEFAULT_DLQ_MAXLEN`](crate::DEFAULT_DLQ_MAXLEN); a value that is not a positive integer is
/// refused.
pub fn dlq_maxlen_from(get: impl Fn(&str) -> Option<String>) -> Result<usize, crate::BusError> {
    match get(DLQ_MAXLEN_ENV) {
        None => Ok(crate::DEFAULT_DLQ_MAXLEN),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(crate::BusError::InvalidArgument(format!(
                "{DLQ_MAXLEN_ENV}={raw:?}: expected a positive integer"
            ))),
        },
    }
}

/// Connects to the configured Redis. Fails when Redis cannot be reached within the bus's
/// command timeout, or when `FLASHMM_DLQ_MAXLEN` is not a positive integer; once connected
/// the client reconnects by itself.
pub async fn connect_bus(
    config: &Config,
) -> Result<(crate::RedisBus, crate::Namespace), crate::BusError> {
    let namespace = crate::Namespace::new(&config.namespace)?;
    let bus = crate::RedisBus::connect(crate::RedisBusConfig {
        dlq_maxlen: dlq_maxlen_from(|key| std::env::var(key).ok())?,
        ..crate::RedisBusConfig::new(config.redis.url.clone())
    })
    .await?;
    Ok((bus, namespace))
}

/// The field of `{ns}:state:heartbeat` next to the service's beat: how long its slowest
/// consume loop has gone without progress, ms, when that is past
/// [`STALL_AFTER`](crate::progress::STALL_AFTER); 0 otherwise.
pub fn stalled_field(service: &str) -> String {
    format!("stalled_ms:{service}")
}

/// Publishes a [`Heartbeat`](flashmm_core::control::Heartbeat) of `service` every `every` to
/// `{ns}:heartbeat` and records its time in the hash `{ns}:state:heartbeat` (field = service),
/// which `/health` reads. Failures (Redis down) are counted in
/// `flashmm_heartbeat_errors_total` and retried at the next beat.
///
/// The beat tells the truth about the service's consume loops (every [`Consumer`](crate::Consumer)
/// of the process, [`Progress::global`](crate::progress::Progress::global)): while one has gone
/// without progress for longer than [`STALL_AFTER`](crate::progress::STALL_AFTER), the beat
/// carries that loop's last progress time instead of the time of the beat (so it ages as a
/// dead service's would), and `stalled_ms:{service}` says for how long (0 when none is
/// stalled); `flashmm_heartbeat_stalled{service}` is 1 meanwhile. A process without consumers
/// beats as long as it runs.
pub fn spawn_heartbeat<B: crate::Bus + 'static>(
    bus: B,
    namespace: crate::Namespace,
    service: &'static str,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    spawn_heartbeat_watching(
        bus,
        namespace,
        service,
        every,
        crate::progress::Progress::global(),
        crate::progress::STALL_AFTER,
    )
}

/// [`spawn_heartbeat`] watching the loops of `progress`, stalled past `stall_after`.
pub fn spawn_heartbeat_watching<B: crate::Bus + 'static>(
    bus: B,
    namespace: crate::Namespace,
    service: &'static str,
    every: std::time::Duration,
    progress: crate::progress::Progress,
    stall_after: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    let instance = format!("{service}-{}", std::process::id());
    tokio::spawn(async move {
        let stream = namespace.heartbeat();
        let state = match namespace.state("heartbeat") {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "heartbeat state key");
                return;
            }
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_stalled = false;
        loop {
            tick.tick().await;
            let now = now();
            let stalled = progress.stalled(stall_after);
            let (ts, stalled_ms) = match &stalled {
                Some(slowest) => {
                    let age_ns = i64::try_from(slowest.age.as_nanos()).unwrap_or(i64::MAX);
                    let age_ms = i64::try_from(slowest.age.as_millis()).unwrap_or(i64::MAX);
                    (
                        flashmm_core::time::UnixNanos(now.0.saturating_sub(age_ns)),
                        age_ms.max(1),
                    )
                }
                None => (now, 0),
            };
            match (&stalled, was_stalled) {
                (Some(slowest), false) => tracing::error!(
                    service,
                    consumer = %slowest.name,
                    since_ms = stalled_ms,
                    "consume loop makes no progress: heartbeat reports the service stalled"
                ),
                (None, true) => tracing::info!(service, "consume loops make progress again"),
                _ => {}
            }
            was_stalled = stalled.is_some();
            metrics::gauge!(crate::telemetry::HEARTBEAT_STALLED, "service" => service)
                .set(if was_stalled { 1.0 } else { 0.0 });
            let beat = flashmm_core::control::Heartbeat {
                service: service.to_owned(),
                instance: instance.clone(),
                ts,
            };
            let result = async {
                let envelope = crate::Envelope::new("", ts, ts, &beat)?;
                bus.publish_capped(&stream, &envelope, Some(10_000)).await?;
                bus.set_state(
                    &state,
                    &[
                        (service.to_owned(), ts.as_i64().to_string()),
                        (stalled_field(service), stalled_ms.to_string()),
                    ],
                )
                .await
            }
            .await;
            if let Err(e) = result {
                metrics::counter!("flashmm_heartbeat_errors_total", "service" => service)
                    .increment(1);
                tracing::warn!(service, error = %e, "heartbeat not written");
            }
        }
    })
}

/// Limits repeated warnings: the first occurrence of each kind is logged, then at most one per
/// `every`, carrying how many were suppressed in between. Metrics still count every one.
#[derive(Debug)]
pub struct LogLimiter {
    every: std::time::Duration,
    seen: std::collections::HashMap<String, (std::time::Instant, u64)>,
}

impl LogLimiter {
    /// A limiter allowing one line per kind per `every`.
    pub fn new(every: std::time::Duration) -> Self {
        LogLimiter {
            every,
            seen: std::collections::HashMap::new(),
        }
    }

    /// Whether to log an occurrence of `kind` now; `Some(suppressed)` when yes, with the number
    /// of occurrences swallowed since the last line.
    pub fn allow(&mut self, kind: &str) -> Option<u64> {
        let now = std::time::Instant::now();
        match self.seen.get_mut(kind) {
            None => {
                self.seen.insert(kind.to_owned(), (now, 0));
                Some(0)
            }
            Some((last, suppressed)) if now.duration_since(*last) >= self.every => {
                let count = *suppressed;
                *last = now;
                *suppressed = 0;
                Some(count)
            }
            Some((_, suppressed)) => {
                *suppressed += 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlq_bound_from_the_environment() {
        assert_eq!(
            dlq_maxlen_from(|_| None).ok(),
            Some(crate::DEFAULT_DLQ_MAXLEN)
        );
        assert_eq!(dlq_maxlen_from(|_| Some("500".into())).ok(), Some(500));
        assert!(dlq_maxlen_from(|_| Some("0".into())).is_err());
        assert!(dlq_maxlen_from(|_| Some("many".into())).is_err());
    }

    #[test]
    fn log_limiter_logs_first_then_throttles_per_kind() {
        let mut limiter = LogLimiter::new(std::time::Duration::from_millis(50));
        assert_eq!(limiter.allow("gap"), Some(0));
        assert_eq!(limiter.allow("gap"), None);
        assert_eq!(limiter.allow("gap"), None);
        assert_eq!(limiter.allow("crossed"), Some(0));
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert_eq!(limiter.allow("gap"), Some(2));
        assert_eq!(limiter.allow("gap"), None);
    }
}
