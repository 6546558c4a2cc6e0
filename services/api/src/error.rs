//! How the API answers a request it cannot serve: a status and a JSON body
//! `{"error": CODE, "message": TEXT}` that never carries a secret.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use flashmm_auth::AuthError;
use flashmm_bus::BusError;

use crate::telemetry;

/// A refused or failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The credential is missing or invalid (401).
    #[error("{0}")]
    Unauthorized(AuthError),
    /// The credential is valid but not allowed here (403).
    #[error("{0}")]
    Forbidden(AuthError),
    /// The request body or query is invalid (400).
    #[error("{0}")]
    BadRequest(String),
    /// The client sent too many requests (429).
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request is accepted again.
        retry_after_secs: u64,
    },
    /// `api.max_ws_clients` live-metrics WebSockets are open already (503).
    #[error("too many live-metrics clients (at most {limit}); retry later")]
    TooManyClients {
        /// The cap, `api.max_ws_clients`.
        limit: usize,
    },
    /// Redis could not be read or written (503); the detail is logged, not returned.
    #[error("state store unavailable")]
    Bus(#[from] BusError),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        if e.is_forbidden() {
            ApiError::Forbidden(e)
        } else {
            ApiError::Unauthorized(e)
        }
    }
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooManyClients { .. } | ApiError::Bus(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The short machine-readable code of the body's `error` field.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::TooManyClients { .. } => "too_many_clients",
            ApiError::Bus(_) => "unavailable",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Bus(e) = &self {
            tracing::warn!(error = %e, "state store error");
            metrics::counter!(telemetry::BUS_ERRORS).increment(1);
        }
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"flashmm\""),
                );
            }
            ApiError::RateLimited { retry_after_secs } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            ApiError::TooManyClients { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}
