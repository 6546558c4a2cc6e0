//! The simulator replaying a recording, over real loopback sockets, driven through `SimVenue`:
//! the feed is the recording (snapshot, deltas, trades, and the clear of a loop), and an order
//! resting in the recorded book fills once the recorded trades have eaten the queue ahead.

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::{ClientOrderId, TradeId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::OrderStatus;
use flashmm_core::time::{UnixNanos, NANOS_PER_MILLI};
use flashmm_core::trade::Trade;
use flashmm_recording::{Record, RecordEvent};
use flashmm_sim::exchange::{Exchange, ExchangeConfig, MarketSetup, ReplayOptions};
use flashmm_sim::latency::Latency;
use flashmm_sim::matching::{RejectReason, TimeInForce};
use flashmm_sim::queue::CancelModel;
use flashmm_venue::protocol::{paths, OrderRef};
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{NewOrder, SimVenue, SimVenueConfig, Venue, VenueError, VenueEvent};
use rust_decimal::Decimal;
use sim_venue::{now_ns, AppState, ServerOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
const MS: i64 = NANOS_PER_MILLI;
/// Recording time of the first record.
const T0: i64 = 1_723_161_254_000_000_000;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn btc() -> MarketId {
    MarketId::new("BTC/USDT").unwrap()
}

fn spec() -> MarketSpec {
    MarketSpec::new(btc(), d("0.01"), d("0.001"), d("0"), d("0"), d("0")).unwrap()
}

fn at(ms: i64, event: RecordEvent) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + ms * MS),
        event,
    }
}

fn lv(price: i64, qty: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(price), Qty::from_lots(qty))
}

/// 100.00 × 5 lots bid and 100.01 × 5 lots ask; every 10 ms a sell of 1 lot at 100.00 and the
/// bid level back to 5 lots (refilled), for `lap_ms`.
fn recording(lap_ms: i64) -> Vec<Record> {
    let mut records = vec![at(
        0,
        RecordEvent::from(BookSnapshot {
            market: btc(),
            seq: 1,
            bids: vec![lv(10_000, 5)],
            asks: vec![lv(10_001, 5)],
            ts: UnixNanos(T0),
        }),
    )];
    let mut seq = 1;
    for i in 1..lap_ms / 10 {
        let ms = i * 10;
        records.push(at(
            ms,
            RecordEvent::from(Trade {
                market: btc(),
                trade_id: TradeId::new(format!("t{i}")).unwrap(),
                price: Price::from_ticks(10_000),
                qty: Qty::from_lots(1),
                aggressor: Side::Sell,
                ts: UnixNanos(T0 + ms * MS),
            }),
        ));
        seq += 1;
        records.push(at(
            ms + 1,
            RecordEvent::from(BookDelta {
                market: btc(),
                seq,
                prev_seq: Some(seq - 1),
                bids: vec![lv(10_000, 4 + i % 2)],
                asks: vec![],
                ts: UnixNanos(T0 + (ms + 1) * MS),
            }),
        ));
    }
    records
}

struct Server {
    config: SimVenueConfig,
    signer: Arc<Signer>,
}

async fn start(lap_ms: i64) -> Server {
    start_with(lap_ms, ServerOptions::default()).await
}

async fn start_with(lap_ms: i64, options: ServerOptions) -> Server {
    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec(),
            flow: None,
        }],
        ExchangeConfig::default(),
        now_ns(),
    )
    .unwrap();
    let replay = ReplayOptions {
        start_ns: T0,
        end_ns: T0 + lap_ms * MS,
        looped: true,
        cancel_model: CancelModel::Proportional,
    };
    ex.attach_replay(&btc(), &spec(), recording(lap_ms), replay)
        .unwrap();
    let signer = Arc::new(Signer::generate(1).unwrap());
    let funds = [("BTC", d("10")), ("USDT", d("10000"))];
    ex.register_account(signer.key_id(), &funds).unwrap();
    let state = AppState::new(ex, options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    sim_venue::spawn_flow(state.clone(), Duration::from_millis(2));
    tokio::spawn(sim_venue::serve(listener, state, std::future::pending()));
    let mut config = SimVenueConfig::new(
        format!("http://{addr}"),
        format!("ws://{addr}{}", paths::WS),
    );
    config.backoff_min = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    Server { config, signer }
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test exceeded its time bound")
}

fn bid(cid: &str, price: &str, tif: TimeInForce) -> NewOrder {
    NewOrder {
        market: btc(),
        client_id: ClientOrderId::new(cid).unwrap(),
        side: Side::Buy,
        price: spec().price(price).unwrap(),
        qty: spec().qty("0.001").unwrap(),
        tif,
    }
}

#[tokio::test]
async fn the_feed_is_the_recording_and_a_loop_clears_the_book() {
    bounded(async {
        let server = start(200).await;
        let venue = SimVenue::connect(server.config.clone(), None)
            .await
            .unwrap();
        let mut stream = venue.subscribe(&[btc()]).await.unwrap();
        let mut book = OrderBook::new(btc());
        let (mut snapshots, mut trades, mut cleared) = (0, 0, 0);
        while cleared < 2 {
            match stream.next().await.expect("stream ended") {
                VenueEvent::Market(MarketEvent::Snapshot(s)) => {
                    book.apply_snapshot(&s).unwrap();
                    snapshots += 1;
                    if s.bids.is_empty() && s.asks.is_empty() {
                        cleared += 1;
                    } else {
                        assert_eq!(book.best_bid().map(|l| l.price.ticks()), Some(10_000));
                        assert_eq!(book.best_ask().map(|l| l.price.ticks()), Some(10_001));
                    }
                }
                VenueEvent::Market(MarketEvent::Delta(delta)) => book.apply_delta(&delta).unwrap(),
                VenueEvent::Market(MarketEvent::Trade(t)) => {
                    assert_eq!((t.price.ticks(), t.qty.lots()), (10_000, 1));
                    assert_eq!(t.aggressor, Side::Sell);
                    trades += 1;
                }
                _ => {}
            }
        }
        // The subscription's snapshot, then per lap a clear and the recording's snapshot.
        assert!(snapshots >= 4, "{snapshots} snapshots");
        assert!(trades >= 19, "{trades} trades in a lap of 19");
    })
    .await;
}

#[tokio::test]
async fn a_resting_bid_fills_from_the_recorded_trades_and_post_only_may_not_take() {
    bounded(async {
        let server = start(5_000).await;
        let venue = SimVenue::connect(server.config.clone(), Some(server.signer.clone()))
            .await
            .unwrap();
        let mut events = venue.account_events(&[btc()]).await.unwrap();
        assert_eq!(events.next().await, Some(VenueEvent::Connected));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let err = venue
            .place(&bid("take", "100.01", TimeInForce::PostOnly))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, VenueError::Api(e) if e.reject == Some(RejectReason::PostOnlyWouldTake)),
            "{err:?}"
        );
        let report = venue
            .place(&bid("rest", "100", TimeInForce::PostOnly))
            .await
            .unwrap();
        assert_eq!(report.status, OrderStatus::Open);
        // 4 or 5 lots ahead, one traded every 10 ms: filled within about 60 ms.
        let fill = loop {
            match events.next().await.expect("stream ended") {
                VenueEvent::Fill(f) => break f,
                VenueEvent::Order(_) | VenueEvent::Connected => {}
                other => panic!("market data on the account stream: {other:?}"),
            }
        };
        assert_eq!(fill.client_id.as_str(), "rest");
        assert_eq!((fill.price.ticks(), fill.qty.lots()), (10_000, 1));
        let balances = venue.balances().await.unwrap();
        let base = balances
            .iter()
            .find(|b| b.asset == "BTC")
            .map(|b| b.available + b.reserved)
            .unwrap();
        assert_eq!(base, d("10.001"));
    })
    .await;
}

#[tokio::test]
async fn orders_reach_the_book_after_the_configured_latency() {
    bounded(async {
        let options = ServerOptions {
            order_latency: Latency::from_ms(150.0, 10.0),
            ..ServerOptions::default()
        };
        let server = start_with(5_000, options).await;
        let venue = SimVenue::connect(server.config.clone(), Some(server.signer.clone()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let sent = now_ns();
        let report = venue
            .place(&bid("late", "99", TimeInForce::PostOnly))
            .await
            .unwrap();
        assert_eq!(report.status, OrderStatus::Open);
        // The engine stamped the order when it reached it: at least 150 ms after it was sent.
        let waited = report.ts.as_i64() - sent;
        assert!(waited >= 150 * MS, "applied {waited} ns after it was sent");
        let cancelled = venue
            .cancel(&btc(), &OrderRef::ClientOrderId(report.client_id.clone()))
            .await
            .unwrap();
        assert!(cancelled.ts.as_i64() - report.ts.as_i64() >= 150 * MS);
    })
    .await;
}
