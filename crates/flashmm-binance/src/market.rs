//! Which Binance market (spot or USD-M futures), its default endpoints and its rules.

use crate::sync::Continuity;
use std::str::FromStr;

/// Binance spot's WebSocket base (combined streams at `/stream?streams=...`).
pub const SPOT_WS_URL: &str = "wss://stream.binance.com:9443";
/// Binance spot's REST base.
pub const SPOT_REST_URL: &str = "https://api.binance.com";
/// Binance USD-M futures' WebSocket base (combined streams at `/stream?streams=...`).
pub const USDM_WS_URL: &str = "wss://fstream.binance.com";
/// Binance USD-M futures' REST base.
pub const USDM_REST_URL: &str = "https://fapi.binance.com";

/// A Binance market whose public data the feed reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinanceMarket {
    /// Spot.
    Spot,
    /// USD-M (USDⓈ-margined) futures.
    UsdM,
}

impl BinanceMarket {
    /// The name used on the command line: `spot` or `usdm`.
    pub fn name(self) -> &'static str {
        match self {
            BinanceMarket::Spot => "spot",
            BinanceMarket::UsdM => "usdm",
        }
    }

    /// The venue's WebSocket base URL.
    pub fn default_ws_url(self) -> &'static str {
        match self {
            BinanceMarket::Spot => SPOT_WS_URL,
            BinanceMarket::UsdM => USDM_WS_URL,
        }
    }

    /// The venue's REST base URL.
    pub fn default_rest_url(self) -> &'static str {
        match self {
            BinanceMarket::Spot => SPOT_REST_URL,
            BinanceMarket::UsdM => USDM_REST_URL,
        }
    }

    /// The REST path of a depth snapshot (`?symbol=..&limit=..`).
    pub fn depth_path(self) -> &'static str {
        match self {
            BinanceMarket::Spot => "/api/v3/depth",
            BinanceMarket::UsdM => "/fapi/v1/depth",
        }
    }

    /// The REST path of the exchange information (tick and lot of each symbol).
    pub fn exchange_info_path(self) -> &'static str {
        match self {
            BinanceMarket::Spot => "/api/v3/exchangeInfo",
            BinanceMarket::UsdM => "/fapi/v1/exchangeInfo",
        }
    }

    /// The deepest snapshot the venue serves (spot 5000 levels, USD-M 1000).
    pub fn max_depth_limit(self) -> u32 {
        match self {
            BinanceMarket::Spot => 5000,
            BinanceMarket::UsdM => 1000,
        }
    }

    /// How the market's diffs chain.
    pub fn continuity(self) -> Continuity {
        match self {
            BinanceMarket::Spot => Continuity::Spot,
            BinanceMarket::UsdM => Continuity::UsdM,
        }
    }

    /// The streams of a symbol: 100 ms depth diffs, trades and the book ticker.
    pub fn streams(self, symbol: &str) -> [String; 3] {
        let s = symbol.to_ascii_lowercase();
        [
            format!("{s}@depth@100ms"),
            format!("{s}@trade"),
            format!("{s}@bookTicker"),
        ]
    }
}

/// A market name that is neither `spot` nor `usdm`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Binance market `{0}` (spot or usdm)")]
pub struct UnknownMarket(pub String);

impl FromStr for BinanceMarket {
    type Err = UnknownMarket;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "spot" => Ok(BinanceMarket::Spot),
            "usdm" | "usd-m" | "futures" => Ok(BinanceMarket::UsdM),
            _ => Err(UnknownMarket(s.to_owned())),
        }
    }
}

impl std::fmt::Display for BinanceMarket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
