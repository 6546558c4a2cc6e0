//! Authentication of requests: the bearer token of the `Authorization` header (or, for the
//! WebSocket only, the `token` query parameter, since browsers cannot set headers there),
//! checked by [`flashmm_auth::Authenticator`]. Viewer routes need a `viewer` or `admin`
//! token; admin routes need `admin`, and their refusals go to the audit trail too.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flashmm_auth::{AuthError, Credential, Principal, Role};
use flashmm_core::control::AuditOutcome;

use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::routes::rate_limited;
use crate::state::AppState;
use crate::telemetry;

/// The token of an `Authorization: Bearer TOKEN` header; `None` when absent or another scheme.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The label of an [`AuthError`] in `flashmm_api_auth_refused_total{reason}`.
pub fn reason(e: &AuthError) -> &'static str {
    match e {
        AuthError::Missing => "missing",
        AuthError::Malformed(_) => "malformed",
        AuthError::UnsupportedAlgorithm(_) => "algorithm",
        AuthError::BadSignature => "bad_signature",
        AuthError::Expired { .. } => "expired",
        AuthError::IssuedInFuture { .. } => "future",
        AuthError::JwtDisabled => "jwt_disabled",
        AuthError::WrongToken => "wrong_token",
        AuthError::Forbidden { .. } => "forbidden",
        AuthError::LifetimeTooLong { .. } => "lifetime",
        AuthError::UnknownRole(_)
        | AuthError::EmptySecret
        | AuthError::BadTtl
        | AuthError::WeakSecret { .. } => "other",
    }
}

/// A refused request: why, and who it was when the token itself was valid.
#[derive(Debug)]
pub struct Refused {
    /// Why.
    pub error: AuthError,
    /// The caller, when the token was valid but its role too low.
    pub caller: Option<Principal>,
}

/// Checks `token` for a route needing `needed`, counting refusals.
pub fn authenticate(
    app: &AppState,
    token: Option<&str>,
    needed: Role,
) -> Result<Principal, Refused> {
    let result = match token
        .ok_or(AuthError::Missing)
        .and_then(|t| app.auth.verify(t, now_unix()))
    {
        Err(error) => Err(Refused {
            error,
            caller: None,
        }),
        Ok(p) => match p.require(needed) {
            Ok(()) => Ok(p),
            Err(error) => Err(Refused {
                error,
                caller: Some(p),
            }),
        },
    };
    if let Err(refused) = &result {
        metrics::counter!(telemetry::AUTH_REFUSED, "reason" => reason(&refused.error)).increment(1);
    }
    result
}

/// The wall clock in Unix seconds.
pub fn now_unix() -> i64 {
    flashmm_runtime::now().as_i64() / flashmm_core::time::NANOS_PER_SEC
}

/// Middleware of viewer routes: a `viewer` or `admin` token, or 401/403.
pub async fn require_viewer(
    State(app): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    match authenticate(&app, bearer(req.headers()), Role::Viewer) {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Err(refused) => ApiError::from(refused.error).into_response(),
    }
}

/// The client address the rate-limit layer resolved, else the TCP peer.
pub fn client_of(req: &Request) -> IpAddr {
    if let Some(ClientAddr(ip)) = req.extensions().get::<ClientAddr>() {
        return *ip;
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// The admin bucket of a principal: how they proved it and who they are.
fn principal_key(p: &Principal) -> String {
    let how = match p.credential {
        Credential::Jwt => "jwt",
        Credential::StaticToken => "static",
    };
    format!("{how}:{}", p.sub)
}

/// Middleware of admin routes: an `admin` token, or 401/403 and a `denied` audit entry naming
/// the action (the last path segment). An admin's actions are rate limited in a bucket of
/// their own (by principal); a refused call takes a token of its client address's bucket, so
/// guessing tokens stays limited (429, not audited, when that bucket is empty).
pub async fn require_admin(
    State(app): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = client_of(&req);
    match authenticate(&app, bearer(req.headers()), Role::Admin) {
        Ok(principal) => {
            if let Err(wait) = app
                .admin_limiter
                .check(principal_key(&principal), Instant::now())
            {
                return rate_limited(wait).into_response();
            }
            req.extensions_mut().insert(ClientAddr(client));
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Err(Refused { error, caller }) => {
            if let Err(wait) = app.rate_limiter.check(client, Instant::now()) {
                return rate_limited(wait).into_response();
            }
            let action = action_of(req.uri().path());
            let (actor, role) = caller
                .as_ref()
                .map_or(("", ""), |p| (p.sub.as_str(), p.role.as_str()));
            app.audit
                .record(
                    actor,
                    role,
                    &action,
                    &error.to_string(),
                    AuditOutcome::Denied,
                    &client.to_string(),
                )
                .await;
            ApiError::from(error).into_response()
        }
    }
}

/// The audit name of an admin path: `/admin/cancel-all` → `cancel_all`.
pub fn action_of(path: &str) -> String {
    path.rsplit('/')
        .next()
        .unwrap_or_default()
        .replace('-', "_")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_is_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  x.y.z "),
        );
        assert_eq!(bearer(&headers), Some("x.y.z"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn admin_paths_name_their_action() {
        assert_eq!(action_of("/admin/cancel-all"), "cancel_all");
        assert_eq!(action_of("/admin/pause"), "pause");
    }
}
