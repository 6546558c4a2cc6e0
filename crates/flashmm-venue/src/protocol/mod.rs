//! The simulator's wire protocol, version [`PROTOCOL_VERSION`]: JSON messages over WebSocket
//! for market data and account events, JSON over REST under `/api/v1` for order entry.
//!
//! Prices, sizes, fees and balances travel as decimal strings, so nothing is rounded on the
//! wire; [`WireLevel`] and the `*_from`/`to_*` helpers convert them with the market's
//! [`MarketSpec`](flashmm_core::market::MarketSpec) into ticks and lots.

mod account;
mod error;
mod level;
mod market_data;
pub mod paths;
mod rest;
mod ws;

pub use account::{FillMsg, OrderStatusWire, OrderUpdateMsg};
pub use error::{ApiError, ErrorCode};
pub use level::WireLevel;
pub use market_data::{DeltaMsg, SnapshotMsg, TradeMsg, WireConversionError};
pub use paths::{market_path_key, parse_market_path_key};
pub use rest::{
    BalanceEntry, BalancesResponse, CancelAllRequest, CancelAllResponse, CancelRequest,
    FillsResponse, MarketsResponse, OpenOrdersResponse, OrderAck, OrderRef, PlaceOrderRequest,
    ReplaceRequest,
};
pub use ws::{decode, encode, ClientMessage, FrameError, ServerMessage, Versioned, WsAuth};

/// The protocol version: the `v` field of every WebSocket message and the `/api/v1` prefix.
pub const PROTOCOL_VERSION: u16 = 1;
