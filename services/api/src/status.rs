//! `GET /trading/status`: mode, pause and why, markets with our quotes, spread and last
//! prediction, model health, open orders and latency figures.

use std::collections::BTreeMap;

use flashmm_bus::BusError;
use flashmm_core::signal::{ModelState, Prediction};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{Latency, Quotes, TradingState};
use crate::reader::{Invalid, StateReader};

/// Inference's health of one market's model (from `{ns}:state:model`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelHealth {
    /// Whether a model serves the market.
    pub healthy: bool,
    /// The model serving.
    pub model_id: String,
    /// Why none serves, or the last failed reload.
    pub error: String,
    /// The live direction hit rate, when known.
    pub hit_rate: Option<f64>,
}

impl ModelHealth {
    fn from_fields(fields: &BTreeMap<String, String>, stream_key: &str) -> Self {
        let state = ModelState::from_fields(fields, stream_key);
        ModelHealth {
            healthy: state.health.healthy,
            model_id: state.health.model_id,
            error: state.health.error,
            hit_rate: state.hit_rate.rate,
        }
    }
}

/// One market in the status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketStatus {
    /// The market symbol, e.g. `SEI/USDC`.
    pub market: String,
    /// The mid when our quotes were set.
    pub mid: Option<Decimal>,
    /// Our spread, basis points of the mid.
    pub spread_bps: Option<Decimal>,
    /// Our quotes on the book; `None` when execution has not written any.
    pub quotes: Option<Quotes>,
    /// The model's last prediction.
    pub prediction: Option<Prediction>,
    /// The model's health.
    pub model: ModelHealth,
}

/// The body of `GET /trading/status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TradingStatus {
    /// The venue quotes go to: `sim`, `paper (binance spot: BTCUSDT, ETHUSDT)`,
    /// `hyperliquid testnet`, ...
    pub venue: String,
    /// `quoting`, `paused`, `killed`, `stopped` or `unknown`.
    pub mode: String,
    /// True when execution does not quote (paused, killed or stopped).
    pub paused: bool,
    /// True when the kill switch has tripped.
    pub killed: bool,
    /// Why it is in this mode.
    pub reason: String,
    /// When the mode last changed, UTC ns.
    pub updated_ts: i64,
    /// Every configured market.
    pub markets: Vec<MarketStatus>,
    /// Orders execution has open.
    pub open_orders: usize,
    /// Latency figures from execution, µs.
    pub latency: Latency,
    /// Values that did not decode.
    pub invalid: Vec<Invalid>,
}

impl TradingStatus {
    /// Reads the status from Redis.
    pub async fn read(reader: &StateReader) -> Result<Self, BusError> {
        let mut invalid = Vec::new();
        let trading: TradingState = reader.trading().await?;
        let mut quotes = reader.quotes(&mut invalid).await?;
        let model = reader.model().await?;
        let open_orders = reader.orders(&mut invalid).await?.len();
        let latency = reader.latency().await?;
        let mut markets = Vec::new();
        for spec in reader.markets() {
            let symbol = spec.id().as_str().to_owned();
            let q = quotes.remove(&symbol);
            markets.push(MarketStatus {
                mid: q.as_ref().and_then(|q| q.mid),
                spread_bps: q.as_ref().and_then(Quotes::spread_bps),
                quotes: q,
                prediction: reader.last_prediction(spec, &mut invalid).await?,
                model: ModelHealth::from_fields(&model, &spec.id().stream_key()),
                market: symbol,
            });
        }
        Ok(TradingStatus {
            venue: reader.venue().to_owned(),
            paused: trading.is_paused(),
            killed: trading.is_killed(),
            mode: trading.mode,
            reason: trading.reason,
            updated_ts: trading.updated_ts,
            markets,
            open_orders,
            latency,
            invalid,
        })
    }
}
