//! Restart and fault safety of execution: durable kill switch, fail-safe start, venue truth for fills and positions, idempotent client ids, Redis coming back empty.
