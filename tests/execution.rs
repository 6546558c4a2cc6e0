//! `execution` against the real simulator over the network and a real Redis: quotes rest on
//! both sides of both markets; pause and resume through `cmd:exec`; model drift trips the kill
//! switch, which holds until an operator resumes; a burst of venue rejects opens the breaker;
//! frozen market data pulls every quote; a tiny position limit refuses every order; a
//! `kill -9` and restart leaves no orphan or duplicate orders (no client id submitted twice or
//! seen as two venue orders over the run) and the position equal to the sum of the venue's
//! fills.

use std::time::{Duration, Instant};

use flashmm_bus::Bus;
use flashmm_core::control::ExecAction;
use flashmm_core::market::Side;
use flashmm_core::order::{OrderStatus, OrderUpdate};
use flashmm_e2e::rig::{two_sided, venue_positions, wait_until, Rig};
use flashmm_e2e::{client_id_use, http_post_json, metric, port, read_stream};
use rust_decimal::Decimal;

#[tokio::test(flavor = "multi_thread")]
async fn quotes_both_sides_pauses_resumes_and_kill_switch_holds() {
    let rig = Rig::start("exec-quote").await;
    let spawned = flashmm_runtime::now();
    let _exec = rig.execution(&[], &[]);
    let seen = std::sync::Mutex::new(Vec::new());
    assert!(
        wait_until(Duration::from_secs(10), || async {
            let orders = rig.open_orders().await;
            let ok = two_sided(&orders);
            *seen.lock().unwrap() = orders;
            ok
        })
        .await,
        "no two-sided quotes"
    );
    let orders = seen.into_inner().unwrap();
    // When the venue had both sides of both markets resting (its own timestamps, so the
    // test's polling does not count): within a second of the process start.
    let mut all_resting = spawned;
    for m in ["SEI/USDC", "ETH/USDC"] {
        for side in [Side::Buy, Side::Sell] {
            let first = orders
                .iter()
                .filter(|o| o.market.as_str() == m && o.side == side)
                .map(|o| o.ts)
                .min()
                .expect("two-sided");
            all_resting = all_resting.max(first);
        }
    }
    let took_ms = all_resting.since(spawned) / 1_000_000;
    eprintln!("two-sided quotes on both markets {took_ms} ms after the process started");
    assert!(took_ms < 1_000, "two-sided quotes {took_ms} ms after start");
    for m in ["SEI/USDC", "ETH/USDC"] {
        let mine: Vec<_> = orders.iter().filter(|o| o.market.as_str() == m).collect();
        let best_bid = mine
            .iter()
            .filter(|o| o.side == Side::Buy)
            .map(|o| o.price)
            .max();
        let best_ask = mine
            .iter()
            .filter(|o| o.side == Side::Sell)
            .map(|o| o.price)
            .min();
        assert!(best_bid < best_ask, "{m}: our quotes cross");
        assert!(
            mine.len() <= 6,
            "{m}: at most 3 levels a side, got {}",
            mine.len()
        );
    }
    assert!(
        wait_until(Duration::from_secs(5), || async {
            let q = rig.state("quotes").await;
            q.contains_key("SEI/USDC") && q.contains_key("ETH/USDC")
        })
        .await
    );
    let q = rig.state("quotes").await;
    let sei: serde_json::Value = serde_json::from_str(&q["SEI/USDC"]).unwrap();
    assert_eq!(sei["prediction_fresh"], false, "no inference running");
    // Both sides rest: the size ahead of each best order is known (a decimal, zero when first).
    for side in ["bid", "ask"] {
        let ahead = sei["queue_ahead"][side]
            .as_str()
            .unwrap_or_else(|| panic!("{sei}"));
        assert!(
            ahead
                .parse::<rust_decimal::Decimal>()
                .is_ok_and(|a| a >= rust_decimal::Decimal::ZERO),
            "{sei}"
        );
    }
    assert_eq!(rig.state("trading").await["mode"], "quoting");
    assert!(!rig.state("orders").await.is_empty());

    rig.command(ExecAction::Pause {
        reason: "test".into(),
    })
    .await;
    assert!(
        rig.wait_mode("paused", Duration::from_secs(5)).await,
        "pause not acted on"
    );
    assert!(
        wait_until(Duration::from_secs(5), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "pause did not cancel"
    );
    assert_eq!(rig.state("trading").await["mode"], "paused");
    rig.command(ExecAction::Resume).await;
    assert!(
        rig.wait_two_sided(Duration::from_secs(5)).await,
        "resume did not quote again"
    );

    // The model's live hit rate below the floor trips the kill switch.
    let model = rig.namespace.state("model").unwrap();
    rig.bus
        .set_state(
            &model,
            &[
                ("hit_rate:SEI-USDC".into(), "0.1000".into()),
                ("hit_rate_n:SEI-USDC".into(), "1000".into()),
            ],
        )
        .await
        .unwrap();
    assert!(
        rig.wait_mode("killed", Duration::from_secs(5)).await,
        "drift did not trip the kill switch"
    );
    assert!(
        wait_until(Duration::from_secs(5), || async {
            rig.open_orders().await.is_empty()
        })
        .await
    );
    // Healthy again, but the kill holds until an operator resumes.
    rig.bus
        .set_state(&model, &[("hit_rate:SEI-USDC".into(), "0.9000".into())])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        rig.open_orders().await.is_empty(),
        "kill switch did not hold"
    );
    assert_eq!(rig.state("trading").await["mode"], "killed");
    assert!(rig.risk_kinds().await.contains(&"model_drift".to_owned()));
    assert!(metric(&rig.metrics(), "flashmm_execution_kill_switch") >= 1.0);
    rig.command(ExecAction::Resume).await;
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "resume after kill did not quote: {}",
        rig.logs()
    );
    // Warmed up (σ now measured on the simulator's coarse SEI tick), the best quotes stay
    // within the strategy's 50 bps cap of the mid, well inside the 200 bps price band.
    let quotes = rig.state("quotes").await;
    for m in ["SEI/USDC", "ETH/USDC"] {
        let q: serde_json::Value = serde_json::from_str(&quotes[m]).unwrap();
        let num = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
        let mid = num(&q["mid"]);
        for side in ["bids", "asks"] {
            let best = num(&q[side][0]["price"]);
            let bps = (best - mid).abs() / mid * 1e4;
            assert!(bps <= 60.0, "{m} {side}: {best} is {bps:.0} bps from {mid}");
        }
    }
    rig.cleanup().await;
}

/// A venue allowing the key 10 requests a second (the test's polls included) and execution
/// pacing itself to 5: quotes rest on both sides, what did not fit waited (paced, counted),
/// no quote was refused for too many open orders (cancels refused by the venue's limit used to
/// count as open until the 5 s sweep), and a pause pulls every quote within the budget's time.
#[tokio::test(flavor = "multi_thread")]
async fn a_small_venue_budget_is_paced_and_pausing_pulls_every_quote() {
    let rig = Rig::start_with(
        "exec-paced",
        &["--rate-per-sec", "10", "--rate-capacity", "20"],
    )
    .await;
    let _exec = rig.execution(
        &[
            ("EXEC_VENUE_REQUESTS_PER_SEC", "5"),
            ("EXEC_VENUE_REQUEST_BURST", "8"),
        ],
        &[],
    );
    assert!(
        rig.wait_two_sided(Duration::from_secs(15)).await,
        "no two-sided quotes: {}",
        rig.logs()
    );
    // Requoting two markets at once wants far more than 5 requests a second.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let metrics = rig.metrics();
    let paced: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("flashmm_execution_paced_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(paced > 0.0, "nothing paced:\n{metrics}");
    let refused_open: Vec<&str> = metrics
        .lines()
        .filter(|l| {
            l.starts_with("flashmm_execution_risk_violations_total") && l.contains("open_orders")
        })
        .collect();
    assert!(
        refused_open.is_empty(),
        "quotes refused as too many open orders: {refused_open:?}"
    );
    rig.command(ExecAction::Pause {
        reason: "test".into(),
    })
    .await;
    let asked = Instant::now();
    assert!(
        wait_until(Duration::from_secs(4), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "quotes still resting {:?} after the pause: {}",
        asked.elapsed(),
        rig.logs()
    );
    eprintln!("every quote pulled {:?} after the pause", asked.elapsed());
    rig.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_open_the_breaker_and_stale_data_pulls_quotes() {
    let rig = Rig::start("exec-risk").await;
    let _exec = rig.execution(
        &[],
        &["--breaker-threshold", "3", "--breaker-backoff-ms", "3000"],
    );
    assert!(rig.wait_two_sided(Duration::from_secs(10)).await);
    let venue_port = port(&rig.ports, "venue");

    let (status, _) =
        http_post_json(venue_port, "/admin/faults", r#"{"freeze_feed_ms": 4000}"#).unwrap();
    assert!(status.contains("200"), "{status}");
    assert!(
        wait_until(Duration::from_secs(6), || async {
            rig.risk_kinds().await.contains(&"stale_data".to_owned())
        })
        .await,
        "stale market data not detected"
    );
    assert!(
        wait_until(Duration::from_secs(2), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "stale market data did not cancel the quotes"
    );
    assert!(
        rig.wait_two_sided(Duration::from_secs(10)).await,
        "quoting did not resume after the feed came back"
    );

    let (status, _) =
        http_post_json(venue_port, "/admin/faults", r#"{"reject_fraction": 1.0}"#).unwrap();
    assert!(status.contains("200"), "{status}");
    assert!(
        wait_until(Duration::from_secs(10), || async {
            rig.risk_kinds().await.contains(&"circuit_open".to_owned())
        })
        .await,
        "rejects did not open the breaker"
    );
    assert!(metric(&rig.metrics(), "flashmm_execution_venue_errors_total") >= 3.0);
    rig.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tiny_position_limit_refuses_every_order() {
    let rig = Rig::start("exec-pos").await;
    let _exec = rig.execution(&[("MAX_POSITION_USDC", "1")], &[]);
    assert!(
        wait_until(Duration::from_secs(10), || async {
            rig.risk_kinds()
                .await
                .contains(&"position_limit".to_owned())
        })
        .await,
        "position limit did not trip"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        rig.open_orders().await.is_empty(),
        "orders beyond the position limit"
    );
    rig.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_and_restart_reconciles_exactly() {
    let rig = Rig::start("exec-kill").await;
    let mut exec = rig.execution(&[], &[]);
    assert!(rig.wait_two_sided(Duration::from_secs(10)).await);
    // Let the synthetic flow trade against the quotes for a while.
    let fills_seen = wait_until(Duration::from_secs(20), || async {
        !rig.venue
            .fills_since(0)
            .await
            .unwrap_or_default()
            .is_empty()
    })
    .await;
    assert!(
        fills_seen,
        "no fill of our quotes in 20 s before the kill: the position check would compare zeros"
    );
    exec.kill_9();
    let _exec = rig.execution(&[], &[]);
    assert!(
        rig.wait_two_sided(Duration::from_secs(10)).await,
        "no quotes after the restart: {}",
        rig.logs()
    );
    // Every resting order is tracked and of the new epoch. The state is flushed once a
    // second, so a fresh order may miss one snapshot: poll until a consistent one.
    let consistent = wait_until(Duration::from_secs(10), || {
        let rig = &rig;
        async move {
            let orders = rig.open_orders().await;
            let saved = rig.state("orders").await;
            for o in &orders {
                assert!(
                    o.client_id.as_str().contains("-2-"),
                    "order {} of the dead epoch survived",
                    o.client_id
                );
            }
            !orders.is_empty()
                && orders
                    .iter()
                    .all(|o| saved.contains_key(o.client_id.as_str()))
        }
    })
    .await;
    let problems: Vec<String> = if consistent {
        Vec::new()
    } else {
        let saved = rig.state("orders").await;
        rig.open_orders()
            .await
            .into_iter()
            .filter(|o| !saved.contains_key(o.client_id.as_str()))
            .map(|o| o.client_id.as_str().to_owned())
            .collect()
    };
    assert!(consistent, "orphan orders not tracked: {problems:?}");
    // Position = sum of the venue's fills, per market (quiesce first: pause).
    rig.command(ExecAction::Pause {
        reason: "check".into(),
    })
    .await;
    assert!(
        wait_until(Duration::from_secs(5), || async {
            rig.open_orders().await.is_empty()
        })
        .await
    );
    // Venue fill events queue behind market data in execution's input, so the booked
    // position converges on the venue's fills: poll until they agree.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (fills, last) = loop {
        let fills = rig.venue_fills().await;
        let last = (rig.positions().await, venue_positions(&fills));
        if last.0 == last.1 || Instant::now() >= deadline {
            break (fills, last);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(
        last.0, last.1,
        "positions (SEI, ETH) differ from the venue's fills"
    );
    // No intent went out twice, across the kill: every client id was submitted once and is
    // one order at the venue (the venue only refuses a client id while it is open).
    let ids = client_id_use(&rig.bus, &rig.namespace, &["SEI-USDC", "ETH-USDC"], &fills).await;
    assert!(
        ids.submitted > 0 && ids.filled > 0,
        "no order records to check: {ids:?}"
    );
    assert!(ids.reused.is_empty(), "client ids reused: {:?}", ids.reused);
    eprintln!(
        "{} client ids submitted, {} filled; {} fills",
        ids.submitted,
        ids.filled,
        fills.len()
    );
    rig.cleanup().await;
}

/// The base position of `market` in the `positions` hash, if any.
async fn position_of(rig: &Rig, market: &str) -> Option<Decimal> {
    rig.state("positions")
        .await
        .get(market)
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|p| p["base_qty"].as_str()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn flatten_closes_every_position_and_stays_paused() {
    let rig = Rig::start("exec-flatten").await;
    let _exec = rig.execution(
        &[],
        &["--flatten-aggressive", "--flatten-passive-ms", "1000"],
    );
    // The synthetic flow trades against the quotes until some position is open.
    let opened = wait_until(Duration::from_secs(45), || async {
        let mut any = false;
        for m in ["SEI/USDC", "ETH/USDC"] {
            any |= position_of(&rig, m).await.is_some_and(|q| !q.is_zero());
        }
        any
    })
    .await;
    assert!(opened, "no fill in 45 s: {}", rig.logs());
    rig.command(ExecAction::Flatten).await;
    let flat = wait_until(Duration::from_secs(20), || async {
        let mut all = true;
        for m in ["SEI/USDC", "ETH/USDC"] {
            all &= position_of(&rig, m).await.is_some_and(|q| q.is_zero());
        }
        all
    })
    .await;
    assert!(
        flat,
        "positions after flatten: {:?}\n{}",
        rig.state("positions").await,
        rig.logs()
    );
    assert_eq!(rig.state("trading").await["mode"], "paused");
    assert!(
        wait_until(Duration::from_secs(3), || async {
            rig.open_orders().await.is_empty()
        })
        .await,
        "orders left after flatten"
    );
    // Paused after a flatten: nothing new rests until an operator resumes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(rig.open_orders().await.is_empty(), "quoting while paused");
    // `state:orders` agrees: the filled orders left it too, not only the cancelled ones.
    let listed = rig.state("orders").await;
    assert!(listed.is_empty(), "state:orders lists {listed:?}");
    let mut filled = 0;
    for mkt in ["SEI-USDC", "ETH-USDC"] {
        let updates =
            read_stream::<OrderUpdate>(&rig.bus, &rig.namespace.orders(mkt).unwrap()).await;
        filled += updates
            .into_iter()
            .map(|(_, u)| u)
            .filter(|u| u.order.status() == OrderStatus::Filled)
            .count();
    }
    assert!(filled >= 1, "no filled order on orders:{{mkt}}");
    assert!(metric(&rig.metrics(), "flashmm_execution_commands_total") >= 1.0);
    rig.cleanup().await;
}

/// Restarts execution over a saved P&L mark (as after a crash that followed a loss): the
/// limit trips the kill switch, no order rests, and a resume does not override a limit that
/// still holds.
#[tokio::test(flavor = "multi_thread")]
async fn drawdown_and_daily_loss_limits_trip_the_kill_switch() {
    let rig = Rig::start("exec-loss").await;
    let mut exec = rig.execution(&[], &[]);
    assert!(rig.wait_two_sided(Duration::from_secs(10)).await);
    let exec_state = rig.namespace.state("exec").unwrap();
    let today = (flashmm_runtime::now().as_i64() / 86_400_000_000_000).to_string();
    for (kind, fields) in [
        // Net P&L once peaked at 1 000 USDC: drawdown far beyond `max_drawdown_usdc` (300).
        (
            "drawdown",
            [("equity_peak", "1000"), ("day_start_equity", "0")],
        ),
        // Today began at 1 000 USDC: a daily loss beyond `daily_loss_limit_usdc` (200).
        (
            "daily_loss",
            [("equity_peak", "0"), ("day_start_equity", "1000")],
        ),
    ] {
        exec.kill_9();
        let mut values: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        values.push(("day".to_owned(), today.clone()));
        rig.bus.set_state(&exec_state, &values).await.unwrap();
        exec = rig.execution(&[], &[]);
        if kind == "daily_loss" {
            // Killed by the drawdown before the restart: an operator resumes, and the daily
            // loss trips it again at once.
            assert!(rig.wait_mode("killed", Duration::from_secs(10)).await);
            rig.command(ExecAction::Resume).await;
        }
        assert!(
            wait_until(Duration::from_secs(10), || async {
                rig.risk_kinds().await.contains(&kind.to_owned())
            })
            .await,
            "{kind} did not trip: {:?}\n{}",
            rig.risk_kinds().await,
            rig.logs()
        );
        assert!(
            rig.wait_mode("killed", Duration::from_secs(5)).await,
            "{kind}: mode {:?}",
            rig.state("trading").await
        );
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            rig.open_orders().await.is_empty(),
            "{kind}: orders rest while killed"
        );
        let metrics = rig.metrics();
        assert!(metric(&metrics, "flashmm_execution_kill_switch") >= 1.0);
        if kind == "drawdown" {
            assert!(metric(&metrics, "flashmm_execution_drawdown_usdc") >= 900.0);
            assert_eq!(
                metric(&metrics, "flashmm_execution_drawdown_limit_usdc"),
                300.0
            );
        } else {
            assert!(metric(&metrics, "flashmm_execution_daily_pnl_usdc") <= -900.0);
            assert_eq!(
                metric(&metrics, "flashmm_execution_daily_loss_limit_usdc"),
                200.0
            );
        }
    }
    rig.cleanup().await;
}
