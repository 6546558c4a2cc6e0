//! Structured JSON logs on stderr.

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
