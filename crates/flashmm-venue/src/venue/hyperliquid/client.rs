//! [`HyperliquidVenue`]: `/info` and `/exchange` over HTTP, and the [`Venue`] trait.

use super::convert::{book_snapshot, fill_to_core, ms_to_ns, now_ms, side_of};
use super::ids::{Known, OrderIds};
use super::pace::{exchange_weight, info_weight, WeightPacer};
use super::stream::StreamSetup;
use super::{HlMarket, HyperliquidConfig};
use crate::protocol::{ApiError, ErrorCode};
use crate::venue::reconnect::reconnecting;
use crate::venue::sim::StreamStats;
use crate::venue::{
    AssetBalance, EventStream, NewOrder, OrderRef, OrderReport, ReplaceOrder, Venue, VenueError,
};
use async_trait::async_trait;
use flashmm_core::book::BookSnapshot;
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::{MarketId, MarketSpec, Qty, Side};
use flashmm_core::order::{Fill, OrderStatus, RejectReason, TimeInForce};
use flashmm_core::time::UnixNanos;
use flashmm_hyperliquid::exchange::Status;
use flashmm_hyperliquid::info::{self, L2Book, Meta, OpenOrder, SpotClearinghouseState, SpotMeta};
use flashmm_hyperliquid::{
    Action, Address, AddressBudget, CancelByCloidWire, CancelWire, Cloid, ExchangeRequest,
    ExchangeResponse, L1Context, NonceSeq, OrderRequest, Signer, Tif, UserRateLimit,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Fills one `userFillsByTime` answer holds at most; a full page asks for the next.
const FILL_PAGE: usize = 2000;

/// The shortest dead man's switch the client sets: the venue's minimum of 5 s plus a
/// margin for the clocks and the request's flight.
pub const MIN_SCHEDULE: std::time::Duration = std::time::Duration::from_millis(5_500);

/// The venue's answer to a cancel of an order it does not have.
pub const NOT_OPEN: &str = "Order was never placed, already canceled, or filled.";

/// The [`Venue`] client of Hyperliquid.
#[derive(Debug, Clone)]
pub struct HyperliquidVenue {
    inner: Arc<Inner>,
}

/// What the client and its connection tasks share.
#[derive(Debug)]
pub(crate) struct Inner {
    pub config: HyperliquidConfig,
    http: reqwest::Client,
    signer: Option<Signer>,
    /// The account queried: the configured master address, else the signer's.
    pub user: Option<Address>,
    pub markets: Vec<HlMarket>,
    specs: Vec<MarketSpec>,
    nonces: Mutex<NonceSeq>,
    pub ids: Mutex<OrderIds>,
    pacer: WeightPacer,
    /// The account's budget of actions (the venue's per-address limit), synced from
    /// `userRateLimit` at connect and after a refusal, its volume raised by our fills.
    pub budget: Mutex<AddressBudget>,
    /// When `userRateLimit` was last read because the budget looked spent.
    budget_synced: Mutex<Option<std::time::Instant>>,
    /// Frames the subscriptions skipped.
    pub stats: Arc<StreamStats>,
    /// Sequence numbers of the books this client builds (the venue sends none).
    seq: AtomicU64,
}

/// The least time between two reads of `userRateLimit` when the budget looks spent.
const BUDGET_RESYNC: std::time::Duration = std::time::Duration::from_secs(1);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn transport(e: reqwest::Error) -> VenueError {
    VenueError::Transport(e.to_string())
}

fn decode_err(e: impl std::fmt::Display) -> VenueError {
    VenueError::Decode(e.to_string())
}

fn api(code: ErrorCode, message: impl Into<String>) -> VenueError {
    VenueError::Api(ApiError::new(code, message))
}

/// The typed error of a refusal the venue words in English.
pub(crate) fn refusal(message: &str) -> VenueError {
    let m = message.to_ascii_lowercase();
    let code = if m.contains("never placed") || m.contains("already canceled") {
        ErrorCode::UnknownOrder
    } else if m.contains("nonce") {
        ErrorCode::ReplayedNonce
    } else if m.contains("does not exist") || m.contains("signature") {
        ErrorCode::UnknownKey
    } else if m.contains("rate limit") || m.contains("too many") {
        ErrorCode::RateLimited
    } else if m.contains("post only") || m.contains("would have immediately matched") {
        return VenueError::Api(ApiError {
            message: message.to_owned(),
            ..ApiError::rejected(RejectReason::PostOnlyWouldTake)
        });
    } else if m.contains("cloid") && m.contains("duplicate") {
        ErrorCode::DuplicateClientOrderId
    } else {
        ErrorCode::Rejected
    };
    api(code, message)
}

impl Inner {
    fn market_index(&self, market: &MarketId) -> Result<usize, VenueError> {
        self.markets
            .iter()
            .position(|m| m.spec.id() == market)
            .ok_or_else(|| VenueError::UnknownMarket(market.to_string()))
    }

    pub(crate) fn market_of_coin(&self, coin: &str) -> Option<&HlMarket> {
        self.markets.iter().find(|m| m.coin == coin)
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    fn user(&self) -> Result<Address, VenueError> {
        self.user.ok_or(VenueError::NoSigner)
    }

    async fn post(&self, path: &str, body: &impl serde::Serialize) -> Result<Vec<u8>, VenueError> {
        let url = format!("{}{}", self.config.api_url, path);
        let bytes = serde_json::to_vec(body).map_err(decode_err)?;
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.as_u16() == 429 {
            let delay = self.pacer.rate_limited();
            tracing::warn!(
                backoff_ms = delay.as_millis() as u64,
                "hyperliquid rate limit: backing off"
            );
            return Err(VenueError::Api(ApiError {
                retry_after_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
                ..ApiError::new(ErrorCode::RateLimited, "rate limited by the venue")
            }));
        }
        if !status.is_success() {
            return Err(VenueError::Http {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).chars().take(512).collect(),
            });
        }
        self.pacer.succeeded();
        Ok(bytes.to_vec())
    }

    /// An `/info` request, paced by its documented weight.
    pub(crate) async fn info<T: DeserializeOwned>(&self, body: Value) -> Result<T, VenueError> {
        let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
        self.pacer.acquire(info_weight(kind)).await;
        let bytes = self.post("/info", &body).await?;
        serde_json::from_slice(&bytes).map_err(decode_err)
    }

    /// Signs `action` with the next nonce and posts it to `/exchange`; a refusal of the whole
    /// action is an error, per-order statuses are the caller's to read.
    pub(crate) async fn exchange(
        &self,
        action: Action,
        items: usize,
    ) -> Result<ExchangeResponse, VenueError> {
        let signer = self.signer.as_ref().ok_or(VenueError::NoSigner)?;
        let (requests, cancels_only) = flashmm_hyperliquid::budget::requests_of(&action);
        let spend = || lock(&self.budget).spend(requests, cancels_only, now_ms());
        if spend().is_err() {
            // Spent as we count it; fills we did not see may have earned more: ask the venue
            // (at most once a second) before refusing.
            let due = {
                let mut last = lock(&self.budget_synced);
                let due = last.is_none_or(|t| t.elapsed() >= BUDGET_RESYNC);
                if due {
                    *last = Some(std::time::Instant::now());
                }
                due
            };
            if due {
                if let Err(e) = self.sync_budget().await {
                    tracing::warn!(error = %e, "userRateLimit not read");
                }
            }
            if let Err(t) = spend() {
                return Err(VenueError::Api(ApiError {
                    retry_after_ms: Some(t.wait_ms),
                    ..ApiError::new(ErrorCode::RateLimited, t.to_string())
                }));
            }
        }
        self.pacer.acquire(exchange_weight(items)).await;
        let ctx = L1Context::new(self.config.network);
        let (nonce, signature) = {
            // Nonce and signature under one lock: nonces leave in increasing order.
            let mut nonces = lock(&self.nonces);
            let nonce = nonces.next(now_ms());
            let signature = signer
                .sign_l1_action(&action, nonce, &ctx)
                .map_err(decode_err)?;
            (nonce, signature)
        };
        let request = ExchangeRequest {
            action,
            nonce,
            signature,
            vault_address: None,
            expires_after: None,
        };
        let bytes = self.post("/exchange", &request).await?;
        let response: ExchangeResponse = serde_json::from_slice(&bytes).map_err(decode_err)?;
        match response {
            ExchangeResponse::Err(message) => {
                if message.contains("cumulative requests") {
                    // The venue counts differently from us: take its figures.
                    if let Err(e) = self.sync_budget().await {
                        tracing::warn!(error = %e, "userRateLimit not read");
                    }
                }
                Err(refusal(&message))
            }
            ok => Ok(ok),
        }
    }

    /// Reads `userRateLimit` and takes the venue's count and volume.
    pub(crate) async fn sync_budget(&self) -> Result<UserRateLimit, VenueError> {
        let user = self.user()?;
        let reported: UserRateLimit = self
            .info(json!({"type": "userRateLimit", "user": user}))
            .await?;
        lock(&self.budget).sync(&reported);
        Ok(reported)
    }

    /// Adds a fill of ours (`notional` in the quote asset, USDC) to the budget's volume.
    pub(crate) fn traded(&self, notional: Decimal) {
        lock(&self.budget).traded(notional);
    }

    /// Arms (or re-arms) the dead man's switch: every open order is cancelled at `now + after`
    /// unless armed again before.
    pub(crate) async fn schedule_cancel(
        &self,
        after: std::time::Duration,
    ) -> Result<(), VenueError> {
        // The venue refuses a time less than 5 s ahead of its own clock: keep a margin.
        let after = after.max(MIN_SCHEDULE);
        let at = now_ms().saturating_add(u64::try_from(after.as_millis()).unwrap_or(u64::MAX));
        self.exchange(Action::schedule_cancel(Some(at)), 1)
            .await
            .map(|_| ())
    }

    fn client_id(&self, cloid: Option<&Cloid>, oid: u64) -> Result<ClientOrderId, VenueError> {
        lock(&self.ids).client_id(cloid, oid).map_err(decode_err)
    }

    /// A report of an open order of an `/info` listing.
    fn open_report(&self, o: &OpenOrder) -> Result<Option<OrderReport>, VenueError> {
        let Some(m) = self.market_of_coin(&o.coin) else {
            return Ok(None);
        };
        let leaves = m.qty_from_wire(o.sz)?;
        let qty = m.qty_from_wire(o.orig_sz.unwrap_or(o.sz))?;
        let filled = qty.checked_sub(leaves).unwrap_or(Qty::ZERO);
        let tif = o
            .cloid
            .as_ref()
            .and_then(|c| lock(&self.ids).get(c).and_then(|k| k.terms.map(|t| t.4)))
            .unwrap_or(TimeInForce::Gtc);
        Ok(Some(OrderReport {
            market: m.spec.id().clone(),
            client_id: self.client_id(o.cloid.as_ref(), o.oid)?,
            venue_order_id: oid_id(o.oid)?,
            side: side_of(o.side),
            price: m.price_from_wire(o.limit_px)?,
            qty,
            filled,
            leaves,
            tif,
            status: if filled.lots() > 0 {
                OrderStatus::PartiallyFilled
            } else {
                OrderStatus::Open
            },
            reason: None,
            ts: UnixNanos(ms_to_ns(o.timestamp)),
            fills: Vec::new(),
        }))
    }

    /// The account's open orders as the venue lists them (`frontendOpenOrders`, which
    /// carries cloids).
    async fn listed_orders(&self) -> Result<Vec<OpenOrder>, VenueError> {
        let user = self.user()?;
        self.info(json!({"type": "frontendOpenOrders", "user": user}))
            .await
    }
}

pub(crate) fn oid_id(oid: u64) -> Result<VenueOrderId, VenueError> {
    VenueOrderId::new(oid.to_string()).map_err(decode_err)
}

/// The venue's time in force of a FlashMM order.
fn tif_wire(tif: TimeInForce) -> Tif {
    match tif {
        TimeInForce::PostOnly => Tif::Alo,
        TimeInForce::Ioc => Tif::Ioc,
        _ => Tif::Gtc,
    }
}

impl HyperliquidVenue {
    /// Connects: reads `meta` and `spotMeta` and resolves each of `specs` to its coin, asset
    /// number and rules (a lot finer than the venue's size step is refused here). `signer`
    /// signs actions (an API wallet's key or the account's own); the account queried is
    /// `config.account` or, without one, the signer's address.
    pub async fn connect(
        config: HyperliquidConfig,
        signer: Option<Signer>,
        specs: Vec<MarketSpec>,
    ) -> Result<Self, VenueError> {
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .no_proxy()
            .build()
            .map_err(transport)?;
        let user = config.account.or(signer.as_ref().map(Signer::address));
        let mut inner = Inner {
            pacer: WeightPacer::new(
                config.weight_per_minute,
                config.backoff_min,
                config.backoff_max,
            ),
            config,
            http,
            signer,
            user,
            markets: Vec::new(),
            specs: Vec::new(),
            nonces: Mutex::new(NonceSeq::new()),
            budget: Mutex::new(AddressBudget::default()),
            budget_synced: Mutex::new(None),
            ids: Mutex::new(OrderIds::default()),
            stats: Arc::default(),
            seq: AtomicU64::new(now_ms().saturating_mul(1000)),
        };
        let meta: Meta = inner.info(json!({"type": "meta"})).await?;
        let spot: SpotMeta = inner.info(json!({"type": "spotMeta"})).await?;
        for spec in specs {
            let coin = inner.config.coin_of(spec.id());
            inner
                .markets
                .push(HlMarket::resolve(spec, &coin, &meta, &spot)?);
        }
        inner.specs = inner.markets.iter().map(|m| m.spec.clone()).collect();
        for m in &inner.markets {
            // The tick must give valid prices where the market trades now (an empty book is
            // not checked).
            let book: Option<L2Book> = inner
                .info(json!({"type": "l2Book", "coin": m.coin}))
                .await?;
            let best = |i: usize| {
                book.as_ref()
                    .and_then(|b| b.levels[i].first())
                    .map(|l| l.px)
            };
            if let (Some(bid), Some(ask)) = (best(0), best(1)) {
                m.check_tick_at((bid + ask) / Decimal::TWO)?;
            }
        }
        if inner.signer.is_some() && inner.user.is_some() {
            // The account's budget of actions as the venue counts it; until read, a fresh
            // address's.
            if let Err(e) = inner.sync_budget().await {
                tracing::warn!(error = %e, "userRateLimit not read: counting from a fresh budget");
            }
        }
        Ok(HyperliquidVenue {
            inner: Arc::new(inner),
        })
    }

    /// The account's budget of actions as this client counts it (the venue's figures at
    /// connect and after a refusal, plus what it sent and traded since).
    pub fn address_budget(&self) -> UserRateLimit {
        lock(&self.inner.budget).report()
    }

    /// The client's options.
    pub fn config(&self) -> &HyperliquidConfig {
        &self.inner.config
    }

    /// The markets with their coins, asset numbers and rules.
    pub fn hl_markets(&self) -> &[HlMarket] {
        &self.inner.markets
    }

    /// The account queried (`None` without a signer or configured account).
    pub fn user(&self) -> Option<Address> {
        self.inner.user
    }

    /// The signing key's address (an API wallet's, when one signs for the account).
    pub fn signer_address(&self) -> Option<Address> {
        self.inner.signer.as_ref().map(Signer::address)
    }

    /// Frames the subscriptions skipped, by kind.
    pub fn stream_stats(&self) -> Arc<StreamStats> {
        self.inner.stats.clone()
    }

    /// Arms the dead man's switch for `after` from now (at least [`MIN_SCHEDULE`]).
    pub async fn schedule_cancel(&self, after: std::time::Duration) -> Result<(), VenueError> {
        self.inner.schedule_cancel(after).await
    }

    /// Unsets the dead man's switch.
    pub async fn unschedule_cancel(&self) -> Result<(), VenueError> {
        self.inner
            .exchange(Action::schedule_cancel(None), 1)
            .await
            .map(|_| ())
    }

    /// The account's spot balances as the venue reports them.
    pub async fn spot_state(&self) -> Result<SpotClearinghouseState, VenueError> {
        let user = self.inner.user()?;
        self.inner
            .info(json!({"type": "spotClearinghouseState", "user": user}))
            .await
    }

    /// The account's perp positions and margin as the venue reports them.
    pub async fn perp_state(&self) -> Result<info::ClearinghouseState, VenueError> {
        let user = self.inner.user()?;
        self.inner
            .info(json!({"type": "clearinghouseState", "user": user}))
            .await
    }

    /// The role of `address` as the venue knows it (`{"role": "user" | "agent" | ...}`).
    pub async fn user_role(&self, address: Address) -> Result<Value, VenueError> {
        self.inner
            .info(json!({"type": "userRole", "user": address}))
            .await
    }

    /// The fee rates `address` pays now (`userFees`).
    pub async fn user_fees(&self, address: Address) -> Result<info::UserFees, VenueError> {
        self.inner
            .info(json!({"type": "userFees", "user": address}))
            .await
    }

    fn stream(&self, markets: &[MarketId], market_data: bool) -> Result<EventStream, VenueError> {
        let mut idx = Vec::with_capacity(markets.len());
        for m in markets {
            idx.push(self.inner.market_index(m)?);
        }
        let (tx, rx) = mpsc::channel(self.inner.config.channel_capacity.max(1));
        let setup = StreamSetup {
            inner: self.inner.clone(),
            markets: idx,
            market_data,
            account: self.inner.signer.is_some() && self.inner.user.is_some(),
        };
        let delays = (self.inner.config.backoff_min, self.inner.config.backoff_max);
        let task = tokio::spawn(reconnecting("hyperliquid stream", delays, setup, tx));
        Ok(EventStream::new(rx, task))
    }

    fn order_request(
        &self,
        m: &HlMarket,
        side: Side,
        price: flashmm_core::market::Price,
        qty: Qty,
        tif: TimeInForce,
        cloid: Cloid,
    ) -> Result<OrderRequest, VenueError> {
        Ok(OrderRequest {
            asset: m.asset,
            is_buy: side == Side::Buy,
            price: m.price_to_wire(side, price)?,
            size: m.size_to_wire(qty)?,
            reduce_only: false,
            tif: tif_wire(tif),
            cloid: Some(cloid),
        })
    }

    /// The report of an order just sent, from its status in the answer.
    #[allow(clippy::too_many_arguments)]
    fn sent_report(
        &self,
        m: &HlMarket,
        client_id: &ClientOrderId,
        cloid: &Cloid,
        side: Side,
        wire_price: rust_decimal::Decimal,
        qty: Qty,
        tif: TimeInForce,
        status: Option<&Status>,
    ) -> Result<OrderReport, VenueError> {
        let price = m.price_from_wire(wire_price)?;
        let mut report = OrderReport {
            market: m.spec.id().clone(),
            client_id: client_id.clone(),
            venue_order_id: oid_id(0)?,
            side,
            price,
            qty,
            filled: Qty::ZERO,
            leaves: qty,
            tif,
            status: OrderStatus::Open,
            reason: None,
            ts: UnixNanos(ms_to_ns(now_ms())),
            fills: Vec::new(),
        };
        match status {
            Some(Status::Resting(r)) => {
                lock(&self.inner.ids).set_oid(cloid, r.oid);
                report.venue_order_id = oid_id(r.oid)?;
            }
            Some(Status::Filled(f)) => {
                lock(&self.inner.ids).set_oid(cloid, f.oid);
                let filled = m.qty_from_wire(f.total_sz)?;
                report.venue_order_id = oid_id(f.oid)?;
                report.filled = filled;
                report.leaves = Qty::ZERO;
                report.status = if filled == qty {
                    OrderStatus::Filled
                } else {
                    OrderStatus::Cancelled
                };
            }
            Some(Status::Error(message)) => return Err(refusal(message)),
            Some(other) => {
                return Err(VenueError::Decode(format!(
                    "unexpected order status {other:?}"
                )))
            }
            None => return Err(VenueError::Decode("no order status".to_owned())),
        }
        Ok(report)
    }

    fn remember(
        &self,
        client_id: &ClientOrderId,
        idx: usize,
        order: (Side, flashmm_core::market::Price, Qty, TimeInForce),
    ) -> Cloid {
        lock(&self.inner.ids).insert(Known {
            client_id: client_id.clone(),
            terms: Some((idx, order.0, order.1, order.2, order.3)),
            oid: None,
        })
    }

    fn cancelled_report(
        &self,
        market: &MarketId,
        client_id: ClientOrderId,
        oid: Option<u64>,
        terms: Option<(usize, Side, flashmm_core::market::Price, Qty, TimeInForce)>,
    ) -> Result<OrderReport, VenueError> {
        let (side, price, qty, tif) = terms.map_or(
            (
                Side::Buy,
                flashmm_core::market::Price::from_ticks(0),
                Qty::ZERO,
                TimeInForce::Gtc,
            ),
            |t| (t.1, t.2, t.3, t.4),
        );
        Ok(OrderReport {
            market: market.clone(),
            client_id,
            venue_order_id: oid_id(oid.unwrap_or(0))?,
            side,
            price,
            qty,
            filled: Qty::ZERO,
            leaves: Qty::ZERO,
            tif,
            status: OrderStatus::Cancelled,
            reason: Some("cancelled".to_owned()),
            ts: UnixNanos(ms_to_ns(now_ms())),
            fills: Vec::new(),
        })
    }
}

#[async_trait]
impl Venue for HyperliquidVenue {
    fn name(&self) -> &str {
        "hyperliquid"
    }

    fn markets(&self) -> &[MarketSpec] {
        &self.inner.specs
    }

    async fn subscribe(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        self.stream(markets, true)
    }

    async fn account_events(&self, markets: &[MarketId]) -> Result<EventStream, VenueError> {
        self.stream(markets, false)
    }

    async fn snapshot(&self, market: &MarketId) -> Result<BookSnapshot, VenueError> {
        let idx = self.inner.market_index(market)?;
        let m = &self.inner.markets[idx];
        let book: L2Book = self
            .inner
            .info(json!({"type": "l2Book", "coin": m.coin}))
            .await?;
        book_snapshot(m, &book, self.inner.next_seq())
    }

    async fn place(&self, order: &NewOrder) -> Result<OrderReport, VenueError> {
        let idx = self.inner.market_index(&order.market)?;
        let m = &self.inner.markets[idx];
        let cloid = Cloid::from_client_order_id(&order.client_id);
        let req = self.order_request(m, order.side, order.price, order.qty, order.tif, cloid)?;
        self.remember(
            &order.client_id,
            idx,
            (order.side, order.price, order.qty, order.tif),
        );
        let action = Action::order(std::slice::from_ref(&req)).map_err(decode_err)?;
        let response = self.inner.exchange(action, 1).await?;
        self.sent_report(
            m,
            &order.client_id,
            &cloid,
            order.side,
            req.price,
            order.qty,
            order.tif,
            response.statuses().first(),
        )
    }

    async fn cancel(&self, market: &MarketId, order: &OrderRef) -> Result<OrderReport, VenueError> {
        let idx = self.inner.market_index(market)?;
        let asset = self.inner.markets[idx].asset;
        let (action, client_id, known) = match order {
            OrderRef::ClientOrderId(id) => {
                let cloid = Cloid::from_client_order_id(id);
                let known = lock(&self.inner.ids).get(&cloid).cloned();
                (
                    Action::cancel_by_cloid(vec![CancelByCloidWire { asset, cloid }]),
                    id.clone(),
                    known,
                )
            }
            OrderRef::OrderId(v) => {
                let oid: u64 = v
                    .as_str()
                    .parse()
                    .map_err(|_| VenueError::Decode(format!("order id {v} is not a number")))?;
                (
                    Action::cancel(vec![CancelWire { a: asset, o: oid }]),
                    self.inner.client_id(None, oid)?,
                    None,
                )
            }
        };
        let response = self.inner.exchange(action, 1).await?;
        match response.statuses().first() {
            Some(Status::Success) => {}
            Some(Status::Error(message)) => return Err(refusal(message)),
            other => {
                return Err(VenueError::Decode(format!(
                    "unexpected cancel status {other:?}"
                )))
            }
        }
        let (oid, terms) = known.map_or((None, None), |k| (k.oid, k.terms));
        self.cancelled_report(market, client_id, oid, terms)
    }

    async fn cancel_replace(&self, r: &ReplaceOrder) -> Result<OrderReport, VenueError> {
        let idx = self.inner.market_index(&r.market)?;
        let m = &self.inner.markets[idx];
        let old_cloid = match &r.order {
            OrderRef::ClientOrderId(id) => Cloid::from_client_order_id(id),
            OrderRef::OrderId(_) => return Err(VenueError::Unsupported("modify by venue id")),
        };
        let Some((_, side, _, _, tif)) =
            lock(&self.inner.ids).get(&old_cloid).and_then(|k| k.terms)
        else {
            return Err(api(
                ErrorCode::UnknownOrder,
                "order not sent by this client",
            ));
        };
        let client_id = match (&r.new_client_id, &r.order) {
            (Some(id), _) | (None, OrderRef::ClientOrderId(id)) => id.clone(),
            (None, OrderRef::OrderId(_)) => {
                return Err(VenueError::Unsupported("modify by venue id"))
            }
        };
        let cloid = Cloid::from_client_order_id(&client_id);
        let req = self.order_request(m, side, r.price, r.qty, tif, cloid)?;
        self.remember(&client_id, idx, (side, r.price, r.qty, tif));
        let action =
            Action::batch_modify(&[(flashmm_hyperliquid::OrderRef::Cloid(old_cloid), req.clone())])
                .map_err(decode_err)?;
        let response = self.inner.exchange(action, 1).await?;
        self.sent_report(
            m,
            &client_id,
            &cloid,
            side,
            req.price,
            r.qty,
            tif,
            response.statuses().first(),
        )
    }

    async fn cancel_all(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        let listed = self.inner.listed_orders().await?;
        let mut targets = Vec::new();
        for o in &listed {
            let Some(m) = self.inner.market_of_coin(&o.coin) else {
                continue;
            };
            if market.is_some_and(|id| id != m.spec.id()) {
                continue;
            }
            targets.push((m.spec.id().clone(), m.asset, o));
        }
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let cancels = targets
            .iter()
            .map(|(_, asset, o)| CancelWire {
                a: *asset,
                o: o.oid,
            })
            .collect();
        let response = self
            .inner
            .exchange(Action::cancel(cancels), targets.len())
            .await?;
        let mut reports = Vec::new();
        for ((market, _, o), status) in targets.iter().zip(response.statuses()) {
            if *status != Status::Success {
                continue;
            }
            let mut report = match self.inner.open_report(o)? {
                Some(r) => r,
                None => continue,
            };
            report.status = OrderStatus::Cancelled;
            report.leaves = Qty::ZERO;
            report.reason = Some("cancelled".to_owned());
            report.market = market.clone();
            reports.push(report);
        }
        Ok(reports)
    }

    async fn open_orders(&self, market: Option<&MarketId>) -> Result<Vec<OrderReport>, VenueError> {
        let listed = self.inner.listed_orders().await?;
        let mut reports = Vec::new();
        for o in &listed {
            if let Some(r) = self.inner.open_report(o)? {
                if market.is_none_or(|id| id == &r.market) {
                    reports.push(r);
                }
            }
        }
        Ok(reports)
    }

    /// The spot balances (`spotClearinghouseState`) and, for each configured perp, its
    /// signed position (`clearinghouseState`'s `szi`) as the balance of the market's base:
    /// what a restart cross-checks the booked position with. A perp's base hides a spot token
    /// of the same name.
    async fn balances(&self) -> Result<Vec<AssetBalance>, VenueError> {
        let perps: Vec<&HlMarket> = self
            .inner
            .markets
            .iter()
            .filter(|m| !m.asset.is_spot())
            .collect();
        let mut out = Vec::new();
        if !perps.is_empty() {
            let state = self.perp_state().await?;
            for m in perps {
                let szi = state
                    .asset_positions
                    .iter()
                    .find(|p| p.position.coin == m.coin)
                    .map_or(Decimal::ZERO, |p| p.position.szi);
                out.push(AssetBalance {
                    asset: m.spec.id().base().to_owned(),
                    available: szi,
                    reserved: Decimal::ZERO,
                });
            }
        }
        let spot = self.spot_state().await?;
        for b in &spot.balances {
            if out.iter().any(|o| o.asset == b.coin) {
                continue;
            }
            out.push(AssetBalance {
                asset: b.coin.clone(),
                available: b.total - b.hold,
                reserved: b.hold,
            });
        }
        Ok(out)
    }

    async fn fills(&self, since_ns: i64) -> Result<Vec<Fill>, VenueError> {
        let user = self.inner.user()?;
        let mut start_ms = u64::try_from(since_ns.max(0) / 1_000_000).unwrap_or(0);
        let mut out: Vec<Fill> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        loop {
            let page: Vec<info::Fill> = self
                .inner
                .info(json!({"type": "userFillsByTime", "user": user, "startTime": start_ms, "aggregateByTime": false}))
                .await?;
            let full = page.len() >= FILL_PAGE;
            let last = page.iter().map(|f| f.time).max();
            for f in &page {
                if ms_to_ns(f.time) <= since_ns {
                    continue;
                }
                let Some(m) = self.inner.market_of_coin(&f.coin) else {
                    continue;
                };
                let client_id = self.inner.client_id(f.cloid.as_ref(), f.oid)?;
                let fill = fill_to_core(m, f, client_id)?;
                if seen.insert((fill.trade_id.clone(), fill.client_id.clone())) {
                    out.push(fill);
                }
            }
            match last {
                Some(t) if full && t > start_ms => start_ms = t,
                _ => break,
            }
        }
        out.sort_by_key(|f| f.ts);
        Ok(out)
    }

    /// Remembers FlashMM ids a previous run may have sent, so that the venue's cloids of
    /// their orders and fills map back to them.
    fn recall(&self, ids: &[ClientOrderId]) {
        lock(&self.inner.ids).recall(ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_typed_errors() {
        let code = |m: &str| refusal(m).api().map(|a| a.code);
        assert_eq!(code(NOT_OPEN), Some(ErrorCode::UnknownOrder));
        assert_eq!(
            code("Post only order would have immediately matched, bbo was 0.42@0.43. asset=10000"),
            Some(ErrorCode::Rejected)
        );
        assert_eq!(
            code("User or API Wallet 0x0000000000000000000000000000000000000001 does not exist."),
            Some(ErrorCode::UnknownKey)
        );
        assert_eq!(
            code("Invalid nonce: duplicate nonce"),
            Some(ErrorCode::ReplayedNonce)
        );
        assert_eq!(code("Insufficient spot balance"), Some(ErrorCode::Rejected));
    }
}
