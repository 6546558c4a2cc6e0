//! The simulator over real loopback sockets, driven through `SimVenue` and raw HTTP.

use flashmm_core::book::{BookError, OrderBook};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::OrderStatus;
use flashmm_sim::exchange::{default_flow_params, Exchange, ExchangeConfig, MarketSetup};
use flashmm_sim::matching::{RejectReason, TimeInForce};
use flashmm_sim::ratelimit::RateLimit;
use flashmm_venue::protocol::{paths, ApiError, ErrorCode};
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{NewOrder, SimVenue, SimVenueConfig, Venue, VenueEvent};
use rust_decimal::Decimal;
use sim_venue::{now_ns, AppState, ServerOptions};
use std::future::Future;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn sei() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc_with_fees()
}

struct Server {
    addr: SocketAddr,
    signer: Arc<Signer>,
    other: Arc<Signer>,
}

impl Server {
    fn config(&self) -> SimVenueConfig {
        let mut c = SimVenueConfig::new(
            format!("http://{}", self.addr),
            format!("ws://{}{}", self.addr, paths::WS),
        );
        c.backoff_min = Duration::from_millis(20);
        c.backoff_max = Duration::from_millis(200);
        c
    }

    async fn client(&self) -> SimVenue {
        SimVenue::connect(self.config(), Some(self.signer.clone()))
            .await
            .unwrap()
    }

    async fn faults(&self, body: &str) {
        let r = reqwest::Client::new()
            .post(format!("http://{}{}", self.addr, paths::ADMIN_FAULTS))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

/// Starts a server on an ephemeral loopback port with two funded accounts.
async fn start(flow: bool, rate_limit: RateLimit) -> Server {
    let setup = MarketSetup {
        spec: spec(),
        flow: flow.then(|| default_flow_params(&spec())),
    };
    let config = ExchangeConfig {
        rate_limit,
        speed: 4.0,
        ..ExchangeConfig::default()
    };
    let mut ex = Exchange::new(vec![setup], config, now_ns()).unwrap();
    let signer = Arc::new(Signer::generate(1).unwrap());
    let other = Arc::new(Signer::generate(1).unwrap());
    let funds = [("SEI", d("100000")), ("USDC", d("100000"))];
    ex.register_account(signer.key_id(), &funds).unwrap();
    ex.register_account(other.key_id(), &funds).unwrap();
    let state = AppState::new(ex, ServerOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    if flow {
        sim_venue::spawn_flow(state.clone(), Duration::from_millis(2));
    }
    tokio::spawn(sim_venue::serve(listener, state, std::future::pending()));
    Server {
        addr,
        signer,
        other,
    }
}

fn generous() -> RateLimit {
    RateLimit {
        capacity: 1000,
        refill_per_sec: 1000,
    }
}

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test exceeded its time bound")
}

fn order(cid: &str, side: Side, price: &str, size: &str, tif: TimeInForce) -> NewOrder {
    let s = spec();
    NewOrder {
        market: sei(),
        client_id: ClientOrderId::new(cid).unwrap(),
        side,
        price: s.price(price).unwrap(),
        qty: s.qty(size).unwrap(),
        tif,
    }
}

/// Sends a raw signed POST and returns the status and typed error body.
async fn raw_post(
    server: &Server,
    path: &str,
    body: &str,
    headers: &[(&str, String)],
) -> (u16, Option<ApiError>) {
    let mut req = reqwest::Client::new()
        .post(format!("http://{}{}", server.addr, path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, v.clone());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).ok())
}

#[tokio::test]
async fn signed_orders_are_accepted_and_bad_auth_is_refused() {
    bounded(async {
        let server = start(false, generous()).await;
        let venue = server.client().await;
        let report = venue
            .place(&order("a1", Side::Buy, "0.4", "10", TimeInForce::Gtc))
            .await
            .unwrap();
        assert_eq!(report.status, OrderStatus::Open);
        assert_eq!(venue.open_orders(None).await.unwrap().len(), 1);

        let body = r#"{"market":"SEI/USDC","client_order_id":"x1","side":"buy","price":"0.4","size":"10","tif":"gtc"}"#;
        let expiry = now_ns() + 5_000_000_000;
        let good = server.signer.sign("POST", paths::ORDERS, body.as_bytes(), expiry);
        // Signed by another registered key but claiming the first key: bad signature.
        let mut forged = server.other.sign("POST", paths::ORDERS, body.as_bytes(), expiry);
        forged.key_id = server.signer.key_id().to_owned();
        let (status, err) = raw_post(&server, paths::ORDERS, body, &forged.pairs()).await;
        assert_eq!((status, err.map(|e| e.code)), (401, Some(ErrorCode::BadSignature)));
        // Body changed after signing: bad signature.
        let tampered = body.replace("\"10\"", "\"11\"");
        let (status, _) = raw_post(&server, paths::ORDERS, &tampered, &good.pairs()).await;
        assert_eq!(status, 401);
        // Expired.
        let late = server.signer.sign("POST", paths::ORDERS, body.as_bytes(), now_ns() - 1);
        let (status, err) = raw_post(&server, paths::ORDERS, body, &late.pairs()).await;
        assert_eq!((status, err.map(|e| e.code)), (403, Some(ErrorCode::Expired)));
        // Accepted once, then the same nonce is a replay.
        let (status, _) = raw_post(&server, paths::ORDERS, body, &good.pairs()).await;
        assert_eq!(status, 200);
        let (status, err) = raw_post(&server, paths::ORDERS, body, &good.pairs()).await;
        assert_eq!((status, err.map(|e| e.code)), (409, Some(ErrorCode::ReplayedNonce)));
        // No signature at all.
        let (status, err) = raw_post(&server, paths::ORDERS, body, &[]).await;
        assert_eq!((status, err.map(|e| e.code)), (401, Some(ErrorCode::MissingAuth)));
        assert_eq!(venue.open_orders(None).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn post_only_and_ioc_over_rest() {
    bounded(async {
        let server = start(false, generous()).await;
        let maker = server.client().await;
        let taker = SimVenue::connect(server.config(), Some(server.other.clone()))
            .await
            .unwrap();
        let rest = maker
            .place(&order(
                "m1",
                Side::Sell,
                "0.4010",
                "100",
                TimeInForce::PostOnly,
            ))
            .await
            .unwrap();
        assert_eq!(rest.status, OrderStatus::Open);
        let err = taker
            .place(&order(
                "t1",
                Side::Buy,
                "0.4010",
                "5",
                TimeInForce::PostOnly,
            ))
            .await
            .unwrap_err();
        let api = err.api().expect("typed error");
        assert_eq!(api.code, ErrorCode::Rejected);
        assert_eq!(api.reject, Some(RejectReason::PostOnlyWouldTake));
        let ioc = taker
            .place(&order("t2", Side::Buy, "0.4020", "150", TimeInForce::Ioc))
            .await
            .unwrap();
        assert_eq!(ioc.status, OrderStatus::Expired);
        assert_eq!(ioc.filled, spec().qty("100").unwrap());
        assert_eq!(ioc.fills.len(), 1);
        assert_eq!(ioc.fills[0].price, spec().price("0.4010").unwrap());
        assert_eq!(ioc.fills[0].fee, d("0.02005")); // 40.1 × 0.0005
        assert!(maker.open_orders(None).await.unwrap().is_empty());
        let usdc = maker
            .balances()
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.asset == "USDC")
            .unwrap();
        assert_eq!(usdc.available, d("100040.1040100")); // 40.1 + 0.00401 rebate
        let fills = maker.fills_since(0).await.unwrap();
        assert_eq!(fills.len(), 1);
    })
    .await;
}

/// Applies stream events to a book until `stop` says so; returns the book.
async fn next_book_event(stream: &mut flashmm_venue::venue::EventStream) -> VenueEvent {
    stream.next().await.expect("stream ended")
}

#[tokio::test]
async fn ws_snapshot_then_gapless_deltas_rebuild_the_venue_book() {
    bounded(async {
        let server = start(true, generous()).await;
        let venue = server.client().await;
        let mut stream = venue.subscribe(&[sei()]).await.unwrap();
        let mut book = OrderBook::new(sei());
        let mut deltas = 0;
        let mut trades = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(600);
        while tokio::time::Instant::now() < deadline || deltas < 20 {
            match next_book_event(&mut stream).await {
                VenueEvent::Market(MarketEvent::Snapshot(s)) => {
                    assert!(book.seq().is_none(), "one snapshot per connection");
                    book.apply_snapshot(&s).unwrap();
                }
                VenueEvent::Market(MarketEvent::Delta(delta)) => {
                    book.apply_delta(&delta).unwrap();
                    deltas += 1;
                }
                VenueEvent::Market(MarketEvent::Trade(_)) => trades += 1,
                _ => {}
            }
        }
        assert!(deltas >= 20, "{deltas} deltas");
        // A REST snapshot taken now is at or ahead of the book; catch up to it exactly.
        let rest = venue.snapshot(&sei()).await.unwrap();
        while book.seq() < Some(rest.seq) {
            if let VenueEvent::Market(MarketEvent::Delta(delta)) =
                next_book_event(&mut stream).await
            {
                book.apply_delta(&delta).unwrap();
            }
        }
        assert_eq!(book.seq(), Some(rest.seq));
        let ours = book.to_snapshot().unwrap();
        assert_eq!(ours.bids, rest.bids);
        assert_eq!(ours.asks, rest.asks);
        assert!(!rest.bids.is_empty() && !rest.asks.is_empty());
        let _ = trades;
    })
    .await;
}

#[tokio::test]
async fn skip_seq_fault_produces_a_detectable_gap() {
    bounded(async {
        let server = start(true, generous()).await;
        let venue = server.client().await;
        let mut stream = venue.subscribe(&[sei()]).await.unwrap();
        let mut book = OrderBook::new(sei());
        loop {
            if let VenueEvent::Market(MarketEvent::Snapshot(s)) = next_book_event(&mut stream).await
            {
                book.apply_snapshot(&s).unwrap();
                break;
            }
        }
        server.faults(r#"{"skip_seq": 3}"#).await;
        let gap = loop {
            if let VenueEvent::Market(MarketEvent::Delta(delta)) =
                next_book_event(&mut stream).await
            {
                match book.apply_delta(&delta) {
                    Ok(()) => continue,
                    Err(e) => break e,
                }
            }
        };
        assert!(matches!(gap, BookError::SequenceGap { .. }), "{gap:?}");
        // Resync from a snapshot, then deltas apply again.
        let snap = venue.snapshot(&sei()).await.unwrap();
        book.apply_snapshot(&snap).unwrap();
        let mut applied = 0;
        while applied < 3 {
            if let VenueEvent::Market(MarketEvent::Delta(delta)) =
                next_book_event(&mut stream).await
            {
                if delta.seq > snap.seq {
                    book.apply_delta(&delta).unwrap();
                    applied += 1;
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn drop_fault_disconnects_and_the_client_reconnects() {
    bounded(async {
        let server = start(true, generous()).await;
        let venue = server.client().await;
        let mut stream = venue.subscribe(&[sei()]).await.unwrap();
        assert_eq!(next_book_event(&mut stream).await, VenueEvent::Connected);
        loop {
            if let VenueEvent::Market(MarketEvent::Snapshot(_)) = next_book_event(&mut stream).await
            {
                break;
            }
        }
        server.faults(r#"{"drop_ws": true}"#).await;
        let mut saw_disconnect = false;
        loop {
            match next_book_event(&mut stream).await {
                VenueEvent::Disconnected { .. } => saw_disconnect = true,
                VenueEvent::Market(MarketEvent::Snapshot(s)) if saw_disconnect => {
                    assert_eq!(s.market, sei());
                    break;
                }
                _ => {}
            }
        }
    })
    .await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    bounded(async {
        let limit = RateLimit {
            capacity: 5,
            refill_per_sec: 1,
        };
        let server = start(false, limit).await;
        let venue = server.client().await;
        let mut ok = 0;
        let mut limited = None;
        for _ in 0..8 {
            match venue.balances().await {
                Ok(_) => ok += 1,
                Err(e) => limited = e.api().cloned(),
            }
        }
        assert_eq!(ok, 5);
        let e = limited.expect("rate limited");
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.retry_after_ms.is_some_and(|ms| ms > 0 && ms <= 1000));
    })
    .await;
}

#[tokio::test]
async fn account_events_carry_own_orders_without_market_data() {
    bounded(async {
        let server = start(true, generous()).await;
        let venue = server.client().await;
        let mut stream = venue.account_events(&[sei()]).await.unwrap();
        assert_eq!(next_book_event(&mut stream).await, VenueEvent::Connected);
        // The session authenticates after `Connected`: place until an update comes back.
        let mut events = Vec::new();
        let mut placed = Vec::new();
        'placing: for i in 0..20 {
            let cid = format!("a{i}");
            let report = venue
                .place(&order(&cid, Side::Buy, "0.05", "100", TimeInForce::Gtc))
                .await
                .unwrap();
            placed.push(report.venue_order_id);
            let until = tokio::time::Instant::now() + Duration::from_millis(200);
            while let Ok(e) = tokio::time::timeout_at(until, stream.next()).await {
                let e = e.expect("stream ended");
                let ours = matches!(&e, VenueEvent::Order(o) if placed.contains(&o.venue_order_id));
                events.push(e);
                if ours {
                    break 'placing;
                }
            }
        }
        assert!(
            matches!(events.last(), Some(VenueEvent::Order(o)) if o.status == OrderStatus::Open),
            "no update of our order: {events:?}"
        );
        // The simulator's flow moves the book meanwhile: none of it comes here.
        let before = venue.snapshot(&sei()).await.unwrap().seq;
        let until = tokio::time::Instant::now() + Duration::from_millis(600);
        while let Ok(e) = tokio::time::timeout_at(until, stream.next()).await {
            events.push(e.expect("stream ended"));
        }
        let after = venue.snapshot(&sei()).await.unwrap().seq;
        assert!(
            after >= before + 20,
            "the book did not move: {before} → {after}"
        );
        assert!(
            events.iter().all(|e| matches!(e, VenueEvent::Order(_))),
            "{events:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn cancel_on_disconnect_cancels_the_account_orders() {
    bounded(async {
        let server = start(false, generous()).await;
        let venue = server.client().await;
        let mut stream = venue.subscribe(&[sei()]).await.unwrap();
        assert_eq!(next_book_event(&mut stream).await, VenueEvent::Connected);
        loop {
            if let VenueEvent::Market(MarketEvent::Snapshot(_)) = next_book_event(&mut stream).await
            {
                break;
            }
        }
        let placed = venue
            .place(&order("c1", Side::Buy, "0.3", "10", TimeInForce::Gtc))
            .await
            .unwrap();
        // The order's own update arrives on the authenticated stream.
        loop {
            if let VenueEvent::Order(o) = next_book_event(&mut stream).await {
                assert_eq!(o.venue_order_id, placed.venue_order_id);
                assert_eq!(o.status, OrderStatus::Open);
                break;
            }
        }
        assert_eq!(venue.open_orders(None).await.unwrap().len(), 1);
        drop(stream);
        let mut waited = Duration::ZERO;
        while !venue.open_orders(None).await.unwrap().is_empty() {
            assert!(
                waited < Duration::from_secs(3),
                "orders still open after disconnect"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += Duration::from_millis(10);
        }
    })
    .await;
}
