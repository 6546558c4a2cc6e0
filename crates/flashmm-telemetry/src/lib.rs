//! FlashMM's telemetry sink: trading statistics and service telemetry written to InfluxDB in
//! batches through the `influxdb` crate.
//!
//! - [`Point`]: one measurement with tags, fields and a UTC nanosecond timestamp.
//! - [`Telemetry`]: the handle services record points through. [`Telemetry::record`] never
//!   blocks and never fails: a point that does not fit is dropped and counted.
//! - [`WriterConfig`]: where to write, batch size, flush period, buffer bound, write timeout.
//!
//! A background task batches the points and writes them (`POST /write`, line protocol, ns
//! precision), creating the database on first contact. While InfluxDB is down or slow, points
//! wait in a bounded buffer and are retried every flush period; past the bound the oldest are
//! dropped. Nothing in trading ever waits on InfluxDB.
//!
//! Metrics (through the `metrics` facade, on the service's `/metrics`):
//! - `flashmm_telemetry_points_written_total`: points InfluxDB accepted.
//! - `flashmm_telemetry_points_dropped_total{reason}`: points lost (`queue_full`: the task's
//!   inbox was full; `buffer_full`: the retry buffer overflowed; `rejected`: InfluxDB refused a
//!   batch as invalid; `invalid`: a point the line protocol cannot carry).
//! - `flashmm_telemetry_write_errors_total`: failed batch writes.
//! - `flashmm_telemetry_buffered_points` (gauge): points waiting to be written.

#![warn(missing_docs)]

mod config;
pub mod names;
mod point;
mod writer;

pub use config::WriterConfig;
pub use point::{FieldValue, Point};
pub use writer::{Stats, Telemetry};
