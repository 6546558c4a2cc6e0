//! `ingest` against the real simulator: both markets stream into `md:{mkt}`, and feed faults
//! (skipped sequence numbers, a dropped WebSocket) are detected, counted and healed by a
//! resync, so that the stream a consumer replays always applies cleanly to FlashMM's book.

use std::time::Duration;

use flashmm_bus::{Bus, Namespace, RedisBus};
use flashmm_core::book::OrderBook;
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_e2e::{http_get, http_post_json, metric, read_stream, wait_for, Stage};

async fn md_events(bus: &RedisBus, ns: &Namespace, mkt: &str) -> Vec<MarketEvent> {
    let entries = read_stream(bus, &ns.md(mkt).unwrap()).await;
    entries.into_iter().map(|(_, event)| event).collect()
}

/// Replays `events` into a book; returns (snapshots, deltas) applied. Panics on any refusal.
fn replay(symbol: &str, events: &[MarketEvent]) -> (usize, usize) {
    let mut book = OrderBook::new(MarketId::new(symbol).unwrap());
    let (mut snapshots, mut deltas) = (0, 0);
    for (i, event) in events.iter().enumerate() {
        match event {
            MarketEvent::Snapshot(s) => {
                book.apply_snapshot(s).unwrap();
                snapshots += 1;
            }
            MarketEvent::Delta(d) => {
                book.apply_delta(d)
                    .unwrap_or_else(|e| panic!("{symbol} entry {i}: {e}"));
                deltas += 1;
            }
            MarketEvent::Trade(t) => assert!(t.price.ticks() > 0 && t.qty.lots() > 0),
        }
    }
    assert!(matches!(events.first(), Some(MarketEvent::Snapshot(_))));
    (snapshots, deltas)
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_streams_both_markets_and_heals_feed_faults() {
    let stage = Stage::new("ingest");
    let mut venue = stage.start("sim-venue", &["--seed", "7"]);
    let mut ingest = stage.start("ingest", &[]);
    let bus = stage.bus().await;
    let namespace = stage.namespace();

    for mkt in ["SEI-USDC", "ETH-USDC"] {
        let mut ready = false;
        for _ in 0..300 {
            let events = md_events(&bus, &namespace, mkt).await;
            let deltas = events
                .iter()
                .filter(|e| matches!(e, MarketEvent::Delta(_)))
                .count();
            if deltas >= 20 {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ready, "{mkt}: no market data streamed");
    }

    let venue_port = stage.port("venue");
    let ingest_metrics = stage.port("ingest");
    let (status, _) = http_post_json(venue_port, "/admin/faults", r#"{"skip_seq": 3}"#).unwrap();
    assert!(status.contains("200"), "{status}");
    let gaps = wait_for(Duration::from_secs(10), || {
        let (_, body) = http_get(ingest_metrics, "/metrics").ok()?;
        let gaps = metric(
            &body,
            "flashmm_ingest_rejected_total{market=\"SEI/USDC\",reason=\"gap\"}",
        );
        let resyncs = metric(&body, "flashmm_ingest_resyncs_total{market=\"SEI/USDC\"}");
        (gaps >= 1.0 && resyncs >= 1.0).then_some(gaps)
    });
    assert!(
        gaps.is_some(),
        "the skipped sequence numbers were not detected as a gap"
    );

    let deltas_before = md_events(&bus, &namespace, "SEI-USDC")
        .await
        .iter()
        .filter(|e| matches!(e, MarketEvent::Delta(_)))
        .count();
    let (status, _) = http_post_json(venue_port, "/admin/faults", r#"{"drop_ws": true}"#).unwrap();
    assert!(status.contains("200"), "{status}");
    let dropped = wait_for(Duration::from_secs(10), || {
        let (_, body) = http_get(ingest_metrics, "/metrics").ok()?;
        (metric(&body, "flashmm_ingest_venue_disconnects_total") >= 1.0).then_some(())
    });
    assert!(dropped.is_some(), "the dropped socket went unnoticed");
    let mut resumed = false;
    for _ in 0..200 {
        let deltas = md_events(&bus, &namespace, "SEI-USDC")
            .await
            .iter()
            .filter(|e| matches!(e, MarketEvent::Delta(_)))
            .count();
        if deltas >= deltas_before + 20 {
            resumed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(resumed, "no deltas after the reconnect");
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert!(ingest
        .terminate(Duration::from_secs(5))
        .is_some_and(|s| s.success()));
    assert!(venue
        .terminate(Duration::from_secs(5))
        .is_some_and(|s| s.success()));

    let (snapshots, deltas) = replay("SEI/USDC", &md_events(&bus, &namespace, "SEI-USDC").await);
    assert!(
        snapshots >= 3,
        "initial, after the gap, after the reconnect: {snapshots}"
    );
    assert!(deltas >= 20);
    let (_, eth_deltas) = replay("ETH/USDC", &md_events(&bus, &namespace, "ETH-USDC").await);
    assert!(eth_deltas >= 20);

    bus.purge(&namespace).await.unwrap();
    let _ = std::fs::remove_dir_all(stage.dir);
}

/// A hostile venue for ingest: plain HTTP for the market list and book snapshots, a WebSocket
/// feed of SEI/USDC that mixes valid deltas with random bytes, malformed JSON, NaN, negative
/// and off-grid values, a crossed level, an unknown market, a replayed (out-of-order) delta
/// and a sequence gap. The REST book is the state after the feed, at seq 6.
mod hostile {
    use futures_util::SinkExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::Message;

    fn spec_json(symbol: &str, tick: &str, lot: &str) -> serde_json::Value {
        serde_json::json!({"id": symbol, "tick_size": tick, "lot_size": lot, "min_notional": "1",
            "maker_fee_rate": "-0.0001", "taker_fee_rate": "0.0005"})
    }

    pub fn delta(seq: u64, market: &str, bid: (&str, &str), ask: (&str, &str)) -> String {
        format!(
            r#"{{"v":1,"type":"delta","market":"{market}","seq":{seq},"prev_seq":{},"bids":[{{"price":"{}","size":"{}"}}],"asks":[{{"price":"{}","size":"{}"}}],"ts":{seq}}}"#,
            seq - 1,
            bid.0,
            bid.1,
            ask.0,
            ask.1
        )
    }

    fn feed() -> Vec<Message> {
        let mut out: Vec<Message> = vec![
            r#"{"v":1,"type":"snapshot","market":"SEI/USDC","seq":1,"bids":[{"price":"0.4000","size":"10"}],"asks":[{"price":"0.4010","size":"10"}],"ts":1}"#.into(),
        ];
        let mut x: u32 = 7;
        for i in 0..40 {
            let bytes: Vec<u8> = (0..(i % 23))
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (x >> 16) as u8
                })
                .collect();
            out.push(String::from_utf8_lossy(&bytes).into_owned().into());
        }
        for text in ["{", "[1,2]", r#"{"v":1,"type":"delta"}"#, "\"\\ud800\""] {
            out.push(text.into());
        }
        out.push(delta(2, "SEI/USDC", ("0.4001", "5"), ("0.4009", "5")).into());
        out.push(delta(3, "SEI/USDC", ("NaN", "1"), ("0.4009", "1")).into());
        out.push(delta(3, "SEI/USDC", ("0.4001", "-1"), ("0.4009", "1")).into());
        out.push(delta(3, "SEI/USDC", ("0.40015", "1"), ("0.4009", "1")).into());
        out.push(delta(3, "DOGE/USDC", ("0.4001", "1"), ("0.4009", "1")).into());
        // Out of order: seq 2 again is stale.
        out.push(delta(2, "SEI/USDC", ("0.4001", "5"), ("0.4009", "5")).into());
        // Crossed: a bid above the best ask.
        out.push(delta(3, "SEI/USDC", ("0.4020", "1"), ("0.4009", "5")).into());
        // A gap (4 and 5 never come).
        out.push(delta(6, "SEI/USDC", ("0.4002", "3"), ("0.4008", "4")).into());
        out
    }

    fn http(body: &str) -> String {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    /// Serves on `port` until the test ends.
    pub async fn serve(port: u16) {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = [0u8; 64];
                let n = tcp.peek(&mut head).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&head[..n]).into_owned();
                let body = if head.starts_with("GET /api/v1/markets") {
                    Some(
                        serde_json::json!({"markets": [
                            spec_json("SEI/USDC", "0.0001", "0.1"),
                            spec_json("ETH/USDC", "0.01", "0.0001")]})
                        .to_string(),
                    )
                } else if head.starts_with("GET /api/v1/book/SEI-USDC") {
                    Some(
                        r#"{"market":"SEI/USDC","seq":6,"bids":[{"price":"0.4002","size":"3"},{"price":"0.4001","size":"5"},{"price":"0.4000","size":"10"}],"asks":[{"price":"0.4008","size":"4"},{"price":"0.4009","size":"5"},{"price":"0.4010","size":"10"}],"ts":6}"#.to_owned(),
                    )
                } else {
                    None
                };
                if let Some(body) = body {
                    let mut buf = [0u8; 4096];
                    let _ = tcp.read(&mut buf).await;
                    let _ = tcp.write_all(http(&body).as_bytes()).await;
                    return;
                }
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                for frame in feed() {
                    if ws.send(frame).await.is_err() {
                        return;
                    }
                }
                // Keep the session open and quiet (pings are answered by the library).
                while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
            });
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_survives_a_hostile_feed_counts_every_kind_and_resyncs() {
    let stage = Stage::new("ingest-hostile");
    tokio::spawn(hostile::serve(stage.port("venue")));
    let mut ingest = stage.start("ingest", &[]);
    let ingest_metrics = stage.port("ingest");
    let reasons = [
        "flashmm_ingest_malformed_total{reason=\"undecodable\"}",
        "flashmm_ingest_malformed_total{reason=\"invalid_value\"}",
        "flashmm_ingest_malformed_total{reason=\"unknown_market\"}",
        "flashmm_ingest_dropped_total{market=\"SEI/USDC\",reason=\"stale\"}",
        "flashmm_ingest_rejected_total{market=\"SEI/USDC\",reason=\"crossed\"}",
        "flashmm_ingest_resyncs_total{market=\"SEI/USDC\"}",
    ];
    let counts = tokio::task::spawn_blocking(move || {
        wait_for(Duration::from_secs(20), || {
            let (_, body) = http_get(ingest_metrics, "/metrics").ok()?;
            let counts: Vec<f64> = reasons.iter().map(|r| metric(&body, r)).collect();
            counts.iter().all(|c| *c >= 1.0).then_some((counts, body))
        })
    })
    .await
    .unwrap();
    let Some((counts, _)) = counts else {
        let body = http_get(ingest_metrics, "/metrics")
            .map(|r| r.1)
            .unwrap_or_default();
        panic!(
            "not every kind counted:\n{}",
            body.lines()
                .filter(|l| l.starts_with("flashmm_ingest"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    };
    assert!(counts[0] >= 40.0, "random and malformed frames: {counts:?}");
    assert_eq!(
        counts[1], 2.0,
        "NaN is not a decimal; negative size and off-grid are invalid"
    );
    assert!(
        ingest.child.try_wait().unwrap().is_none(),
        "ingest survived"
    );

    // The published stream replays cleanly and ends at the venue's book.
    let bus = stage.bus().await;
    let namespace = stage.namespace();
    let events = md_events(&bus, &namespace, "SEI-USDC").await;
    replay("SEI/USDC", &events);
    let mut book = OrderBook::new(MarketId::new("SEI/USDC").unwrap());
    for e in &events {
        match e {
            MarketEvent::Snapshot(s) => book.apply_snapshot(s).unwrap(),
            MarketEvent::Delta(d) => book.apply_delta(d).unwrap(),
            MarketEvent::Trade(_) => {}
        }
    }
    assert_eq!(book.seq(), Some(6));
    assert_eq!(book.best_bid().unwrap().price.ticks(), 4002);
    assert_eq!(book.best_ask().unwrap().price.ticks(), 4008);
    ingest
        .terminate(Duration::from_secs(5))
        .expect("ingest stops");
    let _ = std::fs::remove_dir_all(&stage.dir);
}
