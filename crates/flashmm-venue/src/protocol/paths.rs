//! REST and WebSocket paths, and the path form of market ids.

use flashmm_core::market::{MarketId, MarketIdError};

/// WebSocket endpoint: market data and, after `auth`, the account's events.
pub const WS: &str = "/ws";
/// `GET`: the listed markets and their specs (public).
pub const MARKETS: &str = "/api/v1/markets";
/// `GET /api/v1/book/{market}`: a book snapshot (public); `{market}` in path form.
pub const BOOK_PREFIX: &str = "/api/v1/book/";
/// `POST`: place an order (signed).
pub const ORDERS: &str = "/api/v1/orders";
/// `POST`: cancel one order (signed).
pub const CANCEL: &str = "/api/v1/orders/cancel";
/// `POST`: cancel-replace one order (signed).
pub const REPLACE: &str = "/api/v1/orders/replace";
/// `POST`: cancel all orders, of one market or all (signed).
pub const CANCEL_ALL: &str = "/api/v1/orders/cancel-all";
/// `GET`, optional `?market=`: the account's open orders (signed).
pub const OPEN_ORDERS: &str = "/api/v1/orders/open";
/// `GET`: the account's balances (signed).
pub const BALANCES: &str = "/api/v1/balances";
/// `GET ?since=NS`: the account's fills after a time (signed).
pub const FILLS: &str = "/api/v1/fills";
/// `GET`/`POST`: the fault injection settings (operator).
pub const ADMIN_FAULTS: &str = "/admin/faults";
/// The request path signed for a WebSocket `auth` message.
pub const WS_AUTH: &str = "/ws/auth";

/// A market id as one URL path segment or query value: `SEI/USDC` becomes `SEI-USDC`.
pub fn market_path_key(market: &MarketId) -> String {
    market.stream_key()
}

/// Parses the path form of a market id (`SEI-USDC`).
pub fn parse_market_path_key(key: &str) -> Result<MarketId, MarketIdError> {
    MarketId::from_stream_key(key)
}
