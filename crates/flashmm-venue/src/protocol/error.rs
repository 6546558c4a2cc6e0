//! Typed error bodies of the REST API.

use flashmm_core::order::RejectReason;
use serde::{Deserialize, Serialize};

/// What went wrong with a request; each code has one HTTP status ([`ErrorCode::http_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request lacks a signature header or one is malformed (401).
    MissingAuth,
    /// The key id is not registered (401).
    UnknownKey,
    /// The signature does not verify against the registered public key (401).
    BadSignature,
    /// The request's expiry has passed, or lies further ahead than the venue allows (403).
    Expired,
    /// The nonce was already used by this key or is older than its window (409).
    ReplayedNonce,
    /// The key sent more requests than its rate limit allows (429).
    RateLimited,
    /// The body or query is malformed (400).
    BadRequest,
    /// The market is not listed (404).
    UnknownMarket,
    /// No open order of the account matches the reference (404).
    UnknownOrder,
    /// The client order id is already used by an open order of the account (409).
    DuplicateClientOrderId,
    /// The matching engine refused the order; the body's `reject` says why (422).
    Rejected,
    /// A fault injected by the operator refused the request (503).
    InjectedReject,
    /// The request was processed but its acknowledgement was dropped by an injected fault
    /// (504): the order may exist; reconcile from order updates or open orders.
    AckDropped,
    /// Something failed inside the venue (500).
    Internal,
}

impl ErrorCode {
    /// The HTTP status code the server answers with.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::MissingAuth | ErrorCode::UnknownKey | ErrorCode::BadSignature => 401,
            ErrorCode::Expired => 403,
            ErrorCode::ReplayedNonce | ErrorCode::DuplicateClientOrderId => 409,
            ErrorCode::RateLimited => 429,
            ErrorCode::BadRequest => 400,
            ErrorCode::UnknownMarket | ErrorCode::UnknownOrder => 404,
            ErrorCode::Rejected => 422,
            ErrorCode::InjectedReject => 503,
            ErrorCode::AckDropped => 504,
            ErrorCode::Internal => 500,
        }
    }

    /// A short stable label (the serialized name), for metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MissingAuth => "missing_auth",
            ErrorCode::UnknownKey => "unknown_key",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::Expired => "expired",
            ErrorCode::ReplayedNonce => "replayed_nonce",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownMarket => "unknown_market",
            ErrorCode::UnknownOrder => "unknown_order",
            ErrorCode::DuplicateClientOrderId => "duplicate_client_order_id",
            ErrorCode::Rejected => "rejected",
            ErrorCode::InjectedReject => "injected_reject",
            ErrorCode::AckDropped => "ack_dropped",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The body of every non-2xx REST answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    /// What went wrong.
    pub code: ErrorCode,
    /// A human-readable explanation.
    pub message: String,
    /// The engine's reason, for [`ErrorCode::Rejected`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject: Option<RejectReason>,
    /// When to retry, for [`ErrorCode::RateLimited`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            reject: None,
            retry_after_ms: None,
        }
    }

    /// The engine refused the request.
    pub fn rejected(reason: RejectReason) -> Self {
        ApiError {
            code: ErrorCode::Rejected,
            message: reason.to_string(),
            reject: Some(reason),
            retry_after_ms: None,
        }
    }

    /// The HTTP status code of this error.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}
