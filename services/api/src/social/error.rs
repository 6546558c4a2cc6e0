//! What can go wrong writing or posting a summary. No variant ever carries the token.

use std::time::Duration;

/// A summary that could not be written or posted.
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// A setting of `[social]` is unusable.
    #[error("config key `{key}`: {reason}")]
    Config {
        /// The key, e.g. `social.api_base_url`.
        key: &'static str,
        /// Why.
        reason: String,
    },
    /// The state could not be read from Redis.
    #[error("reading the state: {0}")]
    State(#[from] flashmm_bus::BusError),
    /// The chart could not be drawn.
    #[error("drawing the chart: {0}")]
    Chart(String),
    /// A report file could not be written.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The X API refused for now (429), or the previous post was less than an interval ago;
    /// nothing is sent before `retry_after` has passed.
    #[error("rate limited: retry in {}s", retry_after.as_secs())]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// The X API could not be reached.
    #[error("{step}: {reason}")]
    Transport {
        /// `media upload` or `post`.
        step: &'static str,
        /// The transport error.
        reason: String,
    },
    /// The X API answered with an error status.
    #[error("{step}: HTTP {status}: {body}")]
    Status {
        /// `media upload` or `post`.
        step: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the answer's body.
        body: String,
    },
    /// The X API answered 2xx with a body that has no id.
    #[error("{step}: unexpected answer: {reason}")]
    Answer {
        /// `media upload` or `post`.
        step: &'static str,
        /// What was wrong.
        reason: String,
    },
}
