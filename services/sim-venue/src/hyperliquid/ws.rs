//! `GET /ws`: the venue's WebSocket. `subscribe` to `l2Book` and `trades` of a coin and to
//! `orderUpdates` and `userFills` of a user; `ping` is answered on `pong`. A book is sent
//! whole on subscribing and then at most every [`BOOK_EVERY`] while it changes, as the venue
//! sends a book per block; the user's fills start with a snapshot.

use super::info::{book, fill, fills_from, ms, open_order};
use super::state::HlState;
use crate::state::now_ns;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flashmm_hyperliquid::info::Side;
use flashmm_hyperliquid::ws::{
    OrderStatus, Subscription, WsBasicOrder, WsMessage, WsOrder, WsRequest, WsTrade, WsUserFills,
};
use flashmm_hyperliquid::Address;
use flashmm_sim::exchange::Outbound;
use flashmm_venue::protocol::{OrderStatusWire, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often a changed book is sent.
pub const BOOK_EVERY: Duration = Duration::from_millis(100);

/// `GET /ws`: upgrades to a session, unless an outage refuses it.
pub async fn upgrade(State(state): State<HlState>, ws: WebSocketUpgrade) -> Response {
    if state.book().ws_down_until > now_ns() {
        return (StatusCode::SERVICE_UNAVAILABLE, "outage").into_response();
    }
    ws.on_upgrade(move |socket| session(socket, state))
}

#[derive(Default)]
struct Session {
    books: BTreeSet<usize>,
    trades: BTreeSet<usize>,
    dirty: BTreeSet<usize>,
    orders_of: Option<(Address, flashmm_sim::account::AccountId)>,
    fills_of: Option<(Address, flashmm_sim::account::AccountId)>,
}

fn to_side(s: flashmm_core::market::Side) -> Side {
    match s {
        flashmm_core::market::Side::Buy => Side::Bid,
        flashmm_core::market::Side::Sell => Side::Ask,
    }
}

/// What a feed message becomes for this session, if anything.
fn translate(state: &HlState, s: &mut Session, o: &Outbound) -> Option<WsMessage> {
    match o {
        Outbound::Market { market, msg } => match msg {
            ServerMessage::Delta(_) if s.books.contains(market) => {
                s.dirty.insert(*market);
                None
            }
            ServerMessage::Trade(t) if s.trades.contains(market) => {
                let coin = state.coin_of_index(*market)?;
                Some(WsMessage::Trades(vec![WsTrade {
                    coin: coin.name.clone(),
                    side: to_side(t.aggressor),
                    px: t.price,
                    sz: t.size,
                    hash: format!("0x{:064x}", t.trade_id.parse::<u64>().unwrap_or(0)),
                    time: ms(t.ts),
                    tid: t.trade_id.parse().unwrap_or(0),
                    users: None,
                }]))
            }
            _ => None,
        },
        Outbound::Account { account, msg } => match msg {
            ServerMessage::Order(u) if s.orders_of.is_some_and(|(_, a)| a == *account) => {
                let coin = state.coins().iter().find(|c| c.market == u.market)?;
                let status = match u.status {
                    OrderStatusWire::Open | OrderStatusWire::PartiallyFilled => "open",
                    OrderStatusWire::Filled => "filled",
                    OrderStatusWire::Rejected => "rejected",
                    OrderStatusWire::Cancelled | OrderStatusWire::Expired => "canceled",
                };
                let o = open_order(coin, u);
                Some(WsMessage::OrderUpdates(vec![WsOrder {
                    order: WsBasicOrder {
                        coin: o.coin,
                        side: o.side,
                        limit_px: o.limit_px,
                        sz: o.sz,
                        oid: o.oid,
                        timestamp: o.timestamp,
                        orig_sz: u.size,
                        cloid: o.cloid,
                    },
                    status: OrderStatus(status.to_owned()),
                    status_timestamp: ms(u.ts),
                }]))
            }
            ServerMessage::Fill(f) => {
                let (user, a) = s.fills_of?;
                if a != *account {
                    return None;
                }
                let coin = state.coins().iter().find(|c| c.market == f.market)?;
                Some(WsMessage::UserFills(WsUserFills {
                    is_snapshot: false,
                    user,
                    fills: vec![fill(coin, f)],
                }))
            }
            _ => None,
        },
    }
}

/// Handles one client frame; returns the replies.
fn handle(state: &HlState, s: &mut Session, text: &str) -> Vec<WsMessage> {
    let req: WsRequest = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => return vec![WsMessage::Error(format!("Invalid message: {e}"))],
    };
    match req {
        WsRequest::Ping => vec![WsMessage::Pong],
        WsRequest::Subscribe { subscription } => {
            let echo = serde_json::json!({"method": "subscribe", "subscription": subscription});
            let mut out = vec![WsMessage::SubscriptionResponse(echo)];
            match subscription {
                Subscription::L2Book { coin } | Subscription::Bbo { coin } => {
                    let Some(c) = state.coin(&coin) else {
                        return vec![WsMessage::Error(format!(
                            "Invalid subscription: coin {coin}"
                        ))];
                    };
                    s.books.insert(c.index);
                    if let Some(b) = book(state, c) {
                        out.push(WsMessage::L2Book(b));
                    }
                }
                Subscription::Trades { coin } => {
                    let Some(c) = state.coin(&coin) else {
                        return vec![WsMessage::Error(format!(
                            "Invalid subscription: coin {coin}"
                        ))];
                    };
                    s.trades.insert(c.index);
                }
                Subscription::OrderUpdates { user } => {
                    if let Some(a) = state.account(&user) {
                        s.orders_of = Some((user, a));
                    }
                }
                Subscription::UserFills { user } => {
                    if let Some(a) = state.account(&user) {
                        s.fills_of = Some((user, a));
                    }
                    out.push(WsMessage::UserFills(WsUserFills {
                        is_snapshot: true,
                        user,
                        fills: fills_from(state, &user, 0),
                    }));
                }
            }
            out
        }
        WsRequest::Unsubscribe { .. } => Vec::new(),
        WsRequest::Post { id, .. } => vec![WsMessage::Error(format!(
            "post requests are not served by this mock (id {id})"
        ))],
    }
}

async fn send<S>(sink: &mut S, msg: &WsMessage) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let text = serde_json::to_string(msg).map_err(|_| ())?;
    sink.send(Message::Text(text.into())).await.map_err(|_| ())
}

async fn session(socket: WebSocket, state: HlState) {
    metrics::gauge!("sim_venue_ws_clients").increment(1.0);
    let (mut sink, mut stream) = socket.split();
    let mut drop_signal = state.app.drop_ws_signal();
    drop_signal.mark_unchanged();
    let (_, mut feed) = state.app.with_exchange_subscribed(|_| ());
    let mut s = Session::default();
    let mut books = tokio::time::interval(BOOK_EVERY);
    books.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    'session: loop {
        tokio::select! {
            incoming = stream.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                for reply in handle(&state, &mut s, text.as_str()) {
                    if send(&mut sink, &reply).await.is_err() {
                        break 'session;
                    }
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
                if let Some(msg) = translate(&state, &mut s, &o) {
                    if send(&mut sink, &msg).await.is_err() {
                        break;
                    }
                }
            }
            _ = books.tick() => {
                let dirty = std::mem::take(&mut s.dirty);
                for i in dirty {
                    let Some(b) = state.coin_of_index(i).and_then(|c| book(&state, c)) else {
                        continue;
                    };
                    if send(&mut sink, &WsMessage::L2Book(b)).await.is_err() {
                        break 'session;
                    }
                }
            }
            _ = drop_signal.changed() => break,
        }
    }
    let _ = sink.close().await;
    metrics::gauge!("sim_venue_ws_clients").decrement(1.0);
}
