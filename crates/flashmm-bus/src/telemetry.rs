//! The crate's metrics, recorded through the `metrics` facade.
//!
//! - `flashmm_bus_published_total{stream}`: entries appended.
//! - `flashmm_bus_read_total{stream}`: entries read or claimed through a group.
//! - `flashmm_bus_decode_errors_total{stream,reason}`: entries a consumer could not decode.
//! - `flashmm_bus_dead_letters_total{stream,reason}`: entries sent to the dead-letter stream.

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

pub(crate) fn dead_letter(stream: &StreamName, reason: &'static str) {
    counter!(DEAD_LETTERS_TOTAL, "stream" => stream.as_str().to_owned(), "reason" => reason)
        .increment(1);
}
