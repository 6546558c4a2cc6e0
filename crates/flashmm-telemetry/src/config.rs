//! Where and how the writer writes.

use std::time::Duration;

use flashmm_core::config::InfluxConfig;

/// Settings of the background writer.
#[derive(Clone, PartialEq, Eq)]
pub struct WriterConfig {
    /// Base URL, e.g. `http://127.0.0.1:8086`.
    pub url: String,
    /// Database the points go to (created on first contact).
    pub database: String,
    /// `Authorization: Token ...` value; empty for none.
    pub token: String,
    /// Points per write request, at most.
    pub batch_size: usize,
    /// How often buffered points are written (and failed writes retried).
    pub flush_every: Duration,
    /// Points held while InfluxDB is unreachable; beyond it the oldest are dropped.
    pub max_buffered: usize,
    /// Points the task's inbox holds; beyond it [`Telemetry::record`](crate::Telemetry::record)
    /// drops.
    pub queue_capacity: usize,
    /// Longest a write request may take.
    pub write_timeout: Duration,
}

impl std::fmt::Debug for WriterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterConfig")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .field("batch_size", &self.batch_size)
            .field("flush_every", &self.flush_every)
            .field("max_buffered", &self.max_buffered)
            .field("queue_capacity", &self.queue_capacity)
            .field("write_timeout", &self.write_timeout)
            .finish()
    }
}

impl WriterConfig {
    /// Defaults for `url` and `database`: batches of 500 every second, 50 000 points
    /// buffered, a 10 000-point inbox, 5 s write timeout.
    pub fn new(url: impl Into<String>, database: impl Into<String>) -> Self {
        WriterConfig {
            url: url.into().trim_end_matches('/').to_owned(),
            database: database.into(),
            token: String::new(),
            batch_size: 500,
            flush_every: Duration::from_secs(1),
            max_buffered: 50_000,
            queue_capacity: 10_000,
            write_timeout: Duration::from_secs(5),
        }
    }

    /// The configured sink (`[influxdb]`, `INFLUXDB_URL`, `INFLUXDB_TOKEN`); `None` when the URL
    /// is empty (telemetry disabled).
    pub fn from_config(config: &InfluxConfig) -> Option<Self> {
        if config.url.trim().is_empty() {
            return None;
        }
        let mut writer = Self::new(config.url.trim(), config.database.clone());
        writer.token = config.token.expose().to_owned();
        Some(writer)
    }
}
