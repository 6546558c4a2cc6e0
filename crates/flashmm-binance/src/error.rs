//! Why a REST call to Binance failed.

use std::time::Duration;
use thiserror::Error;

/// Why a REST call failed.
#[derive(Debug, Error)]
pub enum RestError {
    /// 429 (too many requests) or 418 (banned for ignoring 429s): wait `retry_after` (the
    /// venue's `Retry-After`) before the next call.
    #[error("rate limited (HTTP {status}), retry after {retry_after:?}")]
    RateLimited {
        /// 429 or 418.
        status: u16,
        /// The venue's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Another status than 200.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// The request could not be sent or the answer not read.
    #[error("transport: {0}")]
    Transport(String),
    /// The answer is not what the endpoint returns.
    #[error("decode: {0}")]
    Decode(String),
}

impl RestError {
    /// The wait a rate limit asks for, when this is one.
    pub fn retry_after(&self) -> Option<Option<Duration>> {
        match self {
            RestError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

/// The `Retry-After` of a 429/418 answer, in seconds.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?)
}

/// A `Retry-After` value in whole seconds.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
