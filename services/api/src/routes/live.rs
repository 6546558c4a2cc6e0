//! `WS /ws/live-metrics`: the token is checked at the upgrade (`Authorization: Bearer` or
//! `?token=`, since browsers cannot set WebSocket headers); then the newest snapshot is pushed
//! every `api.ws_interval_ms`. The socket is closed (code 4401) when the token expires. At most
//! `api.max_ws_clients` sockets are open at once; an upgrade beyond that is answered 503.

use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use flashmm_auth::{Principal, Role};
use serde::Deserialize;

use crate::auth::{self, now_unix};
use crate::error::ApiError;
use crate::state::{AppState, WsSlot};
use crate::telemetry;

/// Close code sent when the token expires during the session.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4401;

/// The query of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    /// The bearer token, for clients that cannot set headers.
    pub token: Option<String>,
}

/// `GET /ws/live-metrics`: authenticates, then upgrades.
pub async fn upgrade(
    State(app): State<Arc<AppState>>,
    Query(query): Query<LiveQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = auth::bearer(&headers).or(query.token.as_deref());
    let principal = match auth::authenticate(&app, token, Role::Viewer) {
        Ok(p) => p,
        Err(refused) => return ApiError::from(refused.error).into_response(),
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return ApiError::BadRequest(rejection.body_text()).into_response(),
    };
    let Some(slot) = app.ws_slot() else {
        metrics::counter!(telemetry::WS_REFUSED).increment(1);
        return ApiError::TooManyClients {
            limit: app.api.max_ws_clients,
        }
        .into_response();
    };
    ws.on_upgrade(move |socket| push(app, principal, socket, slot))
}

struct ClientGauge;

impl ClientGauge {
    fn new() -> Self {
        metrics::gauge!(telemetry::WS_CLIENTS).increment(1.0);
        ClientGauge
    }
}

impl Drop for ClientGauge {
    fn drop(&mut self) {
        metrics::gauge!(telemetry::WS_CLIENTS).decrement(1.0);
    }
}

/// Pushes snapshots until the client leaves, its token expires or the server stops; `_slot`
/// is one of `api.max_ws_clients`, given back when this returns.
async fn push(app: Arc<AppState>, principal: Principal, mut socket: WebSocket, _slot: WsSlot) {
    let _gauge = ClientGauge::new();
    let mut live = app.live.clone();
    let mut shutdown = app.shutdown.clone();
    live.mark_changed();
    loop {
        tokio::select! {
            changed = live.changed() => {
                if changed.is_err() {
                    break;
                }
                if principal.expires.is_some_and(|exp| now_unix() >= exp) {
                    let frame = CloseFrame { code: CLOSE_TOKEN_EXPIRED, reason: "token expired".into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                }
                let json = live.borrow_and_update().clone();
                if socket.send(Message::Text(json.as_ref().into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                break;
            }
        }
    }
}
