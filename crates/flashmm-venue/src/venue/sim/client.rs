//! The simulator client: REST calls and the subscription.

use super::stream::StreamSetup;
use super::SimVenueConfig;
use crate::protocol::{
    market_path_key, paths, ApiError, BalancesResponse, CancelAllRequest, CancelAllResponse,
    CancelRequest, MarketsResponse, OpenOrdersResponse, OrderAck, PlaceOrderRequest,
    ReplaceRequest, SnapshotMsg,
};
use crate::signing::Signer;
use crate::venue::reconnect::{reconnecting, utc_ns};
use crate::venue::{
    AssetBalance, EventStream, NewOrder, OrderRef, OrderReport, ReplaceOrder, Venue, VenueError,
};
use async_trait::async_trait;
use flashmm_core::book::BookSnapshot;
use flashmm_core::market::{MarketId, MarketSpec};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The [`Venue`] client of the simulator.
#[derive(Debug, Clone)]
pub struct SimVenue {
    config: SimVenueConfig,
    http: reqwest::Client,
    signer: Option<Arc<Signer>>,
    markets: Vec<MarketSpec>,
    stats: Arc<super::StreamStats>,
}

fn transport(e: reqwest::Error) -> VenueError {
    VenueError::Transport(e.to_string())
}

fn decode_err(e: impl std::fmt::Display) -> VenueError {
    VenueError::Decode(e.to_string())
}

impl SimVenue {
    /// Connects to the simulator: reads its market list. `signer` signs order entry and the
    /// WebSocket `auth`; without it only public market data works.
    pub async fn connect(
        config: SimVenueConfig,
        signer: Option<Arc<Signer>>,
    ) -> Result<Self, VenueError> {
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .no_proxy()
            .build()
            .map_err(transport)?;
        let mut venue = SimVenue {
            config,
            http,
            signer,
            markets: Vec::new(),
            stats: Arc::default(),
        };
        let listed: MarketsResponse = venue.get_public(paths::MARKETS).await?;
        venue.markets = listed.markets;
        Ok(venue)
    }

    /// Frames its subscriptions skipped, by kind.
    pub fn stream_stats(&self) -> Arc<super::StreamStats> {
        self.stats.clone()
    }

    /// The client's options.
    pub fn config(&self) -> &SimVenueConfig {
        &self.config
    }

    /// The spec of a listed market.
    pub fn spec(&self, market: &MarketId) -> Result<&MarketSpec, VenueError> {
        self.markets
            .iter()
            .find(|s| s.id() == market)
            .ok_or_else(|| VenueError::UnknownMarket(market.to_string()))
    }

    /// Starts the event stream of `markets`: their market data when `market_data`, and the
    /// account's own events when the venue has a signer.
    fn stream(&self, markets: &[MarketId], market_data: bool) -> Result<EventStream, VenueError> {
        let mut specs = Vec::with_capacity(markets.len());
        for m in markets {
            specs.push(self.spec(m)?.clone());
        }
        let (tx, rx) = mpsc::channel(self.config.channel_capacity.max(1));
        let setup = StreamSetup {
            config: self.config.clone(),
            signer: self.signer.clone(),
            specs,
            market_data,
            stats: self.stats.clone(),
        };
        let delays = (self.config.backoff_min, self.config.backoff_max);
        let task = tokio::spawn(reconnecting("sim venue stream", delays, setup, tx));
        Ok(EventStream::new(rx, task))
    }

    /// The fills of the account after `since_ns`, as wire messages.
    pub async fn fills_since(
        &self,
        since_ns: i64,
    ) -> Result<Vec<crate::protocol::FillMsg>, VenueError> {
        let path = format!("{}?since={since_ns}", paths::FILLS);
        let r: crate::protocol::FillsResponse = self.signed("GET", &path, None::<&()>).await?;
        Ok(r.fills)
    }

    async fn get_public<R: DeserializeOwned>(&self, path: &str) -> Result<R, VenueError> {
        let url = format!("{}{}", self.config.rest_url, path);
        let response = self.http.get(url).send().await.map_err(transport)?;
        read(response).await
    }

    /// Sends a signed request with a JSON body (or none) and reads the typed answer.
    async fn signed<B: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<R, VenueError> {
        let signer = self.signer.as_ref().ok_or(VenueError::NoSigner)?;
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(decode_err)?,
            None => Vec::new(),
        };
        let ttl = i64::try_from(self.config.request_ttl.as_nanos()).unwrap_or(i64::MAX);
        let headers = signer.sign(method, path, &bytes, utc_ns().saturating_add(ttl));
        let url = format!("{}{}", self.config.rest_url, path);
        let mut request = match method {
            "GET" => self.http.get(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json"),
        };
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        if !bytes.is_empty() {
            request = request.body(bytes);
        }
        let response = request.send().await.map_err(transport)?;
        read(response).await
    }

    fn ack_report(&self, ack: &OrderAck) -> Result<OrderReport, VenueError> {
        let spec = self.spec(&ack.order.market)?;
        OrderReport::from_wire(spec, &ack.order, &ack.fills).map_err(decode_err)
    }

    fn update_reports(
        &self,
        updates: &[crate::protocol::OrderUpdateMsg],
    ) -> Result<Vec<OrderReport>, VenueError> {
        updates
            .iter()
            .map(|u| {
                let spec = self.spec(&u.market)?;
                OrderReport::from_wire(spec, u, &[]).map_err(decode_err)
            })
            .collect()
    }
}

async fn read<R: DeserializeOwned>(response: reqwest::Response) -> Result<R, VenueError> {
    let status = response.status();
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(decode_err);
    }
    match serde_json::from_slice::<ApiError>(&body) {
        Ok(e) => Err(VenueError::Api(e)),
        Err(_) => Err(VenueError::Http {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&body).chars().take(512).collect(),
        }),
    }
}

#[async_trait]
impl Venue for SimVenue {
    fn name(&self) -> &str {
        "sim"
    }

    fn markets(&self) -> &[MarketSpec] {
        &self.markets
    }

    async fn subscribe(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        self.stream(markets, true)
    }

    async fn account_events(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        self.stream(markets, false)
    }

    async fn snapshot(&self, market: &MarketId) -> Result<BookSnapshot, VenueError> {
        let spec = self.spec(market)?;
        let path = format!("{}{}", paths::BOOK_PREFIX, market_path_key(market));
        let snap: SnapshotMsg = self.get_public(&path).await?;
        snap.to_core(spec).map_err(decode_err)
    }

    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError> {
        let spec = self.spec(&order.market)?;
        let req = PlaceOrderRequest {
            market: order.market.clone(),
            client_order_id: order.client_id.clone(),
            side: order.side,
            price: spec.price_to_decimal(order.price),
            size: spec.qty_to_decimal(order.qty),
            tif: order.tif,
        };
        let ack: OrderAck = self.signed("POST", paths::ORDERS, Some(&req)).await?;
        self.ack_report(&ack)
    }

    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError> {
        let req = CancelRequest {
            market: market.clone(),
            order: order.clone(),
        };
        let ack: OrderAck = self.signed("POST", paths::CANCEL, Some(&req)).await?;
        self.ack_report(&ack)
    }

    async fn cancel_replace(&self, r: &ReplaceOrder) -> Result<OrderReport, VenueError> {
        let spec = self.spec(&r.market)?;
        let req = ReplaceRequest {
            market: r.market.clone(),
            order: r.order.clone(),
            price: spec.price_to_decimal(r.price),
            size: spec.qty_to_decimal(r.qty),
            new_client_order_id: r.new_client_id.clone(),
        };
        let ack: OrderAck = self.signed("POST", paths::REPLACE, Some(&req)).await?;
        self.ack_report(&ack)
    }

    async fn fills(&self, since_ns: i64) -> Result<Vec<flashmm_core::order::Fill>, VenueError> {
        let mut fills = Vec::new();
        for f in self.fills_since(since_ns).await? {
            let spec = self.spec(&f.market)?;
            fills.push(f.to_core(spec).map_err(decode_err)?);
        }
        Ok(fills)
    }

    async fn cancel_all(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        let req = CancelAllRequest {
            market: market.cloned(),
        };
        let r: CancelAllResponse = self.signed("POST", paths::CANCEL_ALL, Some(&req)).await?;
        self.update_reports(&r.cancelled)
    }

    async fn open_orders(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        let path = match market {
            Some(m) => format!("{}?market={}", paths::OPEN_ORDERS, market_path_key(m)),
            None => paths::OPEN_ORDERS.to_owned(),
        };
        let r: OpenOrdersResponse = self.signed("GET", &path, None::<&()>).await?;
        self.update_reports(&r.orders)
    }

    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError> {
        let r: BalancesResponse = self.signed("GET", paths::BALANCES, None::<&()>).await?;
        Ok(r.balances
            .into_iter()
            .map(|b| AssetBalance {
                asset: b.asset,
                available: b.available,
                reserved: b.reserved,
            })
            .collect())
    }
}
