//! The simulator client's subscription against a hostile venue: a fake server (plain HTTP for
//! the market list, WebSocket for the feed) sends random bytes, malformed JSON, NaN and
//! negative values, off-grid prices and unknown markets between valid frames. The stream
//! survives, yields only the valid events, and counts each kind of skipped frame.

use flashmm_core::market_event::MarketEvent;
use std::sync::Arc;
use std::time::Duration;

use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_venue::protocol::MarketsResponse;
use flashmm_venue::venue::sim::SkipKind;
use flashmm_venue::venue::{SimVenue, SimVenueConfig, Venue, VenueEvent};
use futures_util::SinkExt;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc()
}

fn delta(seq: u64, market: &str, price: &str, size: &str) -> String {
    format!(
        r#"{{"v":1,"type":"delta","market":"{market}","seq":{seq},"prev_seq":{},"bids":[{{"price":"{price}","size":"{size}"}}],"asks":[],"ts":1}}"#,
        seq - 1
    )
}

/// The hostile feed: a snapshot, then garbage of every kind around valid deltas 2 and 3.
fn frames() -> Vec<Message> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut out = vec![Message::Text(
        r#"{"v":1,"type":"snapshot","market":"SEI/USDC","seq":1,"bids":[{"price":"0.4","size":"10"}],"asks":[{"price":"0.4002","size":"10"}],"ts":1}"#.into(),
    )];
    for _ in 0..20 {
        let len = rng.random_range(0..64);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        out.push(Message::Text(
            String::from_utf8_lossy(&bytes).into_owned().into(),
        ));
        out.push(Message::Binary(bytes.into()));
    }
    for text in [
        "{",
        "[]",
        "null",
        r#"{"v":1}"#,
        r#"{"v":2,"type":"pong","id":1}"#,
        r#"{"v":1,"type":"delta","market":"SEI/USDC"}"#,
    ] {
        out.push(Message::Text(text.into()));
    }
    out.push(Message::Text(delta(2, "SEI/USDC", "0.4001", "5").into()));
    for (price, size) in [("NaN", "1"), ("0.4", "-1"), ("-0.4", "1"), ("0.40005", "1")] {
        out.push(Message::Text(delta(3, "SEI/USDC", price, size).into()));
    }
    out.push(Message::Text(delta(3, "BTC/USDC", "0.4", "1").into()));
    out.push(Message::Text(delta(3, "SEI/USDC", "0.4001", "0").into()));
    out
}

async fn fake_venue() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = [0u8; 64];
                let n = tcp.peek(&mut head).await.unwrap_or(0);
                if head[..n].starts_with(b"GET /api/v1/markets") {
                    let mut buf = [0u8; 4096];
                    let _ = tcp.read(&mut buf).await;
                    let body = serde_json::to_string(&MarketsResponse {
                        markets: vec![spec()],
                    })
                    .unwrap();
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tcp.write_all(resp.as_bytes()).await;
                    return;
                }
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                for frame in frames() {
                    if ws.send(frame).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn garbage_is_counted_and_only_valid_events_come_through() {
    let addr = fake_venue().await;
    let venue = SimVenue::connect(
        SimVenueConfig::new(format!("http://{addr}"), format!("ws://{addr}/ws")),
        None,
    )
    .await
    .unwrap();
    let stats: Arc<_> = venue.stream_stats();
    let mut stream = venue
        .subscribe(&[MarketId::new("SEI/USDC").unwrap()])
        .await
        .unwrap();
    let mut seqs = Vec::new();
    while seqs.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("events in time")
            .expect("stream open");
        match event {
            VenueEvent::Connected => {}
            VenueEvent::Market(MarketEvent::Snapshot(s)) => seqs.push(s.seq),
            VenueEvent::Market(MarketEvent::Delta(d)) => seqs.push(d.seq),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seqs, [1, 2, 3], "only the valid frames, in order");
    // 20 random texts, 6 malformed JSON frames and the NaN price (not a decimal at all);
    // binary frames are not protocol frames and are ignored.
    assert_eq!(stats.get(SkipKind::Undecodable), 27, "{stats:?}");
    // Negative size, negative price, off-grid price.
    assert_eq!(stats.get(SkipKind::InvalidValue), 3, "{stats:?}");
    assert_eq!(stats.get(SkipKind::UnknownMarket), 1, "{stats:?}");
}
