//! Why a signed request is refused.

use crate::protocol::{ApiError, ErrorCode};
use thiserror::Error;

/// Why the venue refuses a request's authentication. Each maps to its own
/// [`ErrorCode`] and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// A signature header is absent or malformed.
    #[error("missing or malformed signature header {0}")]
    Missing(&'static str),
    /// A public key is not valid hex of a secp256k1 point.
    #[error("malformed public key")]
    MalformedKey,
    /// A secret key is not valid hex of a secp256k1 scalar.
    #[error("malformed secret key")]
    MalformedSecret,
    /// No account is registered for the key id.
    #[error("unknown key {0}")]
    UnknownKey(String),
    /// The signature does not verify against the registered key.
    #[error("signature does not verify")]
    BadSignature,
    /// The request expired before it arrived.
    #[error("request expired at {expiry_ns}, now {now_ns}")]
    Expired {
        /// The request's expiry.
        expiry_ns: i64,
        /// The venue's time.
        now_ns: i64,
    },
    /// The expiry lies further ahead than the venue accepts.
    #[error("expiry {expiry_ns} is more than {max_ttl_ns} ns ahead of {now_ns}")]
    ExpiryTooFar {
        /// The request's expiry.
        expiry_ns: i64,
        /// The venue's time.
        now_ns: i64,
        /// The longest lifetime accepted.
        max_ttl_ns: i64,
    },
    /// The nonce was used before, or is older than the key's window.
    #[error("nonce {0} replayed or too old")]
    ReplayedNonce(u64),
}

impl AuthError {
    /// The wire error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Missing(_) | AuthError::MalformedKey | AuthError::MalformedSecret => {
                ErrorCode::MissingAuth
            }
            AuthError::UnknownKey(_) => ErrorCode::UnknownKey,
            AuthError::BadSignature => ErrorCode::BadSignature,
            AuthError::Expired { .. } | AuthError::ExpiryTooFar { .. } => ErrorCode::Expired,
            AuthError::ReplayedNonce(_) => ErrorCode::ReplayedNonce,
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}
