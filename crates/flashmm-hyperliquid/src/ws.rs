//! The WebSocket's messages: what FlashMM sends (subscriptions, `post` requests) and what it
//! reads (`{"channel": ..., "data": ...}`).

use crate::action::ExchangeRequest;
use crate::exchange::ExchangeResponse;
use crate::info::{Fill, L2Book, Level, Side};
use crate::{Address, Cloid};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A feed to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Subscription {
    /// Book snapshots of a coin.
    L2Book {
        /// The coin.
        coin: String,
    },
    /// Trades of a coin.
    Trades {
        /// The coin.
        coin: String,
    },
    /// Best bid and offer of a coin, when they change.
    Bbo {
        /// The coin.
        coin: String,
    },
    /// The user's order updates.
    OrderUpdates {
        /// The user.
        user: Address,
    },
    /// The user's fills (a snapshot first).
    UserFills {
        /// The user.
        user: Address,
    },
}

/// A message FlashMM sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum WsRequest {
    /// `{"method": "subscribe", "subscription": {...}}`.
    Subscribe {
        /// The feed.
        subscription: Subscription,
    },
    /// `{"method": "unsubscribe", "subscription": {...}}`.
    Unsubscribe {
        /// The feed.
        subscription: Subscription,
    },
    /// `{"method": "post", "id": n, "request": {"type", "payload"}}`: an `/info` or
    /// `/exchange` request over the socket; the answer comes on the `post` channel with the
    /// same id.
    Post {
        /// Matches the answer to the request.
        id: u64,
        /// The request.
        request: PostRequest,
    },
    /// `{"method": "ping"}`: answered on the `pong` channel.
    Ping,
}

/// The request of a `post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "camelCase")]
pub enum PostRequest {
    /// An `/info` request body.
    Info(serde_json::Value),
    /// A signed action: the `/exchange` request body.
    Action(ExchangeRequest),
}

/// The answer of a `post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "camelCase")]
pub enum PostResponse {
    /// An `/info` answer.
    Info(serde_json::Value),
    /// An `/exchange` answer.
    Action(ExchangeResponse),
    /// The request could not be handled: the reason.
    Error(String),
}

/// `{"id", "response"}` of the `post` channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostAnswer {
    /// The request's id.
    pub id: u64,
    /// The answer.
    pub response: PostResponse,
}

/// One trade of the `trades` channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsTrade {
    /// The coin.
    pub coin: String,
    /// The aggressor's side.
    pub side: Side,
    /// Price.
    pub px: Decimal,
    /// Size.
    pub sz: Decimal,
    /// The L1 transaction hash.
    pub hash: String,
    /// Venue time, UTC milliseconds.
    pub time: u64,
    /// Trade id (a hash of the two order ids).
    pub tid: u64,
    /// `[buyer, seller]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<[Address; 2]>,
}

/// The `bbo` channel: the best bid and ask, either absent on an empty side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsBbo {
    /// The coin.
    pub coin: String,
    /// Venue time, UTC milliseconds.
    pub time: u64,
    /// `[bid, ask]`.
    pub bbo: [Option<Level>; 2],
}

/// An order's state in an `orderUpdates` message: `open`, `filled`, `canceled`,
/// `triggered`, `rejected`, `marginCanceled`, and the venue's finer reasons (`…Canceled`,
/// `…Rejected`, `scheduledCancel`), kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderStatus(pub String);

impl OrderStatus {
    /// Resting on the book.
    pub fn is_open(&self) -> bool {
        self.0 == "open"
    }

    /// Filled completely.
    pub fn is_filled(&self) -> bool {
        self.0 == "filled"
    }

    /// Cancelled, by the user or the venue (`canceled`, `…Canceled`, `scheduledCancel`).
    pub fn is_canceled(&self) -> bool {
        self.0 == "canceled" || self.0.ends_with("Canceled") || self.0 == "scheduledCancel"
    }

    /// Refused (`rejected`, `…Rejected`).
    pub fn is_rejected(&self) -> bool {
        self.0 == "rejected" || self.0.ends_with("Rejected")
    }

    /// No longer on the book, whatever the reason.
    pub fn is_terminal(&self) -> bool {
        self.is_filled() || self.is_canceled() || self.is_rejected()
    }
}

/// The order of an `orderUpdates` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsBasicOrder {
    /// The coin.
    pub coin: String,
    /// Buy or sell.
    pub side: Side,
    /// Limit price.
    pub limit_px: Decimal,
    /// Size still open.
    pub sz: Decimal,
    /// The venue's order id.
    pub oid: u64,
    /// Placement time, UTC milliseconds.
    pub timestamp: u64,
    /// Size when placed.
    pub orig_sz: Decimal,
    /// The order's cloid, when it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloid: Option<Cloid>,
}

/// One entry of the `orderUpdates` channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsOrder {
    /// The order.
    pub order: WsBasicOrder,
    /// Its new state.
    pub status: OrderStatus,
    /// When it changed, UTC milliseconds.
    pub status_timestamp: u64,
}

/// The `userFills` channel: a snapshot first (`isSnapshot: true`), then new fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsUserFills {
    /// Whether this is the snapshot sent on subscribing (fills possibly seen before).
    #[serde(default)]
    pub is_snapshot: bool,
    /// The user.
    pub user: Address,
    /// The fills.
    pub fills: Vec<Fill>,
}

/// A message FlashMM reads: `{"channel": ..., "data": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", content = "data", rename_all = "camelCase")]
pub enum WsMessage {
    /// A subscription was accepted: the subscription request echoed.
    SubscriptionResponse(serde_json::Value),
    /// A book snapshot.
    L2Book(L2Book),
    /// Trades.
    Trades(Vec<WsTrade>),
    /// Best bid and offer.
    Bbo(WsBbo),
    /// Order updates.
    OrderUpdates(Vec<WsOrder>),
    /// Fills.
    UserFills(WsUserFills),
    /// The answer of a `post`.
    Post(PostAnswer),
    /// The answer of a ping.
    Pong,
    /// The venue could not handle a message: the reason.
    Error(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Status;
    use std::str::FromStr;

    fn read(json: &str) -> WsMessage {
        serde_json::from_str(json).expect("ws message")
    }

    #[test]
    fn reads_market_data() {
        let book = read(
            r#"{"channel":"l2Book","data":{"coin":"@107","time":1717171717123,"levels":[[{"px":"0.4213","sz":"1000.0","n":3}],[{"px":"0.4217","sz":"250.5","n":1}]]}}"#,
        );
        assert!(matches!(book, WsMessage::L2Book(ref b) if b.asks()[0].n == 1));

        let trades = read(
            r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"64012.0","sz":"0.0012","hash":"0x3d4770d0527317ef77c404017559cb0103000b34010cc95e97b437cbc3b6087a","time":1717171717123,"tid":118906512037719,"users":["0x7e5f4552091a69125d5dfcb7b8c2659029395bdf","0x2b5ad5c4795c026514f8317c7a215e218dccd6cf"]}]}"#,
        );
        let WsMessage::Trades(trades) = trades else {
            panic!("trades")
        };
        assert_eq!(trades[0].side, Side::Bid);
        assert_eq!(trades[0].px, Decimal::from(64_012));

        let bbo = read(
            r#"{"channel":"bbo","data":{"coin":"BTC","time":1717171717123,"bbo":[{"px":"64011.0","sz":"1.5","n":4},null]}}"#,
        );
        let WsMessage::Bbo(bbo) = bbo else {
            panic!("bbo")
        };
        assert!(bbo.bbo[0].is_some() && bbo.bbo[1].is_none());
    }

    #[test]
    fn reads_user_data() {
        let updates = read(
            r#"{"channel":"orderUpdates","data":[{"order":{"coin":"@107","side":"A","limitPx":"0.42138","sz":"0.0","oid":91490942,"timestamp":1717171717000,"origSz":"250.0","cloid":"0x31f0fd4df66403362e7be692f9043936"},"status":"filled","statusTimestamp":1717171718000},{"order":{"coin":"@107","side":"B","limitPx":"0.4213","sz":"100.0","oid":91490943,"timestamp":1717171717000,"origSz":"100.0"},"status":"badAloPxRejected","statusTimestamp":1717171717001}]}"#,
        );
        let WsMessage::OrderUpdates(updates) = updates else {
            panic!("orderUpdates")
        };
        assert!(updates[0].status.is_filled() && updates[0].status.is_terminal());
        assert!(updates[0].order.cloid.is_some());
        assert!(updates[1].status.is_rejected() && !updates[1].status.is_open());
        assert!(OrderStatus("marginCanceled".into()).is_canceled());

        let fills = read(
            r#"{"channel":"userFills","data":{"isSnapshot":true,"user":"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf","fills":[{"coin":"@107","px":"0.42137","sz":"1250.5","side":"B","time":1717171717500,"startPosition":"0.0","dir":"Buy","closedPnl":"0.0","hash":"0x00","oid":91490942,"crossed":false,"fee":"-0.0105","tid":118906512037719,"feeToken":"USDC"}]}}"#,
        );
        let WsMessage::UserFills(fills) = fills else {
            panic!("userFills")
        };
        assert!(fills.is_snapshot);
        assert_eq!(fills.fills[0].sz, Decimal::from_str("1250.5").expect("sz"));
        let streamed = read(
            r#"{"channel":"userFills","data":{"user":"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf","fills":[]}}"#,
        );
        assert!(matches!(streamed, WsMessage::UserFills(ref f) if !f.is_snapshot));
    }

    #[test]
    fn reads_post_answers_pong_and_errors() {
        let post = read(
            r#"{"channel":"post","data":{"id":7,"response":{"type":"action","payload":{"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":88383}}]}}}}}}"#,
        );
        let WsMessage::Post(answer) = post else {
            panic!("post")
        };
        assert_eq!(answer.id, 7);
        let PostResponse::Action(response) = answer.response else {
            panic!("action")
        };
        assert!(matches!(response.statuses()[0], Status::Resting(_)));
        let info = read(
            r#"{"channel":"post","data":{"id":8,"response":{"type":"info","payload":{"type":"l2Book","data":{}}}}}"#,
        );
        assert!(matches!(info, WsMessage::Post(PostAnswer { id: 8, .. })));
        assert_eq!(read(r#"{"channel":"pong"}"#), WsMessage::Pong);
        assert!(matches!(
            read(r#"{"channel":"error","data":"Invalid subscription"}"#),
            WsMessage::Error(_)
        ));
        assert!(matches!(
            read(
                r#"{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}}"#
            ),
            WsMessage::SubscriptionResponse(_)
        ));
    }

    #[test]
    fn writes_requests() {
        let user: Address = "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
            .parse()
            .expect("address");
        let sub = WsRequest::Subscribe {
            subscription: Subscription::OrderUpdates { user },
        };
        assert_eq!(
            serde_json::to_string(&sub).expect("json"),
            r#"{"method":"subscribe","subscription":{"type":"orderUpdates","user":"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"}}"#
        );
        let book = WsRequest::Subscribe {
            subscription: Subscription::L2Book {
                coin: "@107".into(),
            },
        };
        assert_eq!(
            serde_json::to_string(&book).expect("json"),
            r#"{"method":"subscribe","subscription":{"type":"l2Book","coin":"@107"}}"#
        );
        assert_eq!(
            serde_json::to_string(&WsRequest::Ping).expect("json"),
            r#"{"method":"ping"}"#
        );
        let post = WsRequest::Post {
            id: 3,
            request: PostRequest::Info(serde_json::json!({"type": "openOrders", "user": user})),
        };
        assert_eq!(
            serde_json::to_string(&post).expect("json"),
            r#"{"method":"post","id":3,"request":{"type":"info","payload":{"type":"openOrders","user":"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"}}}"#
        );
    }
}
