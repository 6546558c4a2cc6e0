//! `ingest` against the real simulator: both markets stream into `md:{mkt}`, and feed faults
//! (skipped sequence numbers, a dropped WebSocket) are detected, counted and healed by a
//! resync, so that the stream a consumer replays always applies cleanly to FlashMM's book.

use std::time::Duration;

use flashmm_bus::Decodable;
use flashmm_bus::{Bus, MarketEvent, Namespace, Payload, Range, RedisBus, RedisBusConfig};
use flashmm_core::book::OrderBook;
use flashmm_core::market::MarketId;
use flashmm_e2e::{
    bin, config_with_free_ports, http_get, http_post_json, metric, port, redis_url, scratch_dir,
    unique_namespace, wait_for, Service,
};

async fn md_events(bus: &RedisBus, ns: &Namespace, mkt: &str) -> Vec<MarketEvent> {
    let stream = ns.md(mkt).unwrap();
    bus.range(&stream, Range::Oldest(1_000_000))
        .await
        .unwrap()
        .into_iter()
        .map(|d| match d.payload {
            Payload::Envelope(e) => MarketEvent::decode(&e).expect("md entries decode"),
            Payload::Malformed { error, .. } => panic!("malformed md entry: {error}"),
        })
        .collect()
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
    let dir = scratch_dir("ingest");
    let (config, ports) = config_with_free_ports(&dir);
    let config = config.to_string_lossy().into_owned();
    let ns = unique_namespace("ingest");
    let url = redis_url();
    let env = [
        ("FLASHMM_NAMESPACE", ns.as_str()),
        ("REDIS_URL", url.as_str()),
    ];
    let mut venue = Service::start(
        &bin("sim-venue"),
        &["--config", &config, "--seed", "7"],
        &env,
    );
    let mut ingest = Service::start(&bin("ingest"), &["--config", &config], &env);
    let bus = RedisBus::connect(RedisBusConfig::new(url.clone()))
        .await
        .unwrap();
    let namespace = Namespace::new(&ns).unwrap();

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

    let venue_port = port(&ports, "venue");
    let ingest_metrics = port(&ports, "ingest");
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
    let _ = std::fs::remove_dir_all(dir);
}
