//! The handle services record through and the background task that writes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use metrics::{counter, gauge};
use tokio::sync::mpsc;

use crate::names;
use crate::{Point, WriterConfig};

/// Counts of what happened to the points recorded through one [`Telemetry`].
#[derive(Debug, Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    write_errors: AtomicU64,
    buffered: AtomicU64,
}

/// A snapshot of a writer's counts (the same numbers as its metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Points InfluxDB accepted.
    pub written: u64,
    /// Points dropped (inbox or buffer full, or refused by InfluxDB).
    pub dropped: u64,
    /// Failed batch writes.
    pub write_errors: u64,
    /// Points waiting to be written.
    pub buffered: u64,
}

/// Records points for the background writer. Cheap to clone; when the last clone is dropped
/// the writer makes a last attempt to write what it holds and stops.
#[derive(Debug, Clone)]
pub struct Telemetry {
    tx: mpsc::Sender<Point>,
    counters: Arc<Counters>,
}

fn dropped(counters: &Counters, reason: &'static str, n: u64) {
    counters.dropped.fetch_add(n, Ordering::Relaxed);
    counter!(names::POINTS_DROPPED_TOTAL, "reason" => reason).increment(n);
}

impl Telemetry {
    /// Starts the writer task (inside a tokio runtime) and returns its handle and task.
    pub fn spawn(config: WriterConfig) -> (Telemetry, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let counters = Arc::new(Counters::default());
        let task = tokio::spawn(Writer::new(config, rx, counters.clone()).run());
        (Telemetry { tx, counters }, task)
    }

    /// Queues a point for writing. Never blocks: when the writer's inbox is full the point is
    /// dropped and counted.
    pub fn record(&self, point: Point) {
        if self.tx.try_send(point).is_err() {
            dropped(&self.counters, "queue_full", 1);
        }
    }

    /// The writer's counts so far.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            written: c.written.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            write_errors: c.write_errors.load(Ordering::Relaxed),
            buffered: c.buffered.load(Ordering::Relaxed),
        }
    }
}

/// Why a batch was not written.
enum WriteFailure {
    /// InfluxDB refused the batch itself (bad points): retrying cannot help.
    Rejected(String),
    /// InfluxDB is unreachable, slow or failing: retry later.
    Unavailable(String),
}

struct Writer {
    config: WriterConfig,
    client: influxdb::Client,
    rx: mpsc::Receiver<Point>,
    pending: VecDeque<influxdb::WriteQuery>,
    counters: Arc<Counters>,
    database_ready: bool,
}

impl Writer {
    fn new(config: WriterConfig, rx: mpsc::Receiver<Point>, counters: Arc<Counters>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.write_timeout)
            .connect_timeout(config.write_timeout)
            .build()
            .unwrap_or_default();
        let mut client = influxdb::Client::new(config.url.clone(), config.database.clone())
            .with_http_client(http);
        if !config.token.is_empty() {
            client = client.with_token(config.token.clone());
        }
        Writer {
            config,
            client,
            rx,
            pending: VecDeque::new(),
            counters,
            database_ready: false,
        }
    }

    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.config.flush_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                point = self.rx.recv() => match point {
                    Some(point) => {
                        self.push(point);
                        if self.pending.len() >= self.config.batch_size {
                            self.flush().await;
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => self.flush().await,
            }
        }
        self.flush().await;
    }

    fn push(&mut self, point: Point) {
        let Some(query) = point.to_query() else {
            dropped(&self.counters, "invalid", 1);
            return;
        };
        if self.pending.len() >= self.config.max_buffered.max(1) {
            self.pending.pop_front();
            dropped(&self.counters, "buffer_full", 1);
        }
        self.pending.push_back(query);
        self.buffered_changed();
    }

    fn buffered_changed(&self) {
        let n = self.pending.len() as u64;
        self.counters.buffered.store(n, Ordering::Relaxed);
        gauge!(names::BUFFERED_POINTS).set(n as f64);
    }

    /// Writes the pending points batch by batch; stops at the first failure, keeping the rest
    /// for the next attempt.
    async fn flush(&mut self) {
        while !self.pending.is_empty() {
            let n = self.pending.len().min(self.config.batch_size.max(1));
            let batch: Vec<influxdb::WriteQuery> = self.pending.iter().take(n).cloned().collect();
            match self.write(batch).await {
                Ok(()) => {
                    self.pending.drain(..n);
                    self.counters.written.fetch_add(n as u64, Ordering::Relaxed);
                    counter!(names::POINTS_WRITTEN_TOTAL).increment(n as u64);
                }
                Err(WriteFailure::Rejected(error)) => {
                    self.pending.drain(..n);
                    self.write_failed();
                    dropped(&self.counters, "rejected", n as u64);
                    tracing::warn!(points = n, %error, "InfluxDB refused a telemetry batch");
                }
                Err(WriteFailure::Unavailable(error)) => {
                    self.write_failed();
                    tracing::debug!(buffered = self.pending.len(), %error, "telemetry write failed");
                    break;
                }
            }
        }
        self.buffered_changed();
    }

    fn write_failed(&self) {
        self.counters.write_errors.fetch_add(1, Ordering::Relaxed);
        counter!(names::WRITE_ERRORS_TOTAL).increment(1);
    }

    async fn write(&mut self, batch: Vec<influxdb::WriteQuery>) -> Result<(), WriteFailure> {
        if !self.database_ready {
            let create = influxdb::ReadQuery::new(format!(
                "CREATE DATABASE \"{}\"",
                self.config.database.replace('"', "")
            ));
            match self.client.query(create).await {
                Ok(_) => self.database_ready = true,
                // Without admin rights the database may still exist: try the write anyway.
                Err(influxdb::Error::ApiError(status)) if status != 503 => {
                    self.database_ready = true
                }
                Err(e) => return Err(WriteFailure::Unavailable(e.to_string())),
            }
        }
        match self.client.query(batch).await {
            Ok(_) => Ok(()),
            Err(influxdb::Error::ApiError(status)) if status == 400 => {
                Err(WriteFailure::Rejected(format!("HTTP {status}")))
            }
            Err(influxdb::Error::ApiError(404)) => {
                self.database_ready = false;
                Err(WriteFailure::Unavailable("database not found".to_owned()))
            }
            Err(e) => Err(WriteFailure::Unavailable(e.to_string())),
        }
    }
}
