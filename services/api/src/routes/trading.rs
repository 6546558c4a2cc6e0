//! `GET /trading/status`, `/trading/positions`, `/trading/orders`, `/trading/pnl`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::contract::{Pnl, Position};
use crate::error::ApiError;
use crate::pnl_history::PnlSample;
use crate::reader::Invalid;
use crate::state::AppState;
use crate::status::TradingStatus;

/// `GET /trading/status`.
pub async fn status(State(app): State<Arc<AppState>>) -> Result<Json<TradingStatus>, ApiError> {
    Ok(Json(TradingStatus::read(&app.reader).await?))
}

/// The body of `GET /trading/positions`.
#[derive(Debug, Serialize)]
pub struct Positions {
    /// Positions by market, in market order.
    pub positions: Vec<Position>,
    /// Values that did not decode.
    pub invalid: Vec<Invalid>,
}

/// `GET /trading/positions`.
pub async fn positions(State(app): State<Arc<AppState>>) -> Result<Json<Positions>, ApiError> {
    let mut invalid = Vec::new();
    let positions = app
        .reader
        .positions(&mut invalid)
        .await?
        .into_values()
        .collect();
    Ok(Json(Positions { positions, invalid }))
}

/// The body of `GET /trading/orders`.
#[derive(Debug, Serialize)]
pub struct Orders {
    /// Open orders, each as execution wrote it plus its `client_order_id`.
    pub orders: Vec<serde_json::Value>,
    /// How many.
    pub count: usize,
    /// Values that did not decode.
    pub invalid: Vec<Invalid>,
}

/// `GET /trading/orders`.
pub async fn orders(State(app): State<Arc<AppState>>) -> Result<Json<Orders>, ApiError> {
    let mut invalid = Vec::new();
    let orders: Vec<serde_json::Value> = app
        .reader
        .orders(&mut invalid)
        .await?
        .into_iter()
        .map(|(id, mut order)| {
            if let Some(object) = order.as_object_mut() {
                object
                    .entry("client_order_id")
                    .or_insert(serde_json::Value::String(id));
            }
            order
        })
        .collect();
    Ok(Json(Orders {
        count: orders.len(),
        orders,
        invalid,
    }))
}

/// The body of `GET /trading/pnl`.
#[derive(Debug, Serialize)]
pub struct PnlReport {
    /// The total over every market.
    pub total: Option<Pnl>,
    /// By market symbol.
    pub markets: BTreeMap<String, Pnl>,
    /// The sampled total, oldest first (in memory, since the API started).
    pub history: Vec<PnlSample>,
    /// The sampled P&L of each market, oldest first.
    pub market_history: BTreeMap<String, Vec<PnlSample>>,
    /// Period of the samples, ms.
    pub sample_interval_ms: u64,
    /// Most samples kept.
    pub history_capacity: usize,
    /// Values that did not decode.
    pub invalid: Vec<Invalid>,
}

/// `GET /trading/pnl`: realised, unrealised, fees and net per market and total, with history.
pub async fn pnl(State(app): State<Arc<AppState>>) -> Result<Json<PnlReport>, ApiError> {
    let mut invalid = Vec::new();
    let mut markets = app.reader.pnl(&mut invalid).await?;
    let total = markets.remove("total");
    Ok(Json(PnlReport {
        total,
        markets,
        history: app.pnl_history.all(),
        market_history: app
            .market_pnl_history
            .iter()
            .map(|(market, h)| (market.clone(), h.all()))
            .collect(),
        sample_interval_ms: app.api.ws_interval_ms,
        history_capacity: app.pnl_history.capacity(),
        invalid,
    }))
}
