//! The Sei adapter against a local mock node: a tokio-tungstenite server speaking Tendermint
//! JSON-RPC (`subscribe` with event notifications, `abci_query`, `broadcast_tx_sync` that
//! verifies signatures).

use flashmm_core::market_event::MarketEvent;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use flashmm_core::book::OrderBook;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::order::TimeInForce;
use flashmm_venue::protocol::{ErrorCode, OrderRef};
use flashmm_venue::signing::{Signer, Verifier, VerifierConfig};
use flashmm_venue::venue::sei::{SignedTx, TxBody, TxMsg};
use flashmm_venue::venue::{NewOrder, SeiVenue, SeiVenueConfig, Venue, VenueError, VenueEvent};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const CHAIN: &str = "mock-1";

fn market() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc()
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64
}

/// The mock node: a book snapshot at seq 10, then one delta and one trade per subscription.
struct MockNode {
    addr: SocketAddr,
    txs: Arc<Mutex<Vec<TxBody>>>,
}

impl MockNode {
    async fn start(keys: Vec<Signer>) -> MockNode {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut verifier = Verifier::new(VerifierConfig::default());
        for k in &keys {
            verifier.register(k.public_key());
        }
        let verifier = Arc::new(Mutex::new(verifier));
        let txs = Arc::new(Mutex::new(Vec::new()));
        let shared = txs.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (verifier, txs) = (verifier.clone(), shared.clone());
                tokio::spawn(async move {
                    let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    serve(ws, verifier, txs).await;
                });
            }
        });
        MockNode { addr, txs }
    }

    fn url(&self) -> String {
        format!("ws://{}/websocket", self.addr)
    }
}

fn events_map(pairs: &[(&str, &str)]) -> Value {
    let map: HashMap<&str, Vec<&str>> = pairs.iter().map(|(k, v)| (*k, vec![*v])).collect();
    json!(map)
}

async fn serve(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    verifier: Arc<Mutex<Verifier>>,
    txs: Arc<Mutex<Vec<TxBody>>>,
) {
    while let Some(Ok(Message::Text(text))) = ws.next().await {
        let req: Value = serde_json::from_str(&text).unwrap();
        let id = req["id"].clone();
        let params = &req["params"];
        let mut out = Vec::new();
        match req["method"].as_str().unwrap() {
            "subscribe" => {
                let query = params["query"].as_str().unwrap().to_owned();
                out.push(json!({"jsonrpc": "2.0", "id": id, "result": {}}));
                let events = if query.contains("flashmm_book.market='SEI/USDC'") {
                    events_map(&[
                        ("tm.event", "Tx"),
                        ("flashmm_book.market", "SEI/USDC"),
                        ("flashmm_book.seq", "11"),
                        ("flashmm_book.prev_seq", "10"),
                        ("flashmm_book.bids", "0.4001:25.5"),
                        ("flashmm_book.asks", "0.4004:0"),
                        ("flashmm_book.ts", "2000"),
                    ])
                } else {
                    events_map(&[
                        ("tm.event", "Tx"),
                        ("flashmm_trade.market", "SEI/USDC"),
                        ("flashmm_trade.id", "tx1-0"),
                        ("flashmm_trade.price", "0.4003"),
                        ("flashmm_trade.size", "12.3"),
                        ("flashmm_trade.aggressor", "buy"),
                        ("flashmm_trade.ts", "2001"),
                    ])
                };
                out.push(json!({"jsonrpc": "2.0", "id": id, "result": {
                    "query": query, "data": {"type": "tendermint/event/Tx"}, "events": events}}));
            }
            "abci_query" => {
                let data = hex::decode(params["data"].as_str().unwrap()).unwrap();
                assert_eq!(params["path"], "/flashmm/book");
                assert_eq!(data, b"SEI/USDC");
                let snapshot = json!({"market": "SEI/USDC", "seq": "10",
                    "bids": "0.4000:100", "asks": "0.4003:50;0.4004:70", "ts": "1000"});
                let value = base64::engine::general_purpose::STANDARD.encode(snapshot.to_string());
                out.push(json!({"jsonrpc": "2.0", "id": id,
                    "result": {"response": {"code": 0, "value": value}}}));
            }
            "broadcast_tx_sync" => {
                let checked = SignedTx::decode(params["tx"].as_str().unwrap())
                    .and_then(|tx| tx.verify(&mut verifier.lock().unwrap(), CHAIN, now_ns()));
                let result = match checked {
                    Ok(body) => {
                        txs.lock().unwrap().push(body);
                        json!({"code": 0, "log": "", "hash": "A1B2C3"})
                    }
                    Err(e) => json!({"code": 4, "log": e.to_string(), "hash": "DEAD"}),
                };
                out.push(json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
            other => panic!("unexpected method {other}"),
        }
        for msg in out {
            if ws
                .send(Message::Text(msg.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

fn venue(endpoints: &str, signer: Option<Signer>) -> SeiVenue {
    let mut config = SeiVenueConfig::new(endpoints, CHAIN, vec![spec()]);
    config.call_timeout = Duration::from_secs(2);
    SeiVenue::new(config, signer.map(Arc::new))
}

async fn next(stream: &mut flashmm_venue::venue::EventStream) -> VenueEvent {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("an event in time")
        .expect("stream open")
}

/// Reads until the snapshot, delta and trade have arrived; returns the book and the trade.
async fn book_and_trade(venue: &SeiVenue) -> (OrderBook, flashmm_core::trade::Trade) {
    let mut stream = venue.subscribe(&[market()]).await.unwrap();
    assert_eq!(next(&mut stream).await, VenueEvent::Connected);
    let mut book = OrderBook::new(market());
    let mut pending = Vec::new();
    let mut trade = None;
    while trade.is_none() || book.seq() != Some(11) {
        match next(&mut stream).await {
            VenueEvent::Market(MarketEvent::Snapshot(s)) => {
                book.apply_snapshot(&s).unwrap();
                for d in pending.drain(..) {
                    book.apply_delta(&d).unwrap();
                }
            }
            VenueEvent::Market(MarketEvent::Delta(d)) if book.seq().is_some() => {
                book.apply_delta(&d).unwrap()
            }
            VenueEvent::Market(MarketEvent::Delta(d)) => pending.push(d),
            VenueEvent::Market(MarketEvent::Trade(t)) => trade = Some(t),
            other => panic!("unexpected {other:?}"),
        }
    }
    (book, trade.unwrap())
}

#[tokio::test]
async fn subscribed_events_rebuild_the_book_exactly() {
    let node = MockNode::start(vec![]).await;
    let venue = venue(&node.url(), None);
    let (book, trade) = book_and_trade(&venue).await;
    let best_bid = book.best_bid().unwrap();
    assert_eq!(
        (best_bid.price, best_bid.qty),
        (Price::from_ticks(4001), Qty::from_lots(255))
    );
    let best_ask = book.best_ask().unwrap();
    assert_eq!(
        (best_ask.price, best_ask.qty),
        (Price::from_ticks(4003), Qty::from_lots(500))
    );
    assert_eq!(
        book.levels(Side::Sell).len(),
        1,
        "0.4004 removed by the delta"
    );
    assert_eq!((trade.price.ticks(), trade.qty.lots()), (4003, 123));
    assert_eq!(trade.aggressor, Side::Buy);
    let snap = venue.snapshot(&market()).await.unwrap();
    assert_eq!(snap.seq, 10);
}

#[tokio::test]
async fn signed_orders_are_accepted_and_bad_signatures_refused() {
    let key = Signer::from_secret_bytes([9u8; 32], 1).unwrap();
    let registered = Signer::from_secret_bytes([9u8; 32], 1).unwrap();
    let node = MockNode::start(vec![registered]).await;
    let venue = venue(&node.url(), Some(key));
    let order = NewOrder {
        market: market(),
        client_id: ClientOrderId::new("mm-1").unwrap(),
        side: Side::Buy,
        price: Price::from_ticks(4001),
        qty: Qty::from_lots(255),
        tif: TimeInForce::PostOnly,
    };
    let report = venue.place(&order).await.unwrap();
    assert_eq!(report.venue_order_id.to_string(), "A1B2C3");
    assert_eq!(report.leaves, Qty::from_lots(255));
    let cancelled = venue
        .cancel(&market(), &OrderRef::ClientOrderId(order.client_id.clone()))
        .await
        .unwrap();
    assert_eq!(
        cancelled.status,
        flashmm_core::order::OrderStatus::PendingCancel
    );
    {
        let txs = node.txs.lock().unwrap();
        assert_eq!(txs.len(), 2);
        assert_eq!(txs[0].chain_id, CHAIN);
        let TxMsg::PlaceOrder { price, size, .. } = &txs[0].msg else {
            panic!("{:?}", txs[0])
        };
        assert_eq!(
            (price.to_string(), size.to_string()),
            ("0.4001".into(), "25.5".into())
        );
    }
    let unknown = venue
        .cancel(
            &market(),
            &OrderRef::ClientOrderId(ClientOrderId::new("nope").unwrap()),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.api().map(|a| a.code), Some(ErrorCode::UnknownOrder));

    let stranger = self::venue(
        &node.url(),
        Some(Signer::from_secret_bytes([5u8; 32], 1).unwrap()),
    );
    let refused = stranger.place(&order).await.unwrap_err();
    assert_eq!(
        refused.api().map(|a| a.code),
        Some(ErrorCode::BadSignature),
        "{refused}"
    );
    assert_eq!(node.txs.lock().unwrap().len(), 2, "nothing accepted");
    assert!(matches!(
        self::venue(&node.url(), None).place(&order).await,
        Err(VenueError::NoSigner)
    ));
}

#[tokio::test]
async fn a_dead_first_endpoint_fails_over_to_the_second() {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let node = MockNode::start(vec![]).await;
    let venue = venue(&format!("ws://{dead_addr}/websocket,{}", node.url()), None);
    let (book, _) = book_and_trade(&venue).await;
    assert_eq!(book.seq(), Some(11));
    assert_eq!(venue.snapshot(&market()).await.unwrap().seq, 10);
    let all_dead = self::venue(&format!("ws://{dead_addr}/websocket"), None);
    assert!(matches!(
        all_dead.snapshot(&market()).await,
        Err(VenueError::Transport(_))
    ));
}
