//! The HTTP form of the venue's typed errors.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flashmm_venue::protocol::ApiError;

/// An [`ApiError`] answered with its status code and JSON body (and `Retry-After` on 429).
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        metrics::counter!("sim_venue_rejects_total", "reason" => self.0.code.as_str()).increment(1);
        let retry = self.0.retry_after_ms;
        let mut response = (status, Json(self.0)).into_response();
        if let Some(ms) = retry {
            let secs = ms.div_ceil(1000).max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert("retry-after", v);
            }
        }
        response
    }
}
