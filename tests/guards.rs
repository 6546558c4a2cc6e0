//! Execution's guards that must not be defeated: stale data by local receive time, prediction
//! freshness by the origin of its market data, worst-case position exposure with resting orders.
//!
//! Against the real simulator, ingest and execution binaries and a real Redis:
//! - a snapshot stamped an hour ahead, then a frozen feed: the snapshot is refused (a
//!   `clock_skew` risk event, counted and logged) and every quote is pulled within the stale
//!   timeout of the last market data received;
//! - predictions piled up while execution was stopped, made late from old market data (an
//!   inference replaying its backlog): after the restart none of them skews the quotes, and
//!   predictions of current market data do.
//!
//! The position limit's worst case with resting orders is covered by the engine's and the
//! risk module's unit tests (`services/execution/src/market.rs`,
//! `crates/flashmm-core/src/risk/check.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flashmm_bus::{Bus, Envelope, Payload, Range};
use flashmm_core::market::{MarketId, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::signal::Prediction;
use flashmm_core::time::UnixNanos;
use flashmm_e2e::rig::{wait_until, Rig};
use flashmm_e2e::{http_get, port};
use flashmm_runtime as runtime;
use flashmm_venue::venue::OrderReport;

const MARKETS: [&str; 2] = ["SEI-USDC", "ETH-USDC"];

/// `[risk] stale_data_ms` of `config/flashmm.toml`.
const STALE_MS: u64 = 2_000;

/// The execution log.
fn log(rig: &Rig) -> String {
    std::fs::read_to_string(rig.dir.join("execution.log")).unwrap_or_default()
}

/// `state:quotes` of `market` (`SEI/USDC`) as JSON, if written.
async fn quote(rig: &Rig, market: &str) -> Option<serde_json::Value> {
    let key = rig.namespace.state("quotes").expect("state key");
    let state: BTreeMap<String, String> = rig.bus.get_state(&key).await.ok()?;
    serde_json::from_str(state.get(market)?).ok()
}

/// The newest snapshot ingest published for `mkt`.
async fn latest_snapshot(rig: &Rig, mkt: &str) -> flashmm_core::book::BookSnapshot {
    let entries = rig
        .bus
        .range(&rig.namespace.md(mkt).expect("md"), Range::Newest(10_000))
        .await
        .expect("md range");
    entries
        .into_iter()
        .find_map(|d| match d.payload {
            Payload::Envelope(e) => match flashmm_bus::Decodable::decode(&e) {
                Ok(MarketEvent::Snapshot(s)) => Some(s),
                _ => None,
            },
            Payload::Malformed { .. } => None,
        })
        .unwrap_or_else(|| panic!("{mkt}: no snapshot on md"))
}

/// Whether both sides of `market` have resting orders.
fn two_sided_in(orders: &[OrderReport], market: &str) -> bool {
    let m = MarketId::new(market).expect("market");
    [Side::Buy, Side::Sell]
        .iter()
        .all(|s| orders.iter().any(|o| o.market == m && o.side == *s))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snapshot_from_the_future_then_a_frozen_feed_pulls_every_quote() {
    let mut rig = Rig::start("guard-stale").await;
    let _exec = rig.execution(&[], &[]);
    assert!(
        wait_until(Duration::from_secs(15), || async {
            let orders = rig.open_orders().await;
            two_sided_in(&orders, "SEI/USDC") && two_sided_in(&orders, "ETH/USDC")
        })
        .await,
        "no two-sided quotes: {}",
        rig.logs()
    );
    // The feed freezes (ingest is gone), after one last snapshot per market stamped an hour
    // ahead of the clock: a venue clock gone wrong.
    rig.ingest.take().expect("ingest").kill_9();
    let frozen = Instant::now();
    for mkt in MARKETS {
        let mut snapshot = latest_snapshot(&rig, mkt).await;
        let now = runtime::now();
        snapshot.ts = UnixNanos(now.as_i64() + 3_600 * 1_000_000_000);
        let envelope =
            Envelope::new(mkt, now, now, &MarketEvent::Snapshot(snapshot)).expect("envelope");
        rig.bus
            .publish(&rig.namespace.md(mkt).expect("md"), &envelope)
            .await
            .expect("XADD");
    }
    // Every quote pulled within the stale timeout of the last data received (plus a decision
    // tick, the cancel's round trip and the polling).
    let limit = Duration::from_millis(STALE_MS + 1_500);
    let pulled = wait_until(limit, || async { rig.open_orders().await.is_empty() }).await;
    assert!(
        pulled,
        "quotes still resting {:?} after the feed froze behind a snapshot from the future: {:?}\n{}",
        frozen.elapsed(),
        rig.open_orders().await,
        rig.logs()
    );
    eprintln!(
        "every quote pulled {:?} after the feed froze",
        frozen.elapsed()
    );
    let kinds = rig.risk_kinds().await;
    assert!(
        kinds.iter().any(|k| k == "clock_skew"),
        "the skewed snapshot was not reported: {kinds:?}"
    );
    assert!(kinds.iter().any(|k| k == "stale_data"), "{kinds:?}");
    let metrics = http_get(port(&rig.ports, "execution"), "/metrics")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let skews: f64 = metrics
        .lines()
        .filter(|l| {
            l.starts_with("flashmm_execution_risk_violations_total")
                && l.contains("kind=\"clock_skew\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(skews >= 2.0, "clock-skew refusals counted: {skews}");
    assert!(
        log(&rig).lines().any(|l| l.contains("clock_skew")),
        "the refusal is not logged"
    );
    // Nothing comes back while the feed stays frozen.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(rig.open_orders().await.is_empty());
    rig.cleanup().await;
}

/// A confident SEI/USDC prediction (up, +40 bps over 1 s) made at `ts` from market data
/// received by ingest at `origin_ts`.
fn prediction(ts: UnixNanos, origin_ts: UnixNanos) -> Prediction {
    Prediction {
        market: MarketId::new("SEI/USDC").expect("market"),
        model_version: "guards-test".into(),
        horizon_ms: 1_000,
        p_down: 0.05,
        p_flat: 0.05,
        p_up: 0.9,
        expected_move_bps: 40.0,
        ts,
        origin_ts,
        inference_ns: 0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn predictions_piled_up_while_execution_was_stopped_do_not_skew_quotes() {
    let rig = Rig::start("guard-pred").await;
    let mut exec = rig.execution(&[], &[]);
    assert!(
        wait_until(Duration::from_secs(15), || async {
            two_sided_in(&rig.open_orders().await, "SEI/USDC")
        })
        .await,
        "no two-sided quotes: {}",
        rig.logs()
    );
    assert!(
        exec.terminate(Duration::from_secs(10)).is_some(),
        "execution did not stop"
    );
    // The market data of the run's first moments: what the backlog was computed from.
    let md = rig.namespace.md("SEI-USDC").expect("md");
    let old_origin = rig
        .bus
        .range(&md, Range::Oldest(1))
        .await
        .expect("md range")
        .into_iter()
        .find_map(|d| match d.payload {
            Payload::Envelope(e) => Some(e.origin_ts),
            Payload::Malformed { .. } => None,
        })
        .expect("an md entry");
    // Inference works through a backlog of old features while execution is down, and goes on
    // doing so while it comes back: each prediction is made now from old market data.
    let pred = rig.namespace.pred("SEI-USDC").expect("pred");
    let current = Arc::new(AtomicBool::new(false));
    let writer = {
        let (bus, pred, current) = (rig.bus.clone(), pred.clone(), current.clone());
        tokio::spawn(async move {
            loop {
                let now = runtime::now();
                let origin = if current.load(Ordering::SeqCst) {
                    now
                } else {
                    old_origin
                };
                let p = prediction(now, origin);
                let envelope = Envelope::new("SEI-USDC", now, origin, &p).expect("envelope");
                if bus.publish(&pred, &envelope).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let piled = rig.bus.len(&pred).await.expect("pred length");
    assert!(piled >= 20, "only {piled} predictions piled up");
    let restarted = runtime::now();
    let _exec = rig.execution(&[], &[]);
    // Quotes formed after the restart, while the backlog is read: none fresh, none skewed.
    let quotes_after = |since: UnixNanos| {
        let rig = &rig;
        async move {
            quote(rig, "SEI/USDC")
                .await
                .filter(|q| q.get("ts").and_then(serde_json::Value::as_i64) > Some(since.as_i64()))
        }
    };
    assert!(
        wait_until(Duration::from_secs(20), || async {
            quotes_after(restarted).await.is_some()
        })
        .await,
        "no quote after the restart: {}",
        rig.logs()
    );
    let mut samples = 0;
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if let Some(q) = quotes_after(restarted).await {
            samples += 1;
            assert_eq!(
                q.get("prediction_fresh"),
                Some(&serde_json::Value::Bool(false)),
                "a prediction of old market data skews the quotes: {q}"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(samples >= 5, "{samples} quote samples");
    // The same predictions of current market data are used: the check above could fail.
    current.store(true, Ordering::SeqCst);
    let switched = runtime::now();
    assert!(
        wait_until(Duration::from_secs(10), || async {
            quotes_after(switched).await.and_then(|q| {
                q.get("prediction_fresh")
                    .and_then(serde_json::Value::as_bool)
            }) == Some(true)
        })
        .await,
        "predictions of current market data never used: {:?}\n{}",
        quote(&rig, "SEI/USDC").await,
        rig.logs()
    );
    writer.abort();
    rig.cleanup().await;
}
