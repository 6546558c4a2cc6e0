//! Restart and fault safety of execution against the real simulator and a real Redis: a
//! tripped kill switch survives SIGTERM, `kill -9` and restarts until an operator resumes; a
//! state Redis lost starts (or turns) execution paused; the position after `kill -9` equals the
//! venue's fills even past the fill ledger's memory; a placement whose answer was lost never
//! leaves two live orders for one quote.

use std::sync::Arc;
use std::time::Duration;

use flashmm_bus::Bus;
use flashmm_core::control::ExecAction;
use flashmm_core::market::{MarketId, Qty, Side};
use flashmm_core::order::FillLedger;
use flashmm_core::order::TimeInForce;
use flashmm_core::time::UnixNanos;
use flashmm_e2e::private_redis::PrivateRedis;
use flashmm_e2e::rig::{venue_positions, wait_until, Rig};
use flashmm_e2e::{client_id_use, http_post_json, metric, port, Service};
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{NewOrder, SimVenue, SimVenueConfig, Venue};

/// The saved operator hold, parsed (`None` when there is none).
async fn hold(rig: &Rig) -> Option<serde_json::Value> {
    let text = rig.state("trading").await.get("hold").cloned()?;
    serde_json::from_str(&text).ok()
}

/// Whether no order rests for `for_at_least` (polled through the account's rate limit).
async fn stays_flat(rig: &Rig, for_at_least: Duration) -> bool {
    let deadline = std::time::Instant::now() + for_at_least;
    while std::time::Instant::now() < deadline {
        if !rig.open_orders().await.is_empty() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    true
}

/// Buys 0.001 ETH at the best ask with the account's key, immediate-or-cancel, until a fill.
async fn take_one_fill(rig: &Rig) {
    let eth = MarketId::new("ETH/USDC").unwrap();
    for i in 0..50 {
        let before = rig.venue_fills().await.len();
        let book = rig.venue.snapshot(&eth).await.expect("ETH book");
        let ask = book.asks.iter().map(|l| l.price).min().expect("an ask");
        let order = NewOrder {
            market: eth.clone(),
            client_id: flashmm_core::identifiers::ClientOrderId::new(format!("one-{i}")).unwrap(),
            side: Side::Buy,
            price: ask,
            qty: Qty::from_lots(10),
            tif: TimeInForce::Ioc,
        };
        let _ = rig.venue.place(&order).await;
        if rig.venue_fills().await.len() > before {
            return;
        }
    }
    panic!("no fill at the best ask");
}

/// Starts execution with a drift floor of 0.99 while `mkt`'s live hit rate is 0.5 over 1 000
/// predictions, and waits for the kill switch to trip.
async fn start_drifting(rig: &Rig, mkt: &str) -> Service {
    let model = rig.namespace.state("model").unwrap();
    rig.bus
        .set_state(
            &model,
            &[
                (format!("hit_rate:{mkt}"), "0.5000".into()),
                (format!("hit_rate_n:{mkt}"), "1000".into()),
            ],
        )
        .await
        .unwrap();
    let exec = rig.execution(&[("EXEC_DRIFT_HIT_RATE_FLOOR", "0.99")], &[]);
    assert!(
        rig.wait_mode("killed", Duration::from_secs(15)).await,
        "drift did not trip the kill switch: {}",
        rig.logs()
    );
    exec
}

/// Model drift trips the kill switch; SIGTERM, a restart with the drift floor at 0, `kill -9`
/// and another restart all leave it killed with nothing resting; only a resume quotes again.
#[tokio::test(flavor = "multi_thread")]
async fn a_tripped_kill_switch_holds_across_restarts_until_resumed() {
    let rig = Rig::start("fault-kill").await;
    let mut exec = start_drifting(&rig, "SEI-USDC").await;
    let saved = hold(&rig).await.expect("the trip is saved as a hold");
    assert_eq!(saved["mode"], "killed");
    assert_eq!(saved["market"], "SEI-USDC");
    assert!(saved["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("hit rate"));

    // A graceful stop writes `stopped` over the mode, never over the hold.
    assert!(exec.terminate(Duration::from_secs(10)).is_some());
    assert_eq!(rig.mode().await, "stopped");
    assert_eq!(
        hold(&rig).await.map(|h| h["mode"].clone()),
        Some("killed".into())
    );
    let floor_zero = [("EXEC_DRIFT_HIT_RATE_FLOOR", "0")];
    let mut exec = rig.execution(&floor_zero, &[]);
    assert!(
        rig.wait_mode("killed", Duration::from_secs(15)).await,
        "restart after SIGTERM lifted the kill switch: {}",
        rig.logs()
    );
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting while killed"
    );

    exec.kill_9();
    let _exec = rig.execution(&floor_zero, &[]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting after kill -9 while killed"
    );
    assert_eq!(rig.mode().await, "killed", "{}", rig.logs());

    rig.command(ExecAction::Resume).await;
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "resume did not quote again: {}",
        rig.logs()
    );
    assert_eq!(hold(&rig).await, None, "resume lifts the hold");
    rig.cleanup().await;
}

/// A trip saved to a Redis with an append-only file survives that Redis being killed and
/// restarted along with execution: the restart is killed, with nothing resting.
#[tokio::test(flavor = "multi_thread")]
async fn a_trip_survives_a_redis_restart_from_its_aof() {
    let redis = PrivateRedis::start_with_aof();
    let rig = Rig::start_on("fault-aof", &[], redis.url()).await;
    let mut exec = start_drifting(&rig, "ETH-USDC").await;
    exec.kill_9();
    let redis = redis.kill_9_and_restart();
    let _exec = rig.execution(&[("EXEC_DRIFT_HIT_RATE_FLOOR", "0")], &[]);
    assert!(
        rig.wait_mode("killed", Duration::from_secs(15)).await,
        "the kill switch did not survive the Redis restart: {}",
        rig.logs()
    );
    assert_eq!(
        hold(&rig).await.map(|h| h["market"].clone()),
        Some("ETH-USDC".into())
    );
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting after the Redis restart while killed"
    );
    rig.cleanup().await;
    drop(redis);
}

/// A venue client of the account's key signing with nonces counted from 1: the venue
/// remembers a key's latest 4 096 nonces, and the many requests of [`cross_until`] must stay
/// below execution's (counted from its start time in ns).
async fn bulk_client(rig: &Rig) -> SimVenue {
    let venue_port = port(&rig.ports, "venue");
    SimVenue::connect(
        SimVenueConfig::new(
            format!("http://127.0.0.1:{venue_port}"),
            format!("ws://127.0.0.1:{venue_port}/ws"),
        ),
        Some(Arc::new(
            Signer::from_hex(&rig.secret, 1).expect("the trading key"),
        )),
    )
    .await
    .expect("venue client")
}

/// Immediate-or-cancel orders of the account across ETH/USDC's spread, alternating sides so
/// the position stays small (10 lots, 0.001 ETH, clear the minimum notional), until the
/// account has `wanted` fills. Each round trip loses the spread and the taker fee.
async fn cross_until(bulk: &SimVenue, wanted: usize) {
    let eth = MarketId::new("ETH/USDC").unwrap();
    let mut sent = 0u64;
    while bulk.fills_since(0).await.map_or(0, |f| f.len()) < wanted {
        let book = bulk.snapshot(&eth).await.expect("ETH book");
        let mut batch = Vec::new();
        for i in 0..64 {
            sent += 1;
            let (side, level) = if i % 2 == 0 {
                (Side::Buy, book.asks.iter().min_by_key(|l| l.price))
            } else {
                (Side::Sell, book.bids.iter().max_by_key(|l| l.price))
            };
            let Some(level) = level else { continue };
            let order = NewOrder {
                market: eth.clone(),
                client_id: flashmm_core::identifiers::ClientOrderId::new(format!("t-{sent}"))
                    .unwrap(),
                side,
                price: level.price,
                qty: Qty::from_lots(10),
                tif: TimeInForce::Ioc,
            };
            batch.push(async move { bulk.place(&order).await });
        }
        let answers = futures_util::future::join_all(batch).await;
        assert!(
            sent < 20_000,
            "the flow gave too few fills; last answer {:?}",
            answers.last()
        );
    }
}

/// Redis goes away; while it is away the account loses past the daily loss limit (its own
/// fills, from the venue): the kill switch trips, every quote is pulled, and the trip — kept by
/// the writer — reaches Redis once it is back, so a restart of execution is still killed.
#[tokio::test(flavor = "multi_thread")]
async fn a_trip_while_redis_is_away_is_saved_once_it_is_back() {
    let redis = PrivateRedis::start_with_aof();
    let rig = Rig::start_on(
        "fault-outage",
        &["--rate-capacity", "100000", "--rate-per-sec", "100000"],
        redis.url(),
    )
    .await;
    let text = std::fs::read_to_string(&rig.config).unwrap();
    let text = text.replace(
        "daily_loss_limit_usdc = \"200\"",
        "daily_loss_limit_usdc = \"0.5\"",
    );
    assert!(text.contains("daily_loss_limit_usdc = \"0.5\""));
    std::fs::write(&rig.config, text).unwrap();
    let mut exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "no quotes: {}",
        rig.logs()
    );
    let bulk = bulk_client(&rig).await;
    let before = bulk.fills_since(0).await.map_or(0, |f| f.len());
    // Redis away (its process stopped, its data kept in the AOF).
    let outage = flashmm_runtime::now();
    let stopped = redis.kill_9();
    cross_until(&bulk, before + 600).await;
    assert!(
        wait_until(Duration::from_secs(10), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "quotes rest while Redis is away and the account is beyond its loss limit"
    );
    let log = std::fs::read_to_string(rig.dir.join("execution.log")).unwrap_or_default();
    assert!(
        log.contains("kill switch tripped"),
        "no trip while Redis was away: {}",
        rig.logs()
    );
    // Redis back on the same port and data: the kept hold is written; a restart holds it.
    let redis = stopped.restart();
    let saved = wait_until(Duration::from_secs(10), || async {
        hold(&rig)
            .await
            .is_some_and(|h| h["mode"] == "killed" && h["ts"].as_i64() > Some(outage.as_i64()))
    })
    .await;
    assert!(
        saved,
        "the trip was not saved once Redis was back: {}",
        rig.logs()
    );
    exec.kill_9();
    let _exec = rig.execution(&[], &[]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rig.mode().await, "killed", "{}", rig.logs());
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting after the restart"
    );
    rig.cleanup().await;
    drop(redis);
}

/// More fills on ETH/USDC than the fill ledger remembers, none on SEI/USDC: after `kill -9`
/// the restart books none of them twice (a market without fills used to pull the replay
/// back to the first fill, past what the ledger remembers). Execution runs paused, so the
/// fills are the test's own.
#[tokio::test(flavor = "multi_thread")]
async fn position_equals_the_venues_fills_past_the_ledgers_memory() {
    let rig = Rig::start_with(
        "fault-ledger",
        &["--rate-capacity", "100000", "--rate-per-sec", "100000"],
    )
    .await;
    let trading = rig.namespace.state("trading").unwrap();
    let pause = serde_json::json!({
        "mode": "paused", "reason": "test", "market": null, "ts": 1
    });
    rig.bus
        .set_state(&trading, &[("hold".into(), pause.to_string())])
        .await
        .unwrap();

    let bulk = bulk_client(&rig).await;
    cross_until(&bulk, FillLedger::CAPACITY + 300).await;
    let eth = MarketId::new("ETH/USDC").unwrap();
    let fills = rig.venue_fills().await;
    assert!(fills.len() > FillLedger::CAPACITY);
    assert!(
        fills.iter().all(|f| f.market == eth),
        "fills on one market only"
    );

    let mut exec = rig.execution(&[], &[]);
    let expected = venue_positions(&fills);
    assert!(
        wait_until(Duration::from_secs(20), || async {
            rig.positions().await[1] == expected[1]
        })
        .await,
        "first start: {:?} against the venue's {expected:?}: {}",
        rig.positions().await,
        rig.logs()
    );
    // The saved state (flushed once a second) has caught up with the booked position.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    exec.kill_9();
    let _exec = rig.execution(&[], &[]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let fills = rig.venue_fills().await;
    let expected = venue_positions(&fills);
    let booked = rig.positions().await;
    assert_eq!(
        booked[1],
        expected[1],
        "ETH position after kill -9 differs from the venue's {} fills: {}",
        fills.len(),
        rig.logs()
    );
    assert_eq!(rig.mode().await, "paused", "the saved pause holds");
    rig.cleanup().await;
}

/// Each market's position is cross-checked with the venue's balance of its base asset at a
/// restart: their difference (the funding) is saved at the first start; a restart that finds it
/// moved (here: the saved funding altered, as a booked position gone wrong would) starts
/// paused with the figures, and rests nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_position_that_disagrees_with_the_venues_balances_starts_paused() {
    let rig = Rig::start("fault-balance").await;
    let mut exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "no quotes: {}",
        rig.logs()
    );
    let exec_state = rig.namespace.state("exec").unwrap();
    let saved = rig.state("exec").await;
    let funding: rust_decimal::Decimal = saved
        .get("funding:SEI")
        .and_then(|v| v.parse().ok())
        .expect("the SEI funding saved at the first start");
    exec.kill_9();
    // A restart as it was: the check passes.
    let mut exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "no quotes after a clean restart: {}",
        rig.logs()
    );
    exec.kill_9();
    let wrong = funding + rust_decimal::Decimal::ONE;
    rig.bus
        .set_state(&exec_state, &[("funding:SEI".into(), wrong.to_string())])
        .await
        .unwrap();
    let _exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_mode("paused", Duration::from_secs(15)).await,
        "a position the venue disagrees with did not pause: {}",
        rig.logs()
    );
    let held = hold(&rig).await.expect("the pause is saved as a hold");
    assert!(
        held["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("position differs from the venue"),
        "{held}"
    );
    assert!(metric(&rig.metrics(), "flashmm_execution_balance_mismatches_total") >= 1.0);
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting on a position the venue disagrees with"
    );
    rig.cleanup().await;
}

/// Redis loses execution's state twice: mid-run (every key of the namespace deleted, as a
/// FLUSHALL does) execution pauses and pulls every quote; at a restart with an empty state
/// while the venue knows the account, it starts paused. Resuming quotes again both times.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_state_pauses_until_resumed() {
    let rig = Rig::start("fault-lost").await;
    let mut exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "no quotes: {}",
        rig.logs()
    );
    rig.bus.purge(&rig.namespace).await.unwrap();
    assert!(
        rig.wait_mode("paused", Duration::from_secs(10)).await,
        "execution did not notice the lost state: {}",
        rig.logs()
    );
    assert!(
        wait_until(Duration::from_secs(5), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "quotes not pulled after the state was lost"
    );
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting while paused"
    );
    assert!(metric(&rig.metrics(), "flashmm_execution_state_lost_total") >= 1.0);
    // The positions are written again from what execution holds.
    assert!(
        wait_until(Duration::from_secs(5), || async {
            !rig.state("positions").await.is_empty()
        })
        .await,
        "positions not written again"
    );
    rig.command(ExecAction::Resume).await;
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "resume after the lost state did not quote: {}",
        rig.logs()
    );

    // A restart on an empty state while the venue knows the account (a fill of its own; the
    // simulator cancels the dead session's orders).
    exec.kill_9();
    take_one_fill(&rig).await;
    rig.bus.purge(&rig.namespace).await.unwrap();
    let _exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_mode("paused", Duration::from_secs(15)).await,
        "restart on an empty state did not start paused: {}",
        rig.logs()
    );
    assert!(
        stays_flat(&rig, Duration::from_secs(3)).await,
        "quoting after a restart on an empty state"
    );
    let held = hold(&rig).await.expect("the pause is saved as a hold");
    assert!(held["reason"].as_str().unwrap_or_default().contains("lost"));
    rig.command(ExecAction::Resume).await;
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "resume did not quote: {}",
        rig.logs()
    );
    // The new epoch is past every id the lost count handed out.
    let open = rig.open_orders().await;
    assert!(
        open.iter().all(|o| !o.client_id.as_str().contains("-1-")),
        "ids of the lost epoch reused: {open:?}"
    );
    rig.cleanup().await;
}

/// A third of the placements' answers are dropped by the simulator: each such order is looked
/// up by client id before anything more is sent for its quote, so none stays pending at
/// length, no client id goes out twice or as two venue orders, and every resting order is one
/// execution tracks.
#[tokio::test(flavor = "multi_thread")]
async fn lost_acks_never_leave_two_orders_for_one_quote() {
    let rig = Rig::start("fault-acks").await;
    let venue_port = port(&rig.ports, "venue");
    let (status, body) =
        http_post_json(venue_port, "/admin/faults", r#"{"ack_drop_fraction": 0.3}"#)
            .expect("fault switch");
    assert!(status.contains("200"), "{status} {body}");
    let _exec = rig.execution(&[], &[]);
    let mut samples = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        // An order whose answer was lost is resolved by its lookup within a round trip, not
        // left pending (the sweep's 5 s and more): none pending for 3 s.
        let now = flashmm_runtime::now();
        let stuck: Vec<String> = rig
            .state("orders")
            .await
            .into_iter()
            .filter_map(|(id, v)| {
                let v: serde_json::Value = serde_json::from_str(&v).ok()?;
                let ts = v["ts"].as_i64()?;
                (v["status"] == "PendingNew" && now.since(UnixNanos(ts)) > 3_000_000_000)
                    .then_some(id)
            })
            .collect();
        assert!(
            stuck.is_empty(),
            "pending for over 3 s: {stuck:?}: {}",
            rig.logs()
        );
        samples += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(samples > 10);
    let lost = metric(&rig.metrics(), "flashmm_execution_lost_acks_total");
    assert!(lost >= 1.0, "no answer was lost: the test proves nothing");
    assert!(
        wait_until(Duration::from_secs(10), || async {
            let open = rig.open_orders().await;
            let saved = rig.state("orders").await;
            !open.is_empty()
                && open
                    .iter()
                    .all(|o| saved.contains_key(o.client_id.as_str()))
        })
        .await,
        "orders rest that execution does not track: {}",
        rig.logs()
    );
    let fills = rig.venue_fills().await;
    let ids = client_id_use(&rig.bus, &rig.namespace, &["SEI-USDC", "ETH-USDC"], &fills).await;
    assert!(ids.submitted > 0, "no order records to check: {ids:?}");
    assert!(ids.reused.is_empty(), "client ids reused: {:?}", ids.reused);
    rig.cleanup().await;
}
