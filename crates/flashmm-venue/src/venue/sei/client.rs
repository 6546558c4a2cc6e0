//! [`SeiVenue`]: the [`Venue`] trait over Tendermint JSON-RPC.

use flashmm_core::market_event::MarketEvent;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use flashmm_core::book::BookSnapshot;
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Qty};
use flashmm_core::order::OrderStatus;
use flashmm_core::time::UnixNanos;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::events::{parse_book_attributes, parse_events, BOOK_EVENT, TRADE_EVENT};
use super::rpc::{self, Endpoints};
use super::tx::{SignedTx, TxBody, TxMsg};
use super::SeiVenueConfig;
use crate::protocol::{ApiError, ErrorCode, OrderRef};
use crate::signing::Signer;
use crate::venue::reconnect::{reconnecting, utc_ns, Connection, End, Link};
use crate::venue::{
    AssetBalance, EventStream, NewOrder, OrderReport, ReplaceOrder, Venue, VenueError, VenueEvent,
};

/// The `abci_query` path of a market's book (data: the market id, hex).
pub const BOOK_QUERY_PATH: &str = "/flashmm/book";
/// The CheckTx code of a transaction whose signature does not verify (Cosmos SDK's
/// `ErrUnauthorized`).
pub const CODE_UNAUTHORIZED: u64 = 4;
/// First JSON-RPC id of the snapshot queries on a subscription.
const SNAPSHOT_ID: u64 = 1_000;

/// A Sei chain reached through Tendermint RPC nodes.
#[derive(Debug)]
pub struct SeiVenue {
    config: SeiVenueConfig,
    endpoints: Arc<Endpoints>,
    signer: Option<Arc<Signer>>,
    /// Orders this client sent, by client id, as last known (for cancel and replace reports).
    orders: Mutex<HashMap<ClientOrderId, OrderReport>>,
}

impl SeiVenue {
    /// An adapter for `config`, signing transactions with `signer` when given.
    pub fn new(config: SeiVenueConfig, signer: Option<Arc<Signer>>) -> Self {
        SeiVenue {
            endpoints: Arc::new(Endpoints::new(config.endpoints.clone())),
            config,
            signer,
            orders: Mutex::new(HashMap::new()),
        }
    }

    fn spec(&self, market: &MarketId) -> Result<&MarketSpec, VenueError> {
        self.config
            .markets
            .iter()
            .find(|s| s.id() == market)
            .ok_or_else(|| VenueError::UnknownMarket(market.to_string()))
    }

    /// Signs and broadcasts `msg`; returns the transaction hash.
    async fn broadcast(&self, msg: TxMsg) -> Result<String, VenueError> {
        let signer = self.signer.as_ref().ok_or(VenueError::NoSigner)?;
        let ttl = i64::try_from(self.config.tx_ttl.as_nanos()).unwrap_or(i64::MAX);
        let body = TxBody {
            chain_id: self.config.chain_id.clone(),
            msg,
        };
        let tx = SignedTx::sign(&body, signer, utc_ns().saturating_add(ttl))
            .and_then(|t| t.encode())
            .map_err(|e| VenueError::Decode(e.to_string()))?;
        let result = self
            .endpoints
            .call(
                "broadcast_tx_sync",
                json!({ "tx": tx }),
                self.config.call_timeout,
            )
            .await?;
        let code = result.get("code").and_then(Value::as_u64).unwrap_or(0);
        let log = result
            .get("log")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if code != 0 {
            let kind = if code == CODE_UNAUTHORIZED {
                ErrorCode::BadSignature
            } else {
                ErrorCode::Rejected
            };
            return Err(VenueError::Api(ApiError::new(
                kind,
                format!("code {code}: {log}"),
            )));
        }
        result
            .get("hash")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| VenueError::Decode("broadcast answer without hash".into()))
    }

    fn known(&self, order: &OrderRef) -> Result<OrderReport, VenueError> {
        let orders = self
            .orders
            .lock()
            .map_err(|_| VenueError::Transport("order map poisoned".into()))?;
        let found = match order {
            OrderRef::ClientOrderId(id) => orders.get(id).cloned(),
            OrderRef::OrderId(id) => orders.values().find(|o| &o.venue_order_id == id).cloned(),
        };
        found.ok_or_else(|| {
            VenueError::Api(ApiError::new(
                ErrorCode::UnknownOrder,
                "not an order this client sent",
            ))
        })
    }

    fn remember(&self, report: &OrderReport) {
        if let Ok(mut orders) = self.orders.lock() {
            orders.insert(report.client_id.clone(), report.clone());
        }
    }
}

/// The `abci_query` parameters of a market's book.
fn book_query(market: &MarketId) -> Value {
    json!({"path": BOOK_QUERY_PATH, "data": hex::encode(market.as_str()), "prove": false})
}

/// A snapshot from an `abci_query` result: `response.value` is base64 of a JSON object of
/// book attributes.
fn snapshot_from(result: &Value, specs: &[MarketSpec]) -> Result<BookSnapshot, VenueError> {
    let response = result
        .get("response")
        .ok_or_else(|| VenueError::Decode("abci_query without response".into()))?;
    if let Some(code) = response
        .get("code")
        .and_then(Value::as_u64)
        .filter(|c| *c != 0)
    {
        return Err(VenueError::Decode(format!("abci_query code {code}")));
    }
    let value = response
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| VenueError::Decode("abci_query without value".into()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|e| VenueError::Decode(e.to_string()))?;
    let attrs: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|e| VenueError::Decode(e.to_string()))?;
    parse_book_attributes(&attrs, specs).map_err(|e| VenueError::Decode(e.to_string()))
}

#[async_trait]
impl Venue for SeiVenue {
    fn name(&self) -> &str {
        "sei"
    }

    fn markets(&self) -> &[MarketSpec] {
        &self.config.markets
    }

    async fn subscribe(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        let specs = markets
            .iter()
            .map(|m| self.spec(m).cloned())
            .collect::<Result<Vec<_>, _>>()?;
        let (tx, rx) = mpsc::channel(4096);
        let delays = (self.config.backoff_min, self.config.backoff_max);
        let subscription = Subscription {
            endpoints: self.endpoints.clone(),
            config: self.config.clone(),
            specs,
        };
        let task = tokio::spawn(reconnecting("Sei subscription", delays, subscription, tx));
        Ok(EventStream::new(rx, task))
    }

    async fn snapshot(&self, market: &MarketId) -> Result<BookSnapshot, VenueError> {
        let spec = self.spec(market)?.clone();
        let result = self
            .endpoints
            .call("abci_query", book_query(market), self.config.call_timeout)
            .await?;
        snapshot_from(&result, std::slice::from_ref(&spec))
    }

    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError> {
        let spec = self.spec(&order.market)?;
        let hash = self
            .broadcast(TxMsg::PlaceOrder {
                market: order.market.clone(),
                client_order_id: order.client_id.clone(),
                side: order.side,
                price: spec.price_to_decimal(order.price),
                size: spec.qty_to_decimal(order.qty),
                tif: order.tif,
            })
            .await?;
        let report = OrderReport {
            market: order.market.clone(),
            client_id: order.client_id.clone(),
            venue_order_id: VenueOrderId::new(hash)
                .map_err(|e| VenueError::Decode(e.to_string()))?,
            side: order.side,
            price: order.price,
            qty: order.qty,
            filled: Qty::from_lots(0),
            leaves: order.qty,
            tif: order.tif,
            status: OrderStatus::PendingNew,
            reason: None,
            ts: UnixNanos(utc_ns()),
            fills: Vec::new(),
        };
        self.remember(&report);
        Ok(report)
    }

    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError> {
        let mut report = self.known(order)?;
        self.broadcast(TxMsg::CancelOrder {
            market: market.clone(),
            order: order.clone(),
        })
        .await?;
        report.status = OrderStatus::PendingCancel;
        report.ts = UnixNanos(utc_ns());
        self.remember(&report);
        Ok(report)
    }

    async fn cancel_replace(&self, req: &ReplaceOrder) -> Result<OrderReport, VenueError> {
        let mut report = self.known(&req.order)?;
        let spec = self.spec(&req.market)?;
        let hash = self
            .broadcast(TxMsg::ReplaceOrder {
                market: req.market.clone(),
                order: req.order.clone(),
                price: spec.price_to_decimal(req.price),
                size: spec.qty_to_decimal(req.qty),
                new_client_order_id: req.new_client_id.clone(),
            })
            .await?;
        if let Some(id) = &req.new_client_id {
            report.client_id = id.clone();
            report.venue_order_id =
                VenueOrderId::new(hash).map_err(|e| VenueError::Decode(e.to_string()))?;
        }
        report.price = req.price;
        report.qty = req.qty;
        report.leaves = req.qty;
        report.status = OrderStatus::PendingNew;
        report.ts = UnixNanos(utc_ns());
        self.remember(&report);
        Ok(report)
    }

    async fn cancel_all(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        self.broadcast(TxMsg::CancelAll {
            market: market.cloned(),
        })
        .await?;
        let mut orders = self
            .orders
            .lock()
            .map_err(|_| VenueError::Transport("order map poisoned".into()))?;
        let ids: Vec<ClientOrderId> = orders
            .values()
            .filter(|o| market.is_none_or(|m| &o.market == m))
            .map(|o| o.client_id.clone())
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| orders.remove(id))
            .map(|mut o| {
                o.status = OrderStatus::PendingCancel;
                o
            })
            .collect())
    }

    async fn open_orders(
        &self,
        _market: Option<&MarketId>,
    ) -> Result<Vec<OrderReport>, VenueError> {
        Err(VenueError::Unsupported("open orders on the Sei adapter"))
    }

    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError> {
        Err(VenueError::Unsupported("balances on the Sei adapter"))
    }
}

/// The subscription task's connection: connect (with failover), subscribe, query snapshots,
/// forward events.
struct Subscription {
    endpoints: Arc<Endpoints>,
    config: SeiVenueConfig,
    specs: Vec<MarketSpec>,
}

impl Connection for Subscription {
    async fn run(&self, link: &mut Link<'_>) -> Result<Infallible, End> {
        let (endpoints, config, specs) = (&self.endpoints, &self.config, &self.specs);
        let (mut ws, _) = endpoints
            .connect(config.call_timeout)
            .await
            .map_err(End::lost)?;
        for (i, spec) in specs.iter().enumerate() {
            let m = spec.id().as_str();
            let book = format!("tm.event='Tx' AND {BOOK_EVENT}.market='{m}'");
            let trade = format!("tm.event='Tx' AND {TRADE_EVENT}.market='{m}'");
            let id = 2 * i as u64 + 1;
            for (id, query) in [(id, book), (id + 1, trade)] {
                rpc::send(&mut ws, id, "subscribe", json!({ "query": query }))
                    .await
                    .map_err(End::lost)?;
            }
            let snap_id = SNAPSHOT_ID + i as u64;
            rpc::send(&mut ws, snap_id, "abci_query", book_query(spec.id()))
                .await
                .map_err(End::lost)?;
        }
        link.connected().await?;
        while let Some(msg) = ws.next().await {
            let text = match msg {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(_)) => return Err(End::Lost("closed by node".into())),
                Ok(_) => continue,
                Err(e) => return Err(End::lost(e)),
            };
            let read_at = utc_ns();
            let v: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "Sei: undecodable message skipped");
                    continue;
                }
            };
            let id = v.get("id").and_then(Value::as_u64);
            let result = rpc::into_result(v).map_err(End::lost)?;
            let events = if id.is_some_and(|id| id >= SNAPSHOT_ID) {
                match snapshot_from(&result, specs) {
                    Ok(s) => vec![VenueEvent::Market(MarketEvent::Snapshot(s))],
                    Err(e) => return Err(End::Lost(format!("snapshot: {e}"))),
                }
            } else if let Some(map) = result.get("events") {
                let parsed = serde_json::from_value::<HashMap<String, Vec<String>>>(map.clone())
                    .map_err(|e| e.to_string())
                    .and_then(|m| parse_events(&m, specs).map_err(|e| e.to_string()));
                match parsed {
                    Ok(events) => events,
                    Err(e) => {
                        tracing::warn!(error = %e, "Sei: event skipped");
                        continue;
                    }
                }
            } else {
                continue;
            };
            for event in events {
                link.send(event, read_at).await?;
            }
        }
        Err(End::Lost("connection ended".into()))
    }
}
