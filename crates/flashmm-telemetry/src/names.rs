//! The crate's metric names.

/// Counter of points InfluxDB accepted.
pub const POINTS_WRITTEN_TOTAL: &str = "flashmm_telemetry_points_written_total";
/// Counter of points dropped, by `reason`.
pub const POINTS_DROPPED_TOTAL: &str = "flashmm_telemetry_points_dropped_total";
/// Counter of failed batch writes.
pub const WRITE_ERRORS_TOTAL: &str = "flashmm_telemetry_write_errors_total";
/// Gauge of points waiting to be written.
pub const BUFFERED_POINTS: &str = "flashmm_telemetry_buffered_points";
