//! WebSocket messages. Every frame is one JSON object with the protocol version `v` and a
//! `type` tag, e.g. `{"v":1,"type":"subscribe","markets":["SEI/USDC"]}`.

use super::{DeltaMsg, FillMsg, OrderUpdateMsg, SnapshotMsg, TradeMsg, PROTOCOL_VERSION};
use crate::signing::SignedHeaders;
use flashmm_core::market::MarketId;
use serde::{Deserialize, Serialize};

/// The signed proof of key ownership that authenticates a WebSocket session: headers signed
/// over `GET /ws/auth` with an empty body.
pub type WsAuth = SignedHeaders;

/// A message from client to venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Start market data of these markets: a snapshot each, then deltas and trades.
    Subscribe {
        /// The markets.
        markets: Vec<MarketId>,
    },
    /// Authenticate the session as the key's account: its order updates and fills follow,
    /// and cancel-on-disconnect applies to it when enabled.
    Auth {
        /// The signed headers.
        auth: WsAuth,
    },
    /// A liveness probe; the venue answers `pong` with the same id.
    Ping {
        /// Echoed back.
        id: u64,
    },
}

/// A message from venue to client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The subscription is active for these markets; their snapshots follow.
    Subscribed {
        /// The markets.
        markets: Vec<MarketId>,
    },
    /// The session is authenticated as this key.
    Authenticated {
        /// The key id.
        key_id: String,
    },
    /// The whole book of a market.
    Snapshot(SnapshotMsg),
    /// Changed levels of a market's book.
    Delta(DeltaMsg),
    /// A public trade.
    Trade(TradeMsg),
    /// A change of one of the session account's orders.
    Order(OrderUpdateMsg),
    /// A fill of one of the session account's orders.
    Fill(FillMsg),
    /// The answer to a `ping`.
    Pong {
        /// The ping's id.
        id: u64,
    },
    /// A refused client message; the session stays open.
    Error {
        /// What went wrong.
        code: super::ErrorCode,
        /// Explanation.
        message: String,
    },
}

/// A message with its protocol version, as framed on the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned<T> {
    /// The protocol version.
    pub v: u16,
    /// The message.
    #[serde(flatten)]
    pub msg: T,
}

impl<T> Versioned<T> {
    /// Frames `msg` with the current [`PROTOCOL_VERSION`].
    pub fn new(msg: T) -> Self {
        Versioned {
            v: PROTOCOL_VERSION,
            msg,
        }
    }
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Not valid JSON of a known message.
    #[error("malformed frame: {0}")]
    Json(#[from] serde_json::Error),
    /// A protocol version this build does not speak.
    #[error("unsupported protocol version {0}")]
    Version(u16),
}

/// Encodes a message as a versioned JSON text frame.
pub fn encode<T: Serialize>(msg: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Versioned::new(msg))
}

/// Decodes a versioned JSON text frame, refusing other versions.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, FrameError> {
    let framed: Versioned<T> = serde_json::from_str(text)?;
    if framed.v != PROTOCOL_VERSION {
        return Err(FrameError::Version(framed.v));
    }
    Ok(framed.msg)
}
