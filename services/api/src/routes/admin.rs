//! `POST /admin/pause`, `/admin/resume`, `/admin/cancel-all`, `/admin/flatten`: each writes
//! one [`ExecCommand`] to `{ns}:cmd:exec` (the only way the API acts on execution) and one
//! [`AuditEntry`](flashmm_core::control::AuditEntry) to `{ns}:audit`.
//!
//! The body is optional; when present it must be JSON `{"reason": "..."}` (at most
//! [`MAX_REASON_LEN`] characters), else 400.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use flashmm_auth::Principal;
use flashmm_bus::{Bus, BusError, Envelope};
use flashmm_core::control::{AuditOutcome, ExecAction, ExecCommand};
use flashmm_runtime as runtime;
use serde::Deserialize;

use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry;

/// Longest accepted reason.
pub const MAX_REASON_LEN: usize = 200;

/// The optional body of an admin action.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// Why, for the audit trail (and the pause reason).
    #[serde(default)]
    pub reason: Option<String>,
}

impl ActionRequest {
    /// Parses an optional JSON body; empty means no reason.
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(ActionRequest::default());
        }
        let request: ActionRequest = serde_json::from_slice(body).map_err(|e| {
            metrics::counter!(telemetry::BAD_REQUESTS).increment(1);
            ApiError::BadRequest(format!(
                "invalid JSON body: {e}; expected {{\"reason\": \"...\"}} or no body"
            ))
        })?;
        if request
            .reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_LEN)
        {
            metrics::counter!(telemetry::BAD_REQUESTS).increment(1);
            return Err(ApiError::BadRequest(format!(
                "reason is longer than {MAX_REASON_LEN} characters"
            )));
        }
        Ok(request)
    }
}

/// What every admin action is given: the state, the authenticated admin, the client address
/// and the reason of the optional body ([`ActionRequest`]).
pub struct AdminAction {
    app: Arc<AppState>,
    who: Principal,
    client: IpAddr,
    reason: Option<String>,
}

impl FromRequest<Arc<AppState>> for AdminAction {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Extension(who) = Extension::<Principal>::from_request_parts(&mut parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(ClientAddr(client)) =
            Extension::<ClientAddr>::from_request_parts(&mut parts, app)
                .await
                .map_err(IntoResponse::into_response)?;
        let body = Bytes::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = ActionRequest::parse(&body).map_err(IntoResponse::into_response)?;
        Ok(AdminAction {
            app: app.clone(),
            who,
            client,
            reason: request.reason,
        })
    }
}

/// `POST /admin/pause`.
pub async fn pause(action: AdminAction) -> Result<Response, ApiError> {
    let reason = action
        .reason
        .clone()
        .unwrap_or_else(|| format!("paused by {}", action.who.sub));
    let pause = ExecAction::Pause {
        reason: reason.clone(),
    };
    action.send("pause", &reason, pause).await
}

/// `POST /admin/resume`.
pub async fn resume(action: AdminAction) -> Result<Response, ApiError> {
    action.send_with_reason("resume", ExecAction::Resume).await
}

/// `POST /admin/cancel-all`.
pub async fn cancel_all(action: AdminAction) -> Result<Response, ApiError> {
    action
        .send_with_reason("cancel_all", ExecAction::CancelAll)
        .await
}

/// `POST /admin/flatten`.
pub async fn flatten(action: AdminAction) -> Result<Response, ApiError> {
    action
        .send_with_reason("flatten", ExecAction::Flatten)
        .await
}

impl AdminAction {
    /// [`send`](Self::send) with the body's reason (empty without one) as the detail.
    async fn send_with_reason(&self, name: &str, action: ExecAction) -> Result<Response, ApiError> {
        let reason = self.reason.clone().unwrap_or_default();
        self.send(name, &reason, action).await
    }

    /// Writes the command, then its audit entry; answers 202 with the command's entry id.
    async fn send(
        &self,
        name: &str,
        detail: &str,
        action: ExecAction,
    ) -> Result<Response, ApiError> {
        let (app, who) = (&self.app, &self.who);
        let client = self.client.to_string();
        let ts = runtime::now();
        let command = ExecCommand {
            action,
            actor: who.sub.clone(),
            ts,
        };
        let written: Result<_, BusError> = async {
            let envelope = Envelope::new("", ts, ts, &command)?;
            let stream = app.reader.namespace().cmd_exec();
            app.reader
                .bus()
                .publish_capped(&stream, &envelope, Some(app.stream_maxlen))
                .await
        }
        .await;
        match written {
            Ok(id) => {
                app.audit
                    .record(
                        &who.sub,
                        who.role.as_str(),
                        name,
                        detail,
                        AuditOutcome::Accepted,
                        &client,
                    )
                    .await;
                let body = serde_json::json!({
                    "status": "accepted",
                    "action": name,
                    "actor": who.sub,
                    "command_id": id.as_str(),
                    "ts": ts.as_i64(),
                });
                Ok((StatusCode::ACCEPTED, Json(body)).into_response())
            }
            Err(e) => {
                app.audit
                    .record(
                        &who.sub,
                        who.role.as_str(),
                        name,
                        "command not written: state store unavailable",
                        AuditOutcome::Failed,
                        &client,
                    )
                    .await;
                Err(ApiError::Bus(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_optional_but_must_be_valid() {
        assert!(ActionRequest::parse(b"").unwrap().reason.is_none());
        assert!(ActionRequest::parse(b" \n").unwrap().reason.is_none());
        assert!(ActionRequest::parse(b"{}").unwrap().reason.is_none());
        assert_eq!(
            ActionRequest::parse(br#"{"reason":"deploy"}"#)
                .unwrap()
                .reason
                .as_deref(),
            Some("deploy")
        );
        for bad in [&b"{"[..], b"[1]", br#"{"reason":1}"#, br#"{"why":"x"}"#] {
            let e = ActionRequest::parse(bad).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST);
            assert!(e.to_string().starts_with("invalid JSON body"), "{e}");
        }
        let long = format!(r#"{{"reason":"{}"}}"#, "x".repeat(MAX_REASON_LEN + 1));
        assert!(ActionRequest::parse(long.as_bytes()).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// Arbitrary bytes as an admin body: no panic; a reason, or a 400 naming the problem.
        #[test]
        fn arbitrary_bodies_parse_or_are_a_bad_request(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            match ActionRequest::parse(&body) {
                Ok(request) => proptest::prop_assert!(
                    request.reason.is_none_or(|r| r.chars().count() <= MAX_REASON_LEN)
                ),
                Err(e) => {
                    proptest::prop_assert!(matches!(e, ApiError::BadRequest(_)), "{e:?}");
                    proptest::prop_assert_eq!(e.status(), StatusCode::BAD_REQUEST);
                }
            }
        }

        /// JSON objects with arbitrary reasons and keys: accepted exactly when they are
        /// `{"reason": text}` of at most MAX_REASON_LEN characters.
        #[test]
        fn arbitrary_json_bodies_are_judged(key in "[a-z]{1,8}", reason in "\\PC{0,250}") {
            let body = serde_json::json!({ key.clone(): reason.clone() }).to_string();
            let result = ActionRequest::parse(body.as_bytes());
            let valid = key == "reason" && reason.chars().count() <= MAX_REASON_LEN;
            proptest::prop_assert_eq!(result.is_ok(), valid, "{}", body);
            if let Ok(request) = result {
                proptest::prop_assert_eq!(request.reason, Some(reason));
            }
        }
    }
}
