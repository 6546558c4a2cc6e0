//! The HTTP routes and the layers around them.
//!
//! | route | access |
//! | --- | --- |
//! | `GET /`, `/assets/*`, `/openapi.json`, `/health`, `/metrics` | public |
//! | `GET /trading/*`, `WS /ws/live-metrics` | `viewer` or `admin` |
//! | `POST /admin/*` | `admin` (audited) |

pub mod admin;
pub mod dashboard;
pub mod health;
pub mod live;
pub mod trading;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth;
use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;

/// Every route as `(method, path)`, as documented in `/openapi.json`.
pub const ROUTES: [(&str, &str); 15] = [
    ("get", "/"),
    ("get", "/assets/dashboard.js"),
    ("get", "/assets/dashboard.css"),
    ("get", "/openapi.json"),
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/trading/status"),
    ("get", "/trading/positions"),
    ("get", "/trading/orders"),
    ("get", "/trading/pnl"),
    ("get", "/ws/live-metrics"),
    ("post", "/admin/pause"),
    ("post", "/admin/resume"),
    ("post", "/admin/cancel-all"),
    ("post", "/admin/flatten"),
];

/// The whole application: routes, authentication, limits, CORS and security headers.
pub fn router(app: Arc<AppState>) -> Router {
    let public = Router::new()
        .route("/", get(dashboard::index))
        .route("/assets/dashboard.js", get(dashboard::script))
        .route("/assets/dashboard.css", get(dashboard::style))
        .route("/openapi.json", get(dashboard::openapi))
        .route("/health", get(health::health))
        .route("/metrics", get(health::metrics))
        .route("/ws/live-metrics", get(live::upgrade));
    let viewer = Router::new()
        .route("/trading/status", get(trading::status))
        .route("/trading/positions", get(trading::positions))
        .route("/trading/orders", get(trading::orders))
        .route("/trading/pnl", get(trading::pnl))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_viewer,
        ));
    let admin = Router::new()
        .route("/admin/pause", post(admin::pause))
        .route("/admin/resume", post(admin::resume))
        .route("/admin/cancel-all", post(admin::cancel_all))
        .route("/admin/flatten", post(admin::flatten))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            auth::require_admin,
        ));
    let mut router = public
        .merge(viewer)
        .merge(admin)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(app.api.max_body_bytes))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    if let Some(cors) = cors(&app.api.cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(app.api.request_timeout_ms),
        ))
        .layer(middleware::from_fn_with_state(app.clone(), rate_limit))
        .with_state(app)
}

/// The CORS layer for `origins`; `None` (no CORS headers: browsers refuse cross-origin
/// calls) when the list is empty.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600)),
    )
}

/// Whether `method path` is an admin action: rate limited per principal once authenticated
/// ([`auth::require_admin`]), not by the client address's bucket.
fn is_admin_action(method: &Method, path: &str) -> bool {
    method == Method::POST
        && ROUTES
            .iter()
            .any(|(m, p)| *m == "post" && *p == path && p.starts_with("/admin/"))
}

/// Middleware: resolves the client address ([`ClientAddr`], from a trusted proxy's headers or
/// the peer) and takes a token of its bucket, 429 with `Retry-After` when empty. Admin actions
/// are left to [`auth::require_admin`], which limits them per principal.
async fn rate_limit(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = app.trusted_proxies.client(peer, req.headers());
    req.extensions_mut().insert(ClientAddr(client));
    if is_admin_action(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    match app.rate_limiter.check(client, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => rate_limited(wait).into_response(),
    }
}

/// The 429 answer for a bucket that is empty for `wait`, counted.
pub fn rate_limited(wait: Duration) -> ApiError {
    metrics::counter!(telemetry::RATE_LIMITED).increment(1);
    ApiError::RateLimited {
        retry_after_secs: wait.as_secs().max(1),
    }
}

async fn not_found() -> Response {
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": "not_found", "message": "no such route" })),
    )
        .into_response()
}

/// The `Content-Security-Policy` of the dashboard: its own scripts, styles and WebSocket only.
pub const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The header name of the CSP, for the dashboard handlers.
pub const CSP: HeaderName = header::CONTENT_SECURITY_POLICY;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_admin_actions_skip_the_address_bucket() {
        for path in [
            "/admin/pause",
            "/admin/resume",
            "/admin/cancel-all",
            "/admin/flatten",
        ] {
            assert!(is_admin_action(&Method::POST, path), "{path}");
            assert!(!is_admin_action(&Method::GET, path), "{path}");
        }
        for path in ["/health", "/admin/nope", "/admin/", "/trading/status"] {
            assert!(!is_admin_action(&Method::POST, path), "{path}");
        }
    }
}
