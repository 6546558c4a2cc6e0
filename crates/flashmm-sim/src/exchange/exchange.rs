//! [`Exchange`]: the simulator's state and request handling.

use super::market::{open_status, order_update, FillLog, Market, MarketOrders, Pending, Translate};
use super::replay::Replay;
use super::spread::SpreadMeter;
use super::{ExchangeConfig, ExchangeError, MarketSetup, Outbound, ReplayOptions};
use crate::account::{AccountId, Ledger};
use crate::flow::FlowAgent;
use crate::matching::{
    EngineConfig, MatchingEngine, OrderEvent, OrderId, OrderRequest, RejectReason, Report,
    TimeInForce,
};
use crate::ratelimit::{RateLimitError, RateLimiter};
use flashmm_core::market::{MarketId, MarketSpec, Qty, Side};
use flashmm_recording::{Record, RecordEvent};
use flashmm_venue::protocol::{
    ApiError, BalanceEntry, BalancesResponse, CancelAllResponse, CancelRequest, ErrorCode,
    FillsResponse, MarketsResponse, OpenOrdersResponse, OrderAck, OrderRef, OrderStatusWire,
    OrderUpdateMsg, PlaceOrderRequest, ReplaceRequest, ServerMessage, SnapshotMsg, WireLevel,
};
use flashmm_venue::signing::{SignedHeaders, Verifier};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The first account id of the background flow; market `i` uses this plus `2i` (maker) and
/// `2i + 1` (taker). Participants' accounts count up from 1.
const FLOW_ACCOUNT_BASE: u32 = 1_000_000;

/// The simulated exchange: markets, ledger, keys, rate limits.
///
/// Every method that changes the book appends the wire messages it caused to `out`, in
/// order; the server sends them while it still holds the lock on the exchange, so the feed
/// order equals the engine order.
#[derive(Debug)]
pub struct Exchange {
    pub(super) config: ExchangeConfig,
    markets: Vec<Market>,
    index: HashMap<MarketId, usize>,
    pub(super) ledger: Ledger,
    verifier: Verifier,
    pub(super) keys: HashMap<String, AccountId>,
    limiter: RateLimiter<AccountId>,
    pub(super) fills: FillLog,
    next_account: u32,
    start_ns: i64,
}

impl Exchange {
    /// An exchange hosting `markets`, whose background flow starts at `start_ns` (UTC ns).
    pub fn new(
        markets: Vec<MarketSetup>,
        config: ExchangeConfig,
        start_ns: i64,
    ) -> Result<Self, ExchangeError> {
        let mut ledger = Ledger::new();
        let mut hosted = Vec::with_capacity(markets.len());
        let mut index = HashMap::new();
        for (i, setup) in markets.into_iter().enumerate() {
            let name = setup.spec.id().to_string();
            if index.insert(setup.spec.id().clone(), i).is_some() {
                return Err(ExchangeError::DuplicateMarket(name));
            }
            let engine =
                MatchingEngine::new(setup.spec.clone(), EngineConfig::default(), &mut ledger)
                    .map_err(|error| ExchangeError::Engine {
                        market: name.clone(),
                        error,
                    })?;
            let flow = match setup.flow {
                Some(params) => {
                    let offset = u32::try_from(i).unwrap_or(u32::MAX / 4).saturating_mul(2);
                    let maker = AccountId(FLOW_ACCOUNT_BASE.saturating_add(offset));
                    let taker = AccountId(FLOW_ACCOUNT_BASE.saturating_add(offset + 1));
                    let seed = config.seed.wrapping_add(i as u64);
                    Some(
                        FlowAgent::new(params, seed, maker, taker, &engine, &mut ledger, start_ns)
                            .map_err(|error| ExchangeError::Flow {
                                market: name.clone(),
                                error,
                            })?,
                    )
                }
                None => None,
            };
            hosted.push(Market {
                index: i,
                spec: setup.spec,
                engine,
                flow,
                replay: None,
                book: MarketOrders::default(),
                spread: SpreadMeter::default(),
            });
        }
        Ok(Exchange {
            verifier: Verifier::new(config.verifier),
            limiter: RateLimiter::new(config.rate_limit),
            config,
            markets: hosted,
            index,
            ledger,
            keys: HashMap::new(),
            fills: HashMap::new(),
            next_account: 1,
            start_ns,
        })
    }

    /// Registers an account for a public key (hex) and deposits `(asset, amount)` into it.
    /// Returns the account and its key id.
    pub fn register_account(
        &mut self,
        public_key_hex: &str,
        deposits: &[(&str, Decimal)],
    ) -> Result<(AccountId, String), ExchangeError> {
        let public = flashmm_venue::signing::parse_public_key(public_key_hex)?;
        let key_id = flashmm_venue::signing::key_id(&public);
        if self.keys.contains_key(&key_id) {
            return Err(ExchangeError::DuplicateKey(key_id));
        }
        let mut assets = Vec::with_capacity(deposits.len());
        for &(asset, amount) in deposits {
            let id = self
                .ledger
                .asset_id(asset)
                .ok_or_else(|| ExchangeError::UnknownAsset(asset.to_owned()))?;
            assets.push((id, amount));
        }
        let account = AccountId(self.next_account);
        for (asset, amount) in assets {
            self.ledger.deposit(account, asset, amount)?;
        }
        self.next_account += 1;
        self.verifier.register(public);
        self.keys.insert(key_id.clone(), account);
        Ok((account, key_id))
    }

    /// The account of a registered key id.
    pub fn account_of_key(&self, key_id: &str) -> Option<AccountId> {
        self.keys.get(key_id).copied()
    }

    /// The hosted markets' specs, in index order.
    pub fn markets(&self) -> MarketsResponse {
        MarketsResponse {
            markets: self.markets.iter().map(|m| m.spec.clone()).collect(),
        }
    }

    /// The number of hosted markets.
    pub fn market_count(&self) -> usize {
        self.markets.len()
    }

    /// The index of a hosted market.
    pub fn market_index(&self, market: &MarketId) -> Option<usize> {
        self.index.get(market).copied()
    }

    /// The spec of a hosted market.
    pub fn spec(&self, market: &MarketId) -> Option<&MarketSpec> {
        self.market_index(market).map(|i| &self.markets[i].spec)
    }

    /// The index of `market`, which must be hosted with neither a synthetic flow nor a replay.
    fn replay_slot(&self, market: &MarketId) -> Result<usize, ExchangeError> {
        let err = |reason: &str| ExchangeError::Replay {
            market: market.to_string(),
            reason: reason.to_owned(),
        };
        let m = self
            .market_index(market)
            .ok_or_else(|| err("not a hosted market"))?;
        let hosted = &self.markets[m];
        if hosted.flow.is_some() {
            return Err(err("the market has a synthetic flow"));
        }
        if hosted.replay.is_some() {
            return Err(err("the market is replayed already"));
        }
        Ok(m)
    }

    /// Makes a hosted market follow a recording instead of a synthetic flow: its public book
    /// and trades are the recording's, replayed from the exchange's first advance at the
    /// configured speed, and participants' orders rest in the recorded book with a queue
    /// position each ([`crate::queue`]); the recorded flow fills them when it reaches them
    /// (a trade through their price, their queue traded away, the other side reaching them),
    /// against a counterparty account of the venue. An order that would take from the
    /// recording is refused when post-only, else it takes the displayed levels up to its
    /// limit and its remainder is cancelled (the recording does not lose what it took). A
    /// replace that would take is refused. Participants' orders do not show in the public
    /// book: the recording does not contain them.
    ///
    /// `records` are the market's records in receive order, `recorded` the recording's spec
    /// of it, whose tick and lot must be the hosted market's. Call before the first advance.
    pub fn attach_replay(
        &mut self,
        market: &MarketId,
        recorded: &MarketSpec,
        records: Vec<Record>,
        options: ReplayOptions,
    ) -> Result<(), ExchangeError> {
        let err = |reason: String| ExchangeError::Replay {
            market: market.to_string(),
            reason,
        };
        let m = self.replay_slot(market)?;
        let hosted = &mut self.markets[m];
        if recorded.tick_size() != hosted.spec.tick_size()
            || recorded.lot_size() != hosted.spec.lot_size()
        {
            return Err(err(format!(
                "recorded with tick {} and lot {}, hosted with tick {} and lot {}",
                recorded.tick_size(),
                recorded.lot_size(),
                hosted.spec.tick_size(),
                hosted.spec.lot_size()
            )));
        }
        if records.is_empty() {
            return Err(err("no record".to_owned()));
        }
        if let Some(other) = records.iter().find(|r| r.event.market() != market) {
            return Err(err(format!("a record of market {}", other.event.market())));
        }
        let counterparty = replay_counterparty(m);
        let replay = Replay::new(
            records.into(),
            options,
            &hosted.engine,
            &mut self.ledger,
            counterparty,
        )?;
        hosted.replay = Some(replay);
        Ok(())
    }

    /// Makes a hosted market follow a live feed instead of a synthetic flow: a replay
    /// ([`Exchange::attach_replay`]) whose records are given one at a time, as they arrive,
    /// by [`Exchange::follow`]. Everything else is the replay's: the feed's book and trades
    /// are the market's public data, participants' orders rest in it with a queue position
    /// and fill against a counterparty account of the venue. Until the feed's first snapshot
    /// the book is not ready and orders are refused.
    pub fn attach_follow(&mut self, market: &MarketId) -> Result<(), ExchangeError> {
        let m = self.replay_slot(market)?;
        let hosted = &mut self.markets[m];
        let counterparty = replay_counterparty(m);
        hosted.replay = Some(Replay::follow(
            &hosted.engine,
            &mut self.ledger,
            counterparty,
        )?);
        Ok(())
    }

    /// Applies one event of a followed market's feed at wall time `now_ns` (see
    /// [`Exchange::attach_follow`]): a snapshot replaces the book (a resync after a
    /// reconnection or a gap: participants' orders stay, each keeping its queue position moved
    /// by its level's change, and one the new book crosses fills in full at its price), a
    /// delta updates it, a trade fills the orders it reaches; each goes out on the feed
    /// (renumbered). Tops are ignored. Returns whether the event's market follows a feed.
    pub fn follow(&mut self, event: &RecordEvent, now_ns: i64, out: &mut Vec<Outbound>) -> bool {
        if matches!(event, RecordEvent::Top(_)) {
            return self
                .market_index(event.market())
                .is_some_and(|m| self.markets[m].replay.is_some());
        }
        let Some(m) = self.market_index(event.market()) else {
            return false;
        };
        let fill_history = self.config.fill_history;
        let Market {
            index,
            spec,
            engine,
            replay,
            book,
            ..
        } = &mut self.markets[m];
        let Some(replay) = replay.as_mut() else {
            return false;
        };
        let mut tr = Translate {
            index: *index,
            spec,
            orders: book,
            fills: &mut self.fills,
            fill_history,
            pending: None,
            ts: now_ns,
            public: false,
        };
        replay.apply_now(event, now_ns, engine, &mut self.ledger, &mut tr, out);
        true
    }

    /// The laps a replayed market has completed (restarts from its beginning); `None` for a
    /// market that is not replayed.
    pub fn replay_laps(&self, market: &MarketId) -> Option<u64> {
        let m = self.market_index(market)?;
        self.markets[m].replay.as_ref().map(Replay::laps)
    }

    /// The whole book of a market at `ts`.
    pub fn snapshot(&self, market: &MarketId, ts: i64) -> Result<SnapshotMsg, ApiError> {
        let m = self.market(market)?;
        if let Some(replay) = &self.markets[m].replay {
            return Ok(replay.snapshot(&self.markets[m].spec, ts));
        }
        let snap = self.markets[m].engine.snapshot();
        let spec = &self.markets[m].spec;
        Ok(SnapshotMsg {
            market: market.clone(),
            seq: snap.seq,
            bids: WireLevel::from_levels(spec, &snap.bids),
            asks: WireLevel::from_levels(spec, &snap.asks),
            ts,
        })
    }

    /// Runs every market's background flow, or its replay, up to wall time `now_ns` (scaled
    /// by the speed).
    pub fn advance(&mut self, now_ns: i64, out: &mut Vec<Outbound>) {
        let speed = self.config.speed;
        let elapsed = now_ns.saturating_sub(self.start_ns) as f64 * speed;
        let sim_now = self.start_ns.saturating_add(elapsed as i64);
        let fill_history = self.config.fill_history;
        for market in &mut self.markets {
            let Market {
                index,
                spec,
                engine,
                flow,
                replay,
                book,
                spread,
            } = market;
            let mut tr = Translate {
                index: *index,
                spec,
                orders: book,
                fills: &mut self.fills,
                fill_history,
                pending: None,
                ts: now_ns,
                public: replay.is_none(),
            };
            if let Some(replay) = replay.as_mut() {
                replay.run_until(now_ns, speed, engine, &mut self.ledger, &mut tr, out);
            } else if let Some(flow) = flow.as_mut() {
                flow.run_until(sim_now, engine, &mut self.ledger, |_, _, report| {
                    tr.report(report, out)
                });
                let flow_only =
                    |side| engine.best_price_where(side, |o| !book.orders.contains_key(&o.id));
                spread.sample(
                    now_ns,
                    (
                        engine.best_bid().map(|l| l.price),
                        engine.best_ask().map(|l| l.price),
                    ),
                    (flow_only(Side::Buy), flow_only(Side::Sell)),
                );
            }
        }
    }

    /// Each market with a background flow and how much participants' orders tightened its
    /// spread so far.
    pub fn spread_meters(&self) -> impl Iterator<Item = (&MarketId, &SpreadMeter)> {
        self.markets
            .iter()
            .filter(|m| m.flow.is_some())
            .map(|m| (m.spec.id(), &m.spread))
    }

    /// Verifies a signed request and charges the key's rate limit; returns its account.
    pub fn authenticate(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &SignedHeaders,
        now_ns: i64,
    ) -> Result<AccountId, ApiError> {
        let account = self
            .account_of_key(&headers.key_id)
            .ok_or_else(|| ApiError::new(ErrorCode::UnknownKey, "unknown key"))?;
        self.verifier
            .verify(method, path, body, headers, now_ns)
            .map_err(ApiError::from)?;
        self.limiter
            .check(account, now_ns, 1)
            .map_err(|e| rate_limited(&e))?;
        Ok(account)
    }

    /// Places an order for `account`.
    pub fn place(
        &mut self,
        account: AccountId,
        req: &PlaceOrderRequest,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderAck, ApiError> {
        let m = self.market(&req.market)?;
        let market = &mut self.markets[m];
        if market
            .book
            .by_client
            .contains_key(&(account, req.client_order_id.clone()))
        {
            return Err(ApiError::new(
                ErrorCode::DuplicateClientOrderId,
                format!("client order id {} is open", req.client_order_id),
            ));
        }
        if market.replay.is_some() {
            return self.place_replayed(m, account, req, now_ns, out);
        }
        let report = market
            .engine
            .place_decimal(
                &mut self.ledger,
                account,
                req.side,
                req.price,
                req.size,
                req.tif,
            )
            .clone();
        let pending = Pending {
            account,
            client_id: req.client_order_id.clone(),
        };
        self.finish(m, account, &report, Some(&pending), None, now_ns, out)
    }

    /// Places an order in a replayed market (see [`Exchange::attach_replay`]).
    fn place_replayed(
        &mut self,
        m: usize,
        account: AccountId,
        req: &PlaceOrderRequest,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderAck, ApiError> {
        let market = &mut self.markets[m];
        let Some(replay) = market.replay.as_mut() else {
            return Err(ApiError::new(ErrorCode::Internal, "not a replayed market"));
        };
        let price = market
            .spec
            .price_from_decimal(req.price)
            .map_err(|e| ApiError::rejected(RejectReason::of_price(e)))?;
        let qty = market
            .spec
            .qty_from_decimal(req.size)
            .map_err(|e| ApiError::rejected(RejectReason::of_size(e)))?;
        if !replay.book_valid() {
            return Err(ApiError::new(
                ErrorCode::Rejected,
                "the replayed book is not ready",
            ));
        }
        let crossed = replay.crossed_levels(req.side, price);
        if !crossed.is_empty() && req.tif == TimeInForce::PostOnly {
            return Err(ApiError::rejected(RejectReason::PostOnlyWouldTake));
        }
        let counterparty = replay_counterparty(m);
        // The venue's counterparty shows the recorded levels the order takes, for its size.
        let mut reports = Vec::new();
        let mut left = qty.lots();
        for level in &crossed {
            if left <= 0 {
                break;
            }
            let take = level.qty.lots().min(left);
            left -= take;
            let report = market.engine.place(
                &mut self.ledger,
                OrderRequest {
                    account: counterparty,
                    side: req.side.opposite(),
                    price: level.price,
                    qty: Qty::from_lots(take),
                    tif: TimeInForce::Gtc,
                },
            );
            reports.push((report.clone(), false));
        }
        let report = market
            .engine
            .place(
                &mut self.ledger,
                OrderRequest {
                    account,
                    side: req.side,
                    price,
                    qty,
                    tif: req.tif,
                },
            )
            .clone();
        if let Some(err) = rejection(&report, account) {
            if !crossed.is_empty() {
                market.engine.cancel_all(&mut self.ledger, counterparty);
            }
            return Err(err);
        }
        let created = accepted(&report, account);
        reports.push((report, true));
        if !crossed.is_empty() {
            let report = market.engine.cancel_all(&mut self.ledger, counterparty);
            reports.push((report.clone(), false));
        }
        let id = created.ok_or_else(|| ApiError::new(ErrorCode::Internal, "no order created"))?;
        if let Some(o) = market.engine.order(id).copied() {
            if replay.crosses(o.side, o.price) {
                // The recording does not lose what the order took: the rest is cancelled.
                let report = market.engine.cancel(&mut self.ledger, account, id);
                reports.push((report.clone(), false));
            }
        }
        let pending = Pending {
            account,
            client_id: req.client_order_id.clone(),
        };
        let start = out.len();
        for (report, with_pending) in &reports {
            self.sync_replay(m, report);
            self.translate(m, report, with_pending.then_some(&pending), now_ns, out);
        }
        ack_of(&out[start..], account, id)
    }

    /// Cancels one order of `account`.
    pub fn cancel(
        &mut self,
        account: AccountId,
        req: &CancelRequest,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderAck, ApiError> {
        let m = self.market(&req.market)?;
        let id = self.resolve(m, account, &req.order)?;
        let market = &mut self.markets[m];
        let report = market.engine.cancel(&mut self.ledger, account, id).clone();
        self.sync_replay(m, &report);
        self.finish(m, account, &report, None, Some(id), now_ns, out)
    }

    /// Cancel-replaces one order of `account`.
    pub fn replace(
        &mut self,
        account: AccountId,
        req: &ReplaceRequest,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderAck, ApiError> {
        let m = self.market(&req.market)?;
        let id = self.resolve(m, account, &req.order)?;
        let market = &mut self.markets[m];
        let old_client = market
            .book
            .orders
            .get(&id)
            .map(|meta| meta.client_id.clone())
            .ok_or_else(unknown_order)?;
        let client_id = req
            .new_client_order_id
            .clone()
            .unwrap_or(old_client.clone());
        if client_id != old_client
            && market
                .book
                .by_client
                .contains_key(&(account, client_id.clone()))
        {
            return Err(ApiError::new(
                ErrorCode::DuplicateClientOrderId,
                format!("client order id {client_id} is open"),
            ));
        }
        let price = market
            .spec
            .price_from_decimal(req.price)
            .map_err(|e| ApiError::rejected(RejectReason::of_price(e)))?;
        let qty = market
            .spec
            .qty_from_decimal(req.size)
            .map_err(|e| ApiError::rejected(RejectReason::of_size(e)))?;
        if let Some(replay) = &market.replay {
            let side = market
                .engine
                .order(id)
                .map(|o| o.side)
                .ok_or_else(unknown_order)?;
            if replay.crosses(side, price) {
                return Err(ApiError::rejected(RejectReason::PostOnlyWouldTake));
            }
        }
        let report = market
            .engine
            .replace(&mut self.ledger, account, id, price, qty)
            .clone();
        self.sync_replay(m, &report);
        let pending = Pending { account, client_id };
        self.finish(m, account, &report, Some(&pending), Some(id), now_ns, out)
    }

    /// Cancels every open order of `account`, in one market or all.
    pub fn cancel_all(
        &mut self,
        account: AccountId,
        market: Option<&MarketId>,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<CancelAllResponse, ApiError> {
        let targets: Vec<usize> = match market {
            Some(id) => vec![self.market(id)?],
            None => (0..self.markets.len()).collect(),
        };
        let start = out.len();
        for m in targets {
            let market = &mut self.markets[m];
            let report = market.engine.cancel_all(&mut self.ledger, account).clone();
            self.sync_replay(m, &report);
            self.translate(m, &report, None, now_ns, out);
        }
        let cancelled = out[start..]
            .iter()
            .filter_map(|o| match o {
                Outbound::Account {
                    account: a,
                    msg: ServerMessage::Order(u),
                } if *a == account && u.status == OrderStatusWire::Cancelled => Some(u.clone()),
                _ => None,
            })
            .collect();
        Ok(CancelAllResponse { cancelled })
    }

    /// The open orders of `account`, in one market or all.
    pub fn open_orders(
        &self,
        account: AccountId,
        market: Option<&MarketId>,
        now_ns: i64,
    ) -> Result<OpenOrdersResponse, ApiError> {
        let targets: Vec<usize> = match market {
            Some(id) => vec![self.market(id)?],
            None => (0..self.markets.len()).collect(),
        };
        let mut orders = Vec::new();
        for m in targets {
            let market = &self.markets[m];
            for o in market.engine.open_orders(account) {
                if let Some(meta) = market.book.orders.get(&o.id) {
                    orders.push(order_update(
                        &market.spec,
                        o.id,
                        meta,
                        o.qty,
                        open_status(meta),
                        None,
                        now_ns,
                    ));
                }
            }
        }
        Ok(OpenOrdersResponse { orders })
    }

    /// The balances of `account` in every listed asset.
    pub fn balances(&self, account: AccountId) -> BalancesResponse {
        let mut balances = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for market in &self.markets {
            for asset in [market.engine.base_asset(), market.engine.quote_asset()] {
                let name = self.ledger.asset_name(asset);
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                let b = self.ledger.balance(account, asset);
                balances.push(BalanceEntry {
                    asset: name.to_owned(),
                    available: b.available,
                    reserved: b.reserved,
                });
            }
        }
        BalancesResponse { balances }
    }

    /// The fills of `account` after `since_ns`.
    pub fn fills_since(&self, account: AccountId, since_ns: i64) -> FillsResponse {
        let fills = self
            .fills
            .get(&account)
            .map(|log| log.iter().filter(|f| f.ts > since_ns).cloned().collect())
            .unwrap_or_default();
        FillsResponse { fills }
    }

    /// The venue's fee income in an asset (negative when rebates exceed fees).
    pub fn fee_income(&self, asset: &str) -> Decimal {
        self.ledger
            .asset_id(asset)
            .map(|id| self.ledger.fee_income(id))
            .unwrap_or_default()
    }

    fn market(&self, market: &MarketId) -> Result<usize, ApiError> {
        self.market_index(market).ok_or_else(|| {
            ApiError::new(ErrorCode::UnknownMarket, format!("unknown market {market}"))
        })
    }

    fn resolve(&self, m: usize, account: AccountId, order: &OrderRef) -> Result<OrderId, ApiError> {
        let book = &self.markets[m].book;
        let id = match order {
            OrderRef::OrderId(v) => v.as_str().parse::<u64>().map(OrderId).ok(),
            OrderRef::ClientOrderId(c) => book.by_client.get(&(account, c.clone())).copied(),
        };
        id.filter(|id| book.orders.get(id).is_some_and(|o| o.account == account))
            .ok_or_else(unknown_order)
    }

    /// Keeps a replayed market's queue model in line with what a participant's request did to
    /// the engine: orders gone or reduced in place, orders newly resting.
    fn sync_replay(&mut self, m: usize, report: &Report) {
        let market = &mut self.markets[m];
        let Some(replay) = market.replay.as_mut() else {
            return;
        };
        for event in &report.events {
            let order = match *event {
                OrderEvent::Accepted { order, .. }
                | OrderEvent::Cancelled { order, .. }
                | OrderEvent::Expired { order, .. }
                | OrderEvent::Amended { order, .. } => order,
                OrderEvent::Filled(ref f) => f.order,
                OrderEvent::Rejected { .. } => continue,
            };
            // The engine's state after the request is the truth.
            let open = market.engine.order(order).copied();
            if replay.has(order) {
                replay.reduce(order, open.map_or(0, |o| o.qty.lots()));
            } else if let (OrderEvent::Accepted { .. }, Some(o)) = (event, open) {
                replay.rest(order, o.side, o.price, o.qty);
            }
        }
    }

    fn translate(
        &mut self,
        m: usize,
        report: &Report,
        pending: Option<&Pending>,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) {
        let fill_history = self.config.fill_history;
        let market = &mut self.markets[m];
        Translate {
            index: m,
            spec: &market.spec,
            orders: &mut market.book,
            fills: &mut self.fills,
            fill_history,
            pending,
            ts: now_ns,
            public: market.replay.is_none(),
        }
        .report(report, out);
    }

    /// Turns a request's report into its acknowledgement: the error of a rejection, or the
    /// final update of the order it created (or of `target`) with its fills.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        m: usize,
        account: AccountId,
        report: &Report,
        pending: Option<&Pending>,
        target: Option<OrderId>,
        now_ns: i64,
        out: &mut Vec<Outbound>,
    ) -> Result<OrderAck, ApiError> {
        if let Some(err) = rejection(report, account) {
            return Err(err);
        }
        let id = accepted(report, account)
            .or(target)
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "no order in the report"))?;
        let start = out.len();
        self.translate(m, report, pending, now_ns, out);
        ack_of(&out[start..], account, id)
    }
}

/// The error of a report that rejected `account`'s request.
fn rejection(report: &Report, account: AccountId) -> Option<ApiError> {
    report.events.iter().find_map(|e| match e {
        OrderEvent::Rejected {
            account: a, reason, ..
        } if *a == account => Some(match reason {
            RejectReason::UnknownOrder => unknown_order(),
            other => ApiError::rejected(other.clone()),
        }),
        _ => None,
    })
}

/// The order a report created for `account`.
fn accepted(report: &Report, account: AccountId) -> Option<OrderId> {
    report.events.iter().find_map(|e| match e {
        OrderEvent::Accepted {
            order, account: a, ..
        } if *a == account => Some(*order),
        _ => None,
    })
}

/// The acknowledgement of order `id` of `account` from the messages a request produced: its
/// last update and its fills.
fn ack_of(out: &[Outbound], account: AccountId, id: OrderId) -> Result<OrderAck, ApiError> {
    let venue_id = super::market::venue_id(id);
    let mut order: Option<OrderUpdateMsg> = None;
    let mut fills = Vec::new();
    for o in out {
        match o {
            Outbound::Account {
                account: a,
                msg: ServerMessage::Order(u),
            } if *a == account && u.order_id == venue_id => order = Some(u.clone()),
            Outbound::Account {
                account: a,
                msg: ServerMessage::Fill(f),
            } if *a == account && f.order_id == venue_id => fills.push(f.clone()),
            _ => {}
        }
    }
    let order =
        order.ok_or_else(|| ApiError::new(ErrorCode::Internal, "no update for the order"))?;
    Ok(OrderAck { order, fills })
}

fn unknown_order() -> ApiError {
    ApiError::new(ErrorCode::UnknownOrder, "no such open order")
}

fn rate_limited(e: &RateLimitError) -> ApiError {
    let mut err = ApiError::new(ErrorCode::RateLimited, e.to_string());
    if let RateLimitError::Exhausted { retry_after_ns } = e {
        err.retry_after_ms = Some(retry_after_ns.div_ceil(1_000_000));
    }
    err
}

/// The venue's counterparty account of the replay of hosted market `m`.
fn replay_counterparty(m: usize) -> AccountId {
    let offset = u32::try_from(m).unwrap_or(u32::MAX / 4).saturating_mul(2);
    AccountId(FLOW_ACCOUNT_BASE.saturating_add(offset + 1))
}
