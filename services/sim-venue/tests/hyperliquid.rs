//! `HyperliquidVenue` against the Hyperliquid mock (`sim-venue --wire hyperliquid`) over real
//! loopback sockets: orders by cloid, signatures, nonces, API wallets, reconnects and
//! snapshots, the dead man's switch, rate limits.

use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::order::{OrderStatus, TimeInForce};
use flashmm_hyperliquid::{
    Action, Address, Asset, CancelByCloidWire, Cloid, ExchangeRequest, ExchangeResponse, L1Context,
    Network, Signer,
};
use flashmm_sim::exchange::{Exchange, ExchangeConfig, MarketSetup};
use flashmm_sim::ratelimit::RateLimit;
use flashmm_venue::protocol::ErrorCode;
use flashmm_venue::venue::{
    EventStream, HyperliquidConfig, HyperliquidVenue, NewOrder, OrderRef, ReplaceOrder, Venue,
    VenueEvent,
};
use rust_decimal::Decimal;
use sim_venue::hyperliquid::start::{self, Setup};
use sim_venue::hyperliquid::HlState;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;
use tokio::time::{timeout, Instant};

const LIMIT: Duration = Duration::from_secs(20);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

fn sei() -> MarketId {
    MarketId::new("SEI/USDC").expect("market")
}

fn spec() -> MarketSpec {
    MarketSpec::new(
        sei(),
        d("0.0001"),
        d("0.1"),
        d("1"),
        d("-0.0001"),
        d("0.0005"),
    )
    .expect("spec")
}

fn key(byte: u8) -> Signer {
    Signer::from_bytes([byte; 32]).expect("key")
}

fn id(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).expect("id")
}

struct Mock {
    addr: SocketAddr,
    state: HlState,
    master: Signer,
    agent: Signer,
    other: Signer,
}

async fn mock(rate: RateLimit) -> Mock {
    let (master, agent, other) = (key(7), key(8), key(9));
    let exchange = Exchange::new(
        vec![MarketSetup {
            spec: spec(),
            flow: None,
        }],
        ExchangeConfig::default(),
        sim_venue::now_ns(),
    )
    .expect("exchange");
    let setup = Setup {
        network: Network::Testnet,
        accounts: vec![master.address(), other.address()],
        agents: vec![(agent.address(), master.address())],
        funds: d("100000"),
        rate_limit: rate,
        seed: 1,
    };
    let state = start::state(exchange, &setup).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let serve_state = state.clone();
    tokio::spawn(async move {
        let _ = sim_venue::hyperliquid::serve(listener, serve_state, std::future::pending()).await;
    });
    sim_venue::hyperliquid::spawn_schedules(state.clone(), Duration::from_millis(50));
    Mock {
        addr,
        state,
        master,
        agent,
        other,
    }
}

fn generous() -> RateLimit {
    RateLimit {
        capacity: 1000,
        refill_per_sec: 1000,
    }
}

impl Mock {
    fn config(&self, account: Option<Address>) -> HyperliquidConfig {
        let mut c = HyperliquidConfig::new(
            Network::Testnet,
            format!("http://{}", self.addr),
            format!("ws://{}/ws", self.addr),
        );
        c.account = account;
        c.backoff_min = Duration::from_millis(20);
        c.backoff_max = Duration::from_millis(200);
        c.dead_man = None;
        c
    }

    /// The trading client: the API wallet signs for the master account.
    async fn client(&self) -> HyperliquidVenue {
        HyperliquidVenue::connect(
            self.config(Some(self.master.address())),
            Some(self.agent.clone()),
            vec![spec()],
        )
        .await
        .expect("connect")
    }

    /// Another account, trading with its own key.
    async fn other(&self) -> HyperliquidVenue {
        HyperliquidVenue::connect(self.config(None), Some(self.other.clone()), vec![spec()])
            .await
            .expect("connect")
    }

    async fn post(&self, path: &str, body: &impl serde::Serialize) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("http://{}{path}", self.addr))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).expect("json"))
            .send()
            .await
            .expect("post")
    }
}

fn order(client_id: &str, side: Side, ticks: i64, lots: i64, tif: TimeInForce) -> NewOrder {
    NewOrder {
        market: sei(),
        client_id: id(client_id),
        side,
        price: Price::from_ticks(ticks),
        qty: Qty::from_lots(lots),
        tif,
    }
}

async fn next_matching(
    events: &mut EventStream,
    what: &str,
    f: impl Fn(&VenueEvent) -> bool,
) -> VenueEvent {
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, events.next()).await {
            Ok(Some(e)) if f(&e) => return e,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("stream ended waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

#[tokio::test]
async fn orders_by_cloid_fill_and_map_back_after_a_restart() {
    let m = mock(generous()).await;
    let venue = m.client().await;
    assert_eq!(venue.user(), Some(m.master.address()));
    assert_eq!(venue.signer_address(), Some(m.agent.address()));
    assert_eq!(venue.hl_markets()[0].asset, Asset(10_000));
    let mut events = venue.account_events(&[sei()]).await.expect("events");
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;

    // Resting post-only bid: 0.4200 for 100.0.
    let placed = venue
        .place(&order(
            "SEI-USDC-1-1",
            Side::Buy,
            4200,
            1000,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("place");
    assert_eq!(placed.status, OrderStatus::Open);
    assert_eq!(placed.price, Price::from_ticks(4200));
    let open = venue.open_orders(None).await.expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_id, id("SEI-USDC-1-1"));
    assert_eq!(open[0].leaves, Qty::from_lots(1000));

    // The same cloid again is refused while the order is open.
    let dup = venue
        .place(&order(
            "SEI-USDC-1-1",
            Side::Buy,
            4100,
            1000,
            TimeInForce::PostOnly,
        ))
        .await
        .expect_err("duplicate cloid");
    assert_eq!(
        dup.api().map(|a| a.code),
        Some(ErrorCode::DuplicateClientOrderId)
    );

    // Modify by cloid into a new cloid (batchModify).
    let moved = venue
        .cancel_replace(&ReplaceOrder {
            market: sei(),
            order: OrderRef::ClientOrderId(id("SEI-USDC-1-1")),
            price: Price::from_ticks(4210),
            qty: Qty::from_lots(500),
            new_client_id: Some(id("SEI-USDC-1-2")),
        })
        .await
        .expect("modify");
    assert_eq!(moved.client_id, id("SEI-USDC-1-2"));
    let open = venue.open_orders(Some(&sei())).await.expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_id, id("SEI-USDC-1-2"));
    assert_eq!(open[0].price, Price::from_ticks(4210));

    // Another account sells into it: the fill arrives on the stream under FlashMM's id.
    let other = m.other().await;
    let taken = other
        .place(&order("taker-1", Side::Sell, 4210, 200, TimeInForce::Ioc))
        .await
        .expect("ioc");
    assert_eq!(taken.status, OrderStatus::Filled);
    let fill = next_matching(&mut events, "fill", |e| matches!(e, VenueEvent::Fill(_))).await;
    let VenueEvent::Fill(fill) = fill else {
        unreachable!()
    };
    assert_eq!(fill.client_id, id("SEI-USDC-1-2"));
    assert_eq!(fill.qty, Qty::from_lots(200));
    assert_eq!(fill.price, Price::from_ticks(4210));
    assert_eq!(fill.side, Side::Buy);
    let history = venue.fills(0).await.expect("fills");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].trade_id, fill.trade_id);
    let balances = venue.balances().await.expect("balances");
    let sei_balance = balances.iter().find(|b| b.asset == "SEI").expect("SEI");
    assert_eq!(sei_balance.available + sei_balance.reserved, d("100020"));

    // A restart: a fresh client knows no cloid until told the ids it may have sent.
    let restarted = m.client().await;
    let open = restarted.open_orders(None).await.expect("open");
    let cloid = Cloid::from_client_order_id(&id("SEI-USDC-1-2"));
    assert_eq!(open[0].client_id.as_str(), cloid.to_string());
    restarted.recall(&[id("SEI-USDC-1-2")]);
    let open = restarted.open_orders(None).await.expect("open");
    assert_eq!(open[0].client_id, id("SEI-USDC-1-2"));
    assert_eq!(
        restarted.fills(0).await.expect("fills")[0].client_id,
        id("SEI-USDC-1-2")
    );

    // Cancel by cloid; a second cancel is refused as the venue refuses an unknown order.
    let cancelled = restarted
        .cancel(&sei(), &OrderRef::ClientOrderId(id("SEI-USDC-1-2")))
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let again = restarted
        .cancel(&sei(), &OrderRef::ClientOrderId(id("SEI-USDC-1-2")))
        .await
        .expect_err("unknown cloid");
    assert_eq!(again.api().map(|a| a.code), Some(ErrorCode::UnknownOrder));
    assert!(venue.open_orders(None).await.expect("open").is_empty());

    // cancel_all cancels by venue id what the listing shows.
    for i in 0..3 {
        venue
            .place(&order(
                &format!("SEI-USDC-1-{}", 10 + i),
                Side::Sell,
                4300 + i,
                100,
                TimeInForce::Gtc,
            ))
            .await
            .expect("place");
    }
    let all = venue.cancel_all(None).await.expect("cancel all");
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|r| r.status == OrderStatus::Cancelled));
    assert!(venue.open_orders(None).await.expect("open").is_empty());
}

#[tokio::test]
async fn refuses_unknown_signers_bad_signatures_and_reused_nonces() {
    let m = mock(generous()).await;
    // A key that is neither an account nor an approved API wallet.
    let stranger = HyperliquidVenue::connect(
        m.config(Some(m.master.address())),
        Some(key(42)),
        vec![spec()],
    )
    .await
    .expect("connect");
    let e = stranger
        .place(&order("x-1", Side::Buy, 4000, 100, TimeInForce::Gtc))
        .await
        .expect_err("unknown signer");
    assert_eq!(e.api().map(|a| a.code), Some(ErrorCode::UnknownKey));

    let ctx = L1Context::new(Network::Testnet);
    let action = Action::cancel_by_cloid(vec![CancelByCloidWire {
        asset: Asset(10_000),
        cloid: Cloid::new([3; 16]),
    }]);
    let nonce = u64::try_from(sim_venue::now_ns() / 1_000_000).expect("ms");
    let signature = m.agent.sign_l1_action(&action, nonce, &ctx).expect("sign");
    let request = ExchangeRequest {
        action: action.clone(),
        nonce,
        signature,
        vault_address: None,
        expires_after: None,
    };
    let read = |r: reqwest::Response| async move {
        let bytes = r.bytes().await.expect("body");
        serde_json::from_slice::<ExchangeResponse>(&bytes).expect("response")
    };
    // Well signed, for an unknown cloid: processed, and that cancel refused.
    let first = read(m.post("/exchange", &request).await).await;
    assert!(
        matches!(&first.statuses()[0], flashmm_hyperliquid::exchange::Status::Error(s) if s.contains("never placed")),
        "{first:?}"
    );
    // The same nonce again: refused as a whole.
    let replay = read(m.post("/exchange", &request).await).await;
    assert!(
        matches!(&replay, ExchangeResponse::Err(s) if s.contains("nonce")),
        "{replay:?}"
    );
    // A nonce two days old.
    let stale = ExchangeRequest {
        nonce: nonce - 3 * 24 * 3600 * 1000,
        signature: m
            .agent
            .sign_l1_action(&action, nonce - 3 * 24 * 3600 * 1000, &ctx)
            .expect("sign"),
        ..request.clone()
    };
    let stale = read(m.post("/exchange", &stale).await).await;
    assert!(
        matches!(&stale, ExchangeResponse::Err(s) if s.contains("nonce")),
        "{stale:?}"
    );
    // Signed for mainnet, or over another nonce: recovers someone else.
    let mainnet = ExchangeRequest {
        nonce: nonce + 1,
        signature: m
            .agent
            .sign_l1_action(&action, nonce + 1, &L1Context::new(Network::Mainnet))
            .expect("sign"),
        ..request.clone()
    };
    let refused = read(m.post("/exchange", &mainnet).await).await;
    assert!(
        matches!(&refused, ExchangeResponse::Err(s) if s.contains("does not exist")),
        "{refused:?}"
    );
    let tampered = ExchangeRequest {
        nonce: nonce + 2,
        ..request.clone()
    };
    let refused = read(m.post("/exchange", &tampered).await).await;
    assert!(
        matches!(&refused, ExchangeResponse::Err(s) if s.contains("does not exist")),
        "{refused:?}"
    );

    // A price with six significant figures breaks the venue's rule; the client rounds a
    // passive quote instead (a bid down, an ask up) and reports the venue's price.
    let venue = m.client().await;
    let bid = venue
        .place(&order(
            "SEI-USDC-2-1",
            Side::Buy,
            123_456,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("bid");
    assert_eq!(bid.price, Price::from_ticks(123_450));
    let ask = venue
        .place(&order(
            "SEI-USDC-2-2",
            Side::Sell,
            123_456,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("ask");
    assert_eq!(ask.price, Price::from_ticks(123_460));
    // Post-only that would cross is refused.
    let crossing = venue
        .place(&order(
            "SEI-USDC-2-3",
            Side::Buy,
            123_460,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect_err("crossing ALO");
    assert_eq!(crossing.api().map(|a| a.code), Some(ErrorCode::Rejected));
    // Role of the API wallet.
    let role = venue.user_role(m.agent.address()).await.expect("role");
    assert_eq!(role["role"], "agent");
}

#[tokio::test]
async fn market_data_snapshots_after_every_connect() {
    let m = mock(generous()).await;
    let other = m.other().await;
    other
        .place(&order("mk-1", Side::Buy, 4200, 1000, TimeInForce::Gtc))
        .await
        .expect("bid");
    other
        .place(&order("mk-2", Side::Sell, 4300, 1000, TimeInForce::Gtc))
        .await
        .expect("ask");
    let data = HyperliquidVenue::connect(m.config(None), None, vec![spec()])
        .await
        .expect("public client");
    let mut events = data.subscribe(&[sei()]).await.expect("subscribe");
    let snap = next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Snapshot(_))
    })
    .await;
    let VenueEvent::Snapshot(snap) = snap else {
        unreachable!()
    };
    assert_eq!(snap.bids.len(), 1);
    assert_eq!(snap.bids[0].price, Price::from_ticks(4200));
    // A change arrives as a delta.
    other
        .place(&order("mk-3", Side::Buy, 4250, 100, TimeInForce::Gtc))
        .await
        .expect("bid");
    let delta = next_matching(&mut events, "delta", |e| matches!(e, VenueEvent::Delta(_))).await;
    let VenueEvent::Delta(delta) = delta else {
        unreachable!()
    };
    assert!(delta.seq > snap.seq);
    assert_eq!(delta.bids[0].price, Price::from_ticks(4250));
    // A trade.
    // Another account takes it (an account does not trade with itself).
    m.client()
        .await
        .place(&order(
            "SEI-USDC-5-1",
            Side::Sell,
            4250,
            100,
            TimeInForce::Ioc,
        ))
        .await
        .expect("ioc");
    next_matching(
        &mut events,
        "trade",
        |e| matches!(e, VenueEvent::Trade(t) if t.aggressor == Side::Sell),
    )
    .await;
    // Dropped by the venue: disconnected, reconnected, a fresh snapshot.
    m.post("/admin/faults", &serde_json::json!({"drop_ws": true}))
        .await;
    next_matching(&mut events, "disconnected", |e| {
        matches!(e, VenueEvent::Disconnected { .. })
    })
    .await;
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    let again = next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Snapshot(_))
    })
    .await;
    let VenueEvent::Snapshot(again) = again else {
        unreachable!()
    };
    assert!(again.seq > delta.seq);
    assert_eq!(again.bids.len(), 1, "the IOC took the 4250 bid");
    // The REST snapshot agrees.
    let rest = data.snapshot(&sei()).await.expect("snapshot");
    assert_eq!(rest.bids, again.bids);
    assert_eq!(rest.asks, again.asks);
}

#[tokio::test]
async fn stale_books_reconnect() {
    let m = mock(generous()).await;
    let mut config = m.config(None);
    config.stale_after = Duration::from_millis(300);
    config.ping_interval = Duration::from_millis(100);
    let data = HyperliquidVenue::connect(config, None, vec![spec()])
        .await
        .expect("client");
    let mut events = data.subscribe(&[sei()]).await.expect("subscribe");
    next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Snapshot(_))
    })
    .await;
    // Nothing changes: no book for longer than stale_after, so the client resyncs.
    let lost = next_matching(&mut events, "stale", |e| {
        matches!(e, VenueEvent::Disconnected { .. })
    })
    .await;
    assert!(
        matches!(lost, VenueEvent::Disconnected { ref reason } if reason.contains("stale")),
        "{lost:?}"
    );
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    next_matching(&mut events, "snapshot", |e| {
        matches!(e, VenueEvent::Snapshot(_))
    })
    .await;
}

#[tokio::test]
async fn schedule_cancel_fires_when_the_connection_is_lost() {
    let m = mock(generous()).await;
    let mut config = m.config(Some(m.master.address()));
    config.dead_man = Some(Duration::from_secs(6));
    config.dead_man_rearm = Duration::from_millis(500);
    let venue = HyperliquidVenue::connect(config, Some(m.agent.clone()), vec![spec()])
        .await
        .expect("client");
    let mut events = venue.account_events(&[sei()]).await.expect("events");
    next_matching(&mut events, "connected", |e| {
        matches!(e, VenueEvent::Connected)
    })
    .await;
    venue
        .place(&order(
            "SEI-USDC-3-1",
            Side::Buy,
            4000,
            100,
            TimeInForce::PostOnly,
        ))
        .await
        .expect("place");
    // Healthy for longer than the schedule: re-armed, the order stays.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(venue.open_orders(None).await.expect("open").len(), 1);
    assert_eq!(m.state.scheduled_cancels_fired(), 0);
    // The WebSocket goes down and stays down: re-arming stops and the schedule fires.
    m.post(
        "/admin/hyperliquid/outage",
        &serde_json::json!({"ws_ms": 20_000}),
    )
    .await;
    let start = Instant::now();
    loop {
        if venue.open_orders(None).await.expect("open").is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "orders not cancelled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        start.elapsed() > Duration::from_secs(3),
        "cancelled by the schedule, not at once"
    );
    assert_eq!(m.state.scheduled_cancels_fired(), 1);
    drop(events);
}

#[tokio::test]
async fn rate_limit_answers_back_off() {
    let m = mock(RateLimit {
        capacity: 3,
        refill_per_sec: 2,
    })
    .await;
    let mut config = m.config(Some(m.master.address()));
    config.backoff_min = Duration::from_millis(300);
    config.backoff_max = Duration::from_secs(2);
    let venue = HyperliquidVenue::connect(config, Some(m.agent.clone()), vec![spec()])
        .await
        .expect("client");
    let mut limited = None;
    for i in 0..6 {
        let r = venue
            .place(&order(
                &format!("SEI-USDC-4-{i}"),
                Side::Buy,
                4000 - i,
                100,
                TimeInForce::PostOnly,
            ))
            .await;
        if let Err(e) = r {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("a rate-limit answer");
    let api = e.api().expect("typed");
    assert_eq!(api.code, ErrorCode::RateLimited);
    assert_eq!(api.retry_after_ms, Some(300));
    // The next request waits out the back-off instead of hammering.
    let start = Instant::now();
    venue.open_orders(None).await.expect("open");
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
}
