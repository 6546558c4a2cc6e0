//! The crate's metrics, recorded through the `metrics` facade.
//!
//! - `flashmm_bus_published_total{stream}`: entries appended.
//! - `flashmm_bus_read_total{stream}`: entries read or claimed through a group.
//! - `flashmm_bus_decode_errors_total{stream,reason}`: entries a consumer could not decode.
//! - `flashmm_bus_dead_letters_total{stream,reason}`: entries sent to the dead-letter stream
//!   (`{ns}:dlq`, trimmed to about `FLASHMM_DLQ_MAXLEN` entries), by source stream and reason
//!   label, whoever sends them (a consumer that cannot decode, inference refusing a vector).
//! - `flashmm_bus_groups_recreated_total{stream,group}`: consumer groups a consumer found gone
//!   (`NOGROUP`: Redis emptied by `FLUSHALL`, or restarted without persistence) and created
//!   again.
//! - `flashmm_heartbeat_stalled{service}`: 1 while the service's heartbeat reports a stalled
//!   consume loop ([`progress`](crate::progress)), else 0.

use metrics::counter;

use crate::stream::StreamName;

/// Counter of appended entries.
pub const PUBLISHED_TOTAL: &str = "flashmm_bus_published_total";
/// Counter of entries read or claimed.
pub const READ_TOTAL: &str = "flashmm_bus_read_total";
/// Counter of entries a consumer could not decode.
pub const DECODE_ERRORS_TOTAL: &str = "flashmm_bus_decode_errors_total";
/// Counter of entries sent to the dead-letter stream.
pub const DEAD_LETTERS_TOTAL: &str = "flashmm_bus_dead_letters_total";
/// Counter of consumer groups created again after `NOGROUP`.
pub const GROUPS_RECREATED_TOTAL: &str = "flashmm_bus_groups_recreated_total";
/// Gauge, 1 while the heartbeat reports a stalled consume loop.
pub const HEARTBEAT_STALLED: &str = "flashmm_heartbeat_stalled";

pub(crate) fn published(stream: &StreamName, n: usize) {
    counter!(PUBLISHED_TOTAL, "stream" => stream.as_str().to_owned()).increment(n as u64);
}

pub(crate) fn read(stream: &StreamName, n: usize) {
    if n > 0 {
        counter!(READ_TOTAL, "stream" => stream.as_str().to_owned()).increment(n as u64);
    }
}

pub(crate) fn decode_error(stream: &StreamName, reason: &'static str) {
    counter!(DECODE_ERRORS_TOTAL, "stream" => stream.as_str().to_owned(), "reason" => reason)
        .increment(1);
}

pub(crate) fn dead_letter(stream: &StreamName, reason: &str) {
    counter!(DEAD_LETTERS_TOTAL, "stream" => stream.as_str().to_owned(), "reason" => reason.to_owned())
        .increment(1);
}

pub(crate) fn group_recreated(stream: &StreamName, group: &str) {
    counter!(GROUPS_RECREATED_TOTAL, "stream" => stream.as_str().to_owned(), "group" => group.to_owned())
        .increment(1);
}
