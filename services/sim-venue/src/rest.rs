//! REST handlers: parse, authenticate, hand the request to the exchange, answer.

use crate::error::HttpError;
use crate::state::{now_ns, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::Json;
use flashmm_sim::account::AccountId;
use flashmm_sim::exchange::{Exchange, Outbound};
use flashmm_venue::protocol::{
    parse_market_path_key, ApiError, BalancesResponse, CancelAllRequest, CancelAllResponse,
    CancelRequest, ErrorCode, FillsResponse, MarketsResponse, OpenOrdersResponse, OrderAck,
    PlaceOrderRequest, ReplaceRequest, SnapshotMsg,
};
use flashmm_venue::signing::SignedHeaders;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::time::Duration;

/// `GET /api/v1/markets`.
pub async fn markets(State(state): State<AppState>) -> Json<MarketsResponse> {
    Json(state.with_exchange(|ex, _| ex.markets()))
}

/// `GET /api/v1/book/{market}`.
pub async fn book(
    State(state): State<AppState>,
    Path(market): Path<String>,
) -> Result<Json<SnapshotMsg>, HttpError> {
    let market = parse_market_path_key(&market)
        .map_err(|e| ApiError::new(ErrorCode::UnknownMarket, e.to_string()))?;
    let now = now_ns();
    Ok(Json(
        state.with_exchange(|ex, _| ex.snapshot(&market, now))?,
    ))
}

/// Authenticates a request from its headers, method, path with query, and raw body.
fn authenticate(
    ex: &mut Exchange,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<AccountId, ApiError> {
    let signed = SignedHeaders::from_lookup(|name| headers.get(name)?.to_str().ok())?;
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    ex.authenticate(method.as_str(), path, body, &signed, now)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))
}

type Handler<T, R> =
    fn(&mut Exchange, AccountId, &T, i64, &mut Vec<Outbound>) -> Result<R, ApiError>;

/// The common path of an order request: authenticate, maybe refuse by fault, run, publish,
/// then delay or drop the acknowledgement by fault.
async fn order_request<T: DeserializeOwned, R>(
    state: &AppState,
    op: &'static str,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    handler: Handler<T, R>,
) -> Result<Json<R>, HttpError> {
    let sent = now_ns();
    let wait = state.order_arrival(sent).saturating_sub(sent);
    if wait > 0 {
        tokio::time::sleep(Duration::from_nanos(wait.unsigned_abs())).await;
    }
    let now = now_ns();
    metrics::counter!("sim_venue_orders_total", "op" => op).increment(1);
    let result = state.with_exchange(|ex, out| {
        let account = authenticate(ex, &method, &uri, &headers, &body, now)?;
        let req: T = parse(&body)?;
        if state.with_faults(|f| f.draw_reject()) {
            metrics::counter!("sim_venue_faults_total", "kind" => "reject").increment(1);
            return Err(ApiError::new(
                ErrorCode::InjectedReject,
                "rejected by an injected fault",
            ));
        }
        handler(ex, account, &req, now, out)
    });
    let (delay, drop) = state.with_faults(|f| (f.ack_delay_ms(), f.draw_ack_drop()));
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let response = result?;
    if drop {
        metrics::counter!("sim_venue_faults_total", "kind" => "ack_drop").increment(1);
        return Err(ApiError::new(
            ErrorCode::AckDropped,
            "acknowledgement dropped by an injected fault",
        )
        .into());
    }
    Ok(Json(response))
}

/// `POST /api/v1/orders`.
pub async fn place(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrderAck>, HttpError> {
    let handler: Handler<PlaceOrderRequest, OrderAck> =
        |ex, account, req, now, out| ex.place(account, req, now, out);
    order_request(&state, "place", method, uri, headers, body, handler).await
}

/// `POST /api/v1/orders/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrderAck>, HttpError> {
    let handler: Handler<CancelRequest, OrderAck> =
        |ex, account, req, now, out| ex.cancel(account, req, now, out);
    order_request(&state, "cancel", method, uri, headers, body, handler).await
}

/// `POST /api/v1/orders/replace`.
pub async fn replace(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrderAck>, HttpError> {
    let handler: Handler<ReplaceRequest, OrderAck> =
        |ex, account, req, now, out| ex.replace(account, req, now, out);
    order_request(&state, "replace", method, uri, headers, body, handler).await
}

/// `POST /api/v1/orders/cancel-all`.
pub async fn cancel_all(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CancelAllResponse>, HttpError> {
    let handler: Handler<CancelAllRequest, CancelAllResponse> =
        |ex, account, req, now, out| ex.cancel_all(account, req.market.as_ref(), now, out);
    order_request(&state, "cancel_all", method, uri, headers, body, handler).await
}

/// Query of `GET /api/v1/orders/open`.
#[derive(Debug, Deserialize)]
pub struct MarketQuery {
    /// Path form of a market (`SEI-USDC`).
    market: Option<String>,
}

/// Query of `GET /api/v1/fills`.
#[derive(Debug, Deserialize)]
pub struct SinceQuery {
    /// UTC ns; fills after it.
    #[serde(default)]
    since: i64,
}

/// A signed read-only request.
fn signed_read<R>(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    read: impl FnOnce(&mut Exchange, AccountId, i64) -> Result<R, ApiError>,
) -> Result<Json<R>, HttpError> {
    let now = now_ns();
    let result = state.with_exchange(|ex, _| {
        let account = authenticate(ex, method, uri, headers, b"", now)?;
        read(ex, account, now)
    })?;
    Ok(Json(result))
}

/// `GET /api/v1/orders/open`.
pub async fn open_orders(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<MarketQuery>,
) -> Result<Json<OpenOrdersResponse>, HttpError> {
    let market = q
        .market
        .map(|m| parse_market_path_key(&m))
        .transpose()
        .map_err(|e| ApiError::new(ErrorCode::UnknownMarket, e.to_string()))?;
    signed_read(&state, &method, &uri, &headers, |ex, account, now| {
        ex.open_orders(account, market.as_ref(), now)
    })
}

/// `GET /api/v1/balances`.
pub async fn balances(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<BalancesResponse>, HttpError> {
    signed_read(&state, &method, &uri, &headers, |ex, account, _| {
        Ok(ex.balances(account))
    })
}

/// `GET /api/v1/fills`.
pub async fn fills(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<SinceQuery>,
) -> Result<Json<FillsResponse>, HttpError> {
    signed_read(&state, &method, &uri, &headers, |ex, account, _| {
        Ok(ex.fills_since(account, q.since))
    })
}
