//! Redis coming back empty (FLUSHALL, a new Redis without AOF): consumers recreate their groups, heartbeats follow loop progress, OOM errors count as unavailable.
