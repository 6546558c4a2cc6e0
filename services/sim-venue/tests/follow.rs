//! Paper trading's market side: the simulator following a live Binance feed (the live client
//! against a local mock of Binance serving a real capture of `../shared/data`, with a dropped
//! connection). The simulator's book is the live book after every event and on its own
//! WebSocket feed; orders resting in it fill from the live trades by the queue model; the
//! dropped connection resyncs from a fresh snapshot with no crossed book and the resting
//! orders intact.

#[path = "../../../crates/flashmm-binance/tests/support/mod.rs"]
mod support;

use flashmm_binance::{subscribe, BinanceMarket, FeedConfig, FeedEvent, FeedStats, FeedSymbol};
use flashmm_core::book::{BookLevel, OrderBook};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::{Liquidity, OrderStatus};
use flashmm_sim::account::AccountId;
use flashmm_sim::exchange::{Exchange, ExchangeConfig, MarketSetup};
use flashmm_sim::matching::TimeInForce;
use flashmm_venue::protocol::{paths, SnapshotMsg, WireLevel};
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{NewOrder, SimVenue, SimVenueConfig, Venue, VenueEvent};
use rust_decimal::Decimal;
use sim_venue::{AppState, ServerOptions};
use std::sync::Arc;
use std::time::Duration;
use support::{capture, read_lines, spec, start, Capture, Faults};

fn btc() -> MarketId {
    MarketId::new("BTC/USDT").unwrap()
}

/// The book's levels as the wire writes them.
fn wire(spec: &MarketSpec, book: &OrderBook) -> (Vec<WireLevel>, Vec<WireLevel>) {
    let side = |s: Side| -> Vec<WireLevel> {
        let levels: Vec<BookLevel> = book.levels(s).collect();
        WireLevel::from_levels(spec, &levels)
    };
    (side(Side::Buy), side(Side::Sell))
}

fn sim_book(state: &AppState) -> SnapshotMsg {
    state.with_exchange(|ex, _| ex.snapshot(&btc(), 0).unwrap())
}

fn assert_same(spec: &MarketSpec, sim: &SnapshotMsg, live: &OrderBook, at: &str) {
    let (bids, asks) = wire(spec, live);
    assert!(
        !bids.is_empty() && !asks.is_empty(),
        "{at}: empty live book"
    );
    assert!(
        sim.bids == bids,
        "{at}: the simulator's bids differ from the live book"
    );
    assert!(
        sim.asks == asks,
        "{at}: the simulator's asks differ from the live book"
    );
    assert!(
        sim.bids[0].price < sim.asks[0].price,
        "{at}: the simulator's book is crossed"
    );
}

struct Placed {
    cid: &'static str,
    side: Side,
    price: Price,
    /// The displayed size at its price when it was placed (the queue ahead), lots.
    ahead: i64,
    /// Lots traded at its price against its side since it was placed.
    traded_at: i64,
    /// Whether a trade went through its price since it was placed.
    traded_through: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_follows_the_live_book_fills_from_its_trades_and_survives_a_reconnect() {
    let Some(file) = capture("binance/spot/btcusdt_20240808.gz") else {
        return;
    };
    let spec = spec("BTC/USDT", Decimal::new(1, 2));
    let capture = Capture::new(&spec, &read_lines(&file, 16_000));
    let last = *capture.diffs.last().unwrap();
    assert!(capture.diffs.len() > 600, "{} diffs", capture.diffs.len());
    let faults = Faults {
        drop_at: Some((capture.diff_frame(capture.diffs.len() * 2 / 3), 5)),
        ..Faults::default()
    };
    let mock = start(capture, faults, String::new()).await;

    // The simulator: BTC/USDT follows the feed; one funded account.
    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec.clone(),
            flow: None,
        }],
        ExchangeConfig::default(),
        sim_venue::now_ns(),
    )
    .unwrap();
    ex.attach_follow(&btc()).unwrap();
    let signer = Arc::new(Signer::generate(1).unwrap());
    let funds = [
        ("BTC", Decimal::from(10)),
        ("USDT", Decimal::from(1_000_000)),
    ];
    let (account, _) = ex.register_account(signer.key_id(), &funds).unwrap();
    let state = AppState::new(ex, ServerOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sim_venue::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let venue_config = SimVenueConfig::new(
        format!("http://{addr}"),
        format!("ws://{addr}{}", paths::WS),
    );
    let venue = SimVenue::connect(venue_config, Some(signer.clone()))
        .await
        .unwrap();
    let mut wire_feed = venue.subscribe(&[btc()]).await.unwrap();

    // The live client, as `sim-venue --follow binance` starts it.
    let mut config = FeedConfig::new(
        BinanceMarket::Spot,
        vec![FeedSymbol {
            symbol: "BTCUSDT".to_owned(),
            spec: spec.clone(),
        }],
    )
    .with_urls(&mock.ws_url, &mock.rest_url);
    config.backoff_min = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    config.ping_interval = Duration::from_millis(500);
    config.idle_timeout = Duration::from_secs(3);
    let mut feed = subscribe(config).unwrap();
    let stats = feed.stats();

    let mut live = OrderBook::new(btc());
    let (mut deltas, mut connects, mut resynced) = (0u64, 0u64, false);
    let mut placed: Vec<Placed> = Vec::new();
    let mut filled: Vec<&'static str> = Vec::new();
    let run = async {
        while let Some(f) = feed.next().await {
            // The live book, as the feed yields it (never crossed: `OrderBook` checks).
            let seq = match &f.event {
                FeedEvent::Connected => {
                    connects += 1;
                    None
                }
                FeedEvent::Market(MarketEvent::Snapshot(s)) => {
                    live.apply_snapshot(s).unwrap();
                    Some(s.seq)
                }
                FeedEvent::Market(MarketEvent::Delta(d)) => {
                    live.apply_delta(d).unwrap();
                    deltas += 1;
                    Some(d.seq)
                }
                FeedEvent::Market(MarketEvent::Trade(t)) => {
                    for p in placed.iter_mut() {
                        if t.aggressor == p.side.opposite() {
                            if t.price == p.price {
                                p.traded_at += t.qty.lots();
                            } else if (p.side == Side::Buy) == (t.price < p.price) {
                                p.traded_through = true;
                            }
                        }
                    }
                    None
                }
                _ => None,
            };
            let applied = sim_venue::follow::apply(&state, &f);
            assert_eq!(applied, matches!(f.event, FeedEvent::Market(_)));
            let is_snapshot = matches!(f.event, FeedEvent::Market(MarketEvent::Snapshot(_)));
            if let Some(seq) = seq {
                if is_snapshot || deltas % 25 == 0 {
                    assert_same(&spec, &sim_book(&state), &live, &format!("seq {seq}"));
                }
            }
            // Fills: each from the event just applied, by the queue model.
            let fills = state.with_exchange(|ex, _| ex.fills_since(account, 0).fills);
            for fill in &fills {
                let cid: &'static str = placed
                    .iter()
                    .find(|p| p.cid == fill.client_order_id.as_str())
                    .map(|p| p.cid)
                    .unwrap_or_else(|| panic!("a fill of {}", fill.client_order_id));
                if filled.contains(&cid) {
                    continue;
                }
                let p = placed.iter().find(|p| p.cid == cid).unwrap();
                assert_eq!(fill.liquidity, Liquidity::Maker, "{cid}");
                assert_eq!(fill.price, spec.price_to_decimal(p.price), "{cid}");
                let book_reached = match p.side {
                    Side::Buy => live.best_ask().is_some_and(|a| a.price <= p.price),
                    Side::Sell => live.best_bid().is_some_and(|b| b.price >= p.price),
                };
                // Filled by the trades once those at its price ate the queue ahead, or by a
                // trade through its price, or by the book reaching it.
                assert!(
                    p.traded_through || book_reached || p.traded_at > 0,
                    "{cid} filled with no trade at or through its price and the book away"
                );
                eprintln!(
                    "{cid}: filled {} at {} ({} lots ahead at placement, {} traded at its price, through: {}, book reached: {book_reached})",
                    fill.size, fill.price, p.ahead, p.traded_at, p.traded_through
                );
                filled.push(cid);
            }
            // Orders at the touch and far from it, once the book has moved a while.
            if deltas == 200 && placed.is_empty() {
                let (bid, ask) = (live.best_bid().unwrap(), live.best_ask().unwrap());
                let far = Price::from_ticks(bid.price.ticks() * 95 / 100);
                for (cid, side, price, ahead) in [
                    ("touch-bid", Side::Buy, bid.price, bid.qty.lots()),
                    ("touch-ask", Side::Sell, ask.price, ask.qty.lots()),
                    ("far-bid", Side::Buy, far, 0),
                ] {
                    let report = venue
                        .place(&NewOrder {
                            market: btc(),
                            client_id: ClientOrderId::new(cid).unwrap(),
                            side,
                            price,
                            qty: spec.qty("0.001").unwrap(),
                            tif: TimeInForce::PostOnly,
                        })
                        .await
                        .unwrap();
                    assert_eq!(report.status, OrderStatus::Open, "{cid}");
                    placed.push(Placed {
                        cid,
                        side,
                        price,
                        ahead,
                        traded_at: 0,
                        traded_through: false,
                    });
                }
                assert!(placed.iter().take(2).all(|p| p.ahead > 0));
            }
            // The resync after the dropped connection: the book is the live one, uncrossed,
            // and every order that did not fill still rests, under its id.
            if is_snapshot && connects >= 2 && !resynced {
                resynced = true;
                let open = state.with_exchange(|ex, _| {
                    ex.open_orders(AccountId(account.0), Some(&btc()), 0)
                        .unwrap()
                        .orders
                });
                for p in &placed {
                    let rests = open.iter().any(|o| o.client_order_id.as_str() == p.cid);
                    assert_eq!(
                        rests,
                        !filled.contains(&p.cid),
                        "{}: resting {rests} after the resync",
                        p.cid
                    );
                }
                assert!(open.iter().any(|o| o.client_order_id.as_str() == "far-bid"));
            }
            if seq == Some(last) {
                return;
            }
        }
        panic!("feed ended");
    };
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the feed did not reach the capture's last diff in time");
    assert!(resynced, "no resync after the dropped connection");
    assert!(FeedStats::get(&stats.connects) >= 2);
    assert!(
        filled.iter().any(|c| c.starts_with("touch")),
        "no order at the touch filled"
    );
    assert!(!filled.contains(&"far-bid"));
    assert_same(&spec, &sim_book(&state), &live, "the end");

    // The simulator's own WebSocket feed, applied to a book, reaches the live book.
    let (bids, asks) = wire(&spec, &live);
    let mut book = OrderBook::new(btc());
    let caught_up = async {
        loop {
            match wire_feed.next().await.expect("the simulator's feed ended") {
                VenueEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(&s).unwrap(),
                VenueEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(&d).unwrap(),
                _ => continue,
            }
            if wire(&spec, &book) == (bids.clone(), asks.clone()) {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), caught_up)
        .await
        .expect("the simulator's feed never showed the live book");
}
