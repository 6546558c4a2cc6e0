//! Execution's guards that must not be defeated: stale data by local receive time, prediction freshness by the origin of its market data, worst-case position exposure with resting orders.
