//! Why a venue call failed.

use crate::protocol::ApiError;
use thiserror::Error;

/// Why a [`Venue`](super::Venue) call failed.
#[derive(Debug, Error)]
pub enum VenueError {
    /// The venue answered with a typed error (rejected order, bad signature, rate limit...).
    #[error("venue refused: {0}")]
    Api(ApiError),
    /// The venue answered with a status and a body that is not a typed error.
    #[error("HTTP {status}: {body}")]
    Http {
        /// The status code.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// The request could not be sent or the answer not read.
    #[error("transport: {0}")]
    Transport(String),
    /// An answer could not be decoded or converted.
    #[error("decode: {0}")]
    Decode(String),
    /// The market is not listed by the venue.
    #[error("unknown market {0}")]
    UnknownMarket(String),
    /// The client has no signing key configured.
    #[error("no signing key configured")]
    NoSigner,
    /// The venue's listing or rules do not fit the configuration (an unknown coin, a lot
    /// finer than the venue's size step).
    #[error("configuration: {0}")]
    Config(String),
    /// This venue adapter does not offer the call.
    #[error("not supported: {0}")]
    Unsupported(&'static str),
}

impl VenueError {
    /// The typed venue error, when the venue sent one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            VenueError::Api(e) => Some(e),
            _ => None,
        }
    }
}
