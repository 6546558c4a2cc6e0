//! WebSocket sessions: market data for subscribed markets, and the account's events after a
//! signed `auth`.

use crate::state::{now_ns, AppState};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use flashmm_sim::account::AccountId;
use flashmm_sim::exchange::Outbound;
use flashmm_venue::protocol::{
    decode, encode, paths, ClientMessage, ErrorCode, ServerMessage, SnapshotMsg,
};
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// `GET /ws`: upgrades to a session.
pub async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(socket, state))
}

/// What one session is subscribed to and who it is.
#[derive(Default)]
struct Session {
    /// Market index → the snapshot sequence sent; deltas at or below it are not forwarded.
    markets: HashMap<usize, u64>,
    account: Option<AccountId>,
}

impl Session {
    /// Whether a feed message is for this session.
    fn wants(&self, o: &Outbound) -> bool {
        match o {
            Outbound::Market { market, msg } => match (self.markets.get(market), msg) {
                (Some(&snap_seq), ServerMessage::Delta(d)) => d.seq > snap_seq,
                (Some(_), _) => true,
                (None, _) => false,
            },
            Outbound::Account { account, .. } => self.account == Some(*account),
        }
    }
}

async fn session(socket: WebSocket, state: AppState) {
    metrics::gauge!("sim_venue_ws_clients").increment(1.0);
    let (mut sink, mut stream) = socket.split();
    let mut drop_signal = state.drop_ws_signal();
    drop_signal.mark_unchanged();
    let (_, mut feed) = state.with_exchange_subscribed(|_| ());
    let mut session = Session::default();
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let replies = handle(&state, &mut session, text.as_str());
                if send_all(&mut sink, replies).await.is_err() {
                    break;
                }
            }
            next = feed.recv() => {
                let o: Arc<Outbound> = match next {
                    Ok(o) => o,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "slow websocket client disconnected");
                        break;
                    }
                    Err(RecvError::Closed) => break,
                };
                if !session.wants(&o) {
                    continue;
                }
                let frozen_for = state.with_faults(|f| f.frozen_until_ns()) - now_ns();
                if frozen_for > 0 {
                    tokio::time::sleep(Duration::from_nanos(frozen_for.unsigned_abs())).await;
                }
                let msg = match &*o {
                    Outbound::Market { msg, .. } | Outbound::Account { msg, .. } => msg,
                };
                if send(&mut sink, msg).await.is_err() {
                    break;
                }
            }
            _ = drop_signal.changed() => break,
        }
    }
    let _ = sink.close().await;
    metrics::gauge!("sim_venue_ws_clients").decrement(1.0);
    if let Some(account) = session.account {
        let cancelled = state.session_closed(account);
        if cancelled > 0 {
            tracing::info!(%account, cancelled, "cancel-on-disconnect");
        }
    }
}

/// Handles one client frame; returns the replies.
fn handle(state: &AppState, session: &mut Session, text: &str) -> Vec<ServerMessage> {
    let msg: ClientMessage = match decode(text) {
        Ok(msg) => msg,
        Err(e) => {
            return vec![ServerMessage::Error {
                code: ErrorCode::BadRequest,
                message: e.to_string(),
            }]
        }
    };
    match msg {
        ClientMessage::Ping { id } => vec![ServerMessage::Pong { id }],
        ClientMessage::Subscribe { markets } => {
            let now = now_ns();
            // The session's receiver was created before these snapshots, so it holds every
            // message after them; the per-market sequence filter drops the deltas before.
            let snaps = state.with_exchange(|ex, _| {
                markets
                    .iter()
                    .map(|m| {
                        let i = ex.market_index(m);
                        (i, ex.snapshot(m, now))
                    })
                    .collect::<Vec<_>>()
            });
            let mut replies = Vec::new();
            let mut ok = Vec::new();
            let mut snapshots: Vec<SnapshotMsg> = Vec::new();
            for (market, (index, snap)) in markets.iter().zip(snaps) {
                match (index, snap) {
                    (Some(i), Ok(s)) => {
                        session.markets.insert(i, s.seq);
                        ok.push(market.clone());
                        snapshots.push(s);
                    }
                    (_, Err(e)) => replies.push(ServerMessage::Error {
                        code: e.code,
                        message: e.message,
                    }),
                    (None, Ok(_)) => {}
                }
            }
            replies.push(ServerMessage::Subscribed { markets: ok });
            replies.extend(snapshots.into_iter().map(ServerMessage::Snapshot));
            replies
        }
        ClientMessage::Auth { auth } => {
            let now = now_ns();
            let result = state
                .with_exchange(|ex, _| ex.authenticate("GET", paths::WS_AUTH, b"", &auth, now));
            match result {
                Ok(account) => {
                    if session.account.is_none() {
                        state.session_opened(account);
                    }
                    session.account = Some(account);
                    vec![ServerMessage::Authenticated {
                        key_id: auth.key_id,
                    }]
                }
                Err(e) => vec![ServerMessage::Error {
                    code: e.code,
                    message: e.message,
                }],
            }
        }
    }
}

async fn send<S>(sink: &mut S, msg: &ServerMessage) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let text = encode(msg).map_err(|_| ())?;
    sink.send(Message::Text(text.into())).await.map_err(|_| ())
}

async fn send_all<S>(sink: &mut S, msgs: Vec<ServerMessage>) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    for msg in &msgs {
        send(sink, msg).await?;
    }
    Ok(())
}
