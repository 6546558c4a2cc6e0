//! The wall clock, for wire timestamps.

/// The wall clock as UTC nanoseconds, for wire timestamps (never for latency).
pub fn now() -> flashmm_core::time::UnixNanos {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    flashmm_core::time::UnixNanos(nanos)
}
