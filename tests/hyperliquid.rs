//! `VENUE=hyperliquid` end to end, against the Hyperliquid mock (`sim-venue --wire
//! hyperliquid`): ingest → feature → inference → execution quote both sides of two markets
//! (a spot pair, SEI/USDC, and a perp, ETH) and get filled, trading with an API wallet for a
//! master account; `kill -9` of execution
//! and a restart reconcile by cloid (no orphan, no duplicate, the position equal to the
//! venue's fills); a lost WebSocket with `/exchange` unreachable too leaves only the
//! venue's `scheduleCancel` to pull the quotes, and it does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use flashmm_bus::{Bus, Namespace, RedisBus, RedisBusConfig};
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::Side;
use flashmm_e2e::rig::{saved_positions, two_sided, wait_until, MARKETS};
use flashmm_e2e::{bin, http_get, http_post_json, port, Service, Stage};
use flashmm_hyperliquid::{Cloid, Network, Signer};
use flashmm_venue::venue::{HyperliquidConfig, HyperliquidVenue, Venue};
use rust_decimal::Decimal;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts `name` in the repository root (the model's relative path), logging to `dir`.
fn start(name: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Service {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.log")))
        .expect("log file");
    let mut cmd = Command::new(bin(name));
    cmd.current_dir(root())
        .args(args)
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Service {
        child: cmd.spawn().expect("spawn"),
    }
}

fn logs(dir: &Path) -> String {
    let mut out = String::new();
    for name in ["execution", "sim-venue", "ingest"] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        out.push_str(&format!(
            "\n--- {name}.log (last lines, newest first)\n{}",
            tail.join("\n")
        ));
    }
    out
}

/// Per market, the base position the venue's fills add up to.
async fn venue_positions(venue: &HyperliquidVenue) -> Vec<Decimal> {
    let fills = venue.fills(0).await.expect("venue fills");
    MARKETS
        .iter()
        .map(|m| {
            let spec = venue
                .markets()
                .iter()
                .find(|s| s.id().as_str() == *m)
                .expect("spec");
            fills
                .iter()
                .filter(|f| f.market.as_str() == *m)
                .map(|f| {
                    let q = spec.qty_to_decimal(f.qty);
                    match f.side {
                        Side::Buy => q,
                        Side::Sell => -q,
                    }
                })
                .sum()
        })
        .collect()
}

/// The cloids of the orders execution tracks (`state:orders`).
async fn tracked_cloids(bus: &RedisBus, ns: &Namespace) -> BTreeSet<String> {
    bus.get_state(&ns.state("orders").expect("key"))
        .await
        .unwrap_or_default()
        .keys()
        .filter_map(|k| ClientOrderId::new(k.as_str()).ok())
        .map(|id| Cloid::from_client_order_id(&id).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn trades_on_the_hyperliquid_mock_restarts_by_cloid_and_dies_safely() {
    let Stage {
        dir,
        config,
        ports,
        ns,
        url,
    } = Stage::new("hl-e2e");
    // ETH/USDC trades the perp `ETH`; SEI/USDC the spot pair of its symbol. Near 3000 the
    // perp's prices have one decimal (5 significant figures): its tick is 0.1.
    let text = std::fs::read_to_string(&config).expect("config").replace(
        "symbol = \"ETH/USDC\"\ntick_size = \"0.01\"",
        "symbol = \"ETH/USDC\"\ntick_size = \"0.1\"",
    );
    assert!(
        text.contains("tick_size = \"0.1\""),
        "the ETH/USDC block moved"
    );
    let coins = "[venue.hyperliquid.coins]";
    let at = text.find(coins).expect("coins table");
    let line_end = at + text[at..].find('\n').expect("line end");
    let text = format!(
        "{}\n\"ETH/USDC\" = \"ETH\"{}",
        &text[..line_end],
        &text[line_end..]
    );
    std::fs::write(&config, text).expect("config");
    let venue_port = port(&ports, "venue");
    let master = Signer::from_bytes([0x5a; 32]).expect("master key");
    let agent = Signer::from_bytes([0xa5; 32]).expect("agent key");
    let agent_hex = "a5".repeat(32);
    let master_addr = master.address().to_string();
    let api = format!("http://127.0.0.1:{venue_port}");
    let ws = format!("ws://127.0.0.1:{venue_port}/ws");
    let ort = std::env::var("ORT_DYLIB_PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| std::fs::read_to_string(root().join(".venv/ort-dylib-path")).ok())
        .map(|p| p.trim().to_owned())
        .unwrap_or_default();
    let common: Vec<(&str, &str)> = vec![
        ("FLASHMM_NAMESPACE", ns.as_str()),
        ("REDIS_URL", url.as_str()),
        ("VENUE", "hyperliquid"),
        ("HYPERLIQUID_API_URL", api.as_str()),
        ("HYPERLIQUID_WS_URL", ws.as_str()),
        ("HYPERLIQUID_ACCOUNT", master_addr.as_str()),
        ("ORT_DYLIB_PATH", ort.as_str()),
    ];
    let agent_pair = format!("{}={}", agent.address(), master_addr);
    let _mock = start(
        "sim-venue",
        &dir,
        &[
            "--config",
            &config,
            "--seed",
            "5",
            "--wire",
            "hyperliquid",
            "--hl-account",
            &master_addr,
            "--hl-agent",
            &agent_pair,
            "--hl-perp",
            "ETH/USDC",
            "--rate-capacity",
            "1000",
            "--rate-per-sec",
            "200",
        ],
        &common,
    );
    let _ingest = start("ingest", &dir, &["--config", &config], &common);
    let _feature = start("feature", &dir, &["--config", &config], &common);
    let _inference = start("inference", &dir, &["--config", &config], &common);
    let mut exec_env = common.clone();
    exec_env.push(("TRADING_PRIVATE_KEY", agent_hex.as_str()));
    let mut exec = start("execution", &dir, &["--config", &config], &exec_env);

    // The test's own view of the account: read-only (`/info`), no key.
    let mut hl = HyperliquidConfig::new(Network::Testnet, api.clone(), ws.clone());
    hl.account = Some(master.address());
    hl.coins = vec![(
        flashmm_core::market::MarketId::new("ETH/USDC").expect("market"),
        "ETH".to_owned(),
    )];
    let specs = flashmm_core::config::Config::from_toml(
        &std::fs::read_to_string(&config).expect("config"),
        |_| None,
    )
    .expect("config")
    .market_specs()
    .expect("specs");
    let mut view = None;
    for _ in 0..200 {
        if let Ok(v) = HyperliquidVenue::connect(hl.clone(), None, specs.clone()).await {
            view = Some(v);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let view = view.expect("the mock answers");
    // `flashmm venue check` reads the markets, checks the API wallet against the account and
    // prints balances and open orders.
    let check = Command::new(bin("flashmm"))
        .current_dir(root())
        .args(["--config", &config, "venue", "check"])
        .envs(exec_env.iter().copied())
        .output()
        .expect("flashmm venue check");
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "venue check failed: {out}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for expected in [
        "venue: hyperliquid testnet",
        "SEI/USDC     coin SEI/USDC     asset  10000",
        "ETH/USDC     coin ETH          asset      0  szDecimals 4  price decimals <= 2  tick 0.1",
        "key is an API wallet of the account",
        // The mock charges Hyperliquid's base tiers, the configuration's fees there.
        "account fees: perps maker 0.00015 taker 0.00045, spot maker 0.0004 taker 0.0007",
        "SEI/USDC     configured maker 0.0004 taker 0.0007, account pays 0.0004 / 0.0007\n",
        "ETH/USDC     configured maker 0.00015 taker 0.00045, account pays 0.00015 / 0.00045\n",
        "(10 000 plus one per USDC traded; volume",
        "USDC     available",
        "open orders:",
    ] {
        assert!(out.contains(expected), "{expected:?} not in: {out}");
    }
    // Configured perp fees below what the account pays are flagged.
    let cheap = dir.join("cheap-fees.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let line = "hyperliquid = { maker = \"0.00015\", taker = \"0.00045\" }";
    assert!(text.contains(line), "{text}");
    std::fs::write(
        &cheap,
        text.replace(
            line,
            "hyperliquid = { maker = \"-0.0001\", taker = \"0.00045\" }",
        ),
    )
    .expect("write config");
    let check = Command::new(bin("flashmm"))
        .current_dir(root())
        .args(["--config", &cheap.display().to_string(), "venue", "check"])
        .envs(exec_env.iter().copied())
        .output()
        .expect("flashmm venue check");
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{out}");
    assert!(
        out.contains(
            "ETH/USDC     configured maker -0.0001 taker 0.00045, account pays 0.00015 / 0.00045  !! below"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "SEI/USDC     configured maker 0.0004 taker 0.0007, account pays 0.0004 / 0.0007\n"
        ),
        "{out}"
    );
    let t0 = tokio::time::Instant::now();
    let bus = RedisBus::connect(RedisBusConfig::new(url.clone()))
        .await
        .expect("redis");
    let namespace = Namespace::new(&ns).expect("namespace");

    // Quotes on both sides of both markets, then fills.
    assert!(
        wait_until(Duration::from_secs(90), || async {
            two_sided(&view.open_orders(None).await.unwrap_or_default())
        })
        .await,
        "no two-sided quotes on the mock: {}",
        logs(&dir)
    );
    assert!(
        wait_until(Duration::from_secs(120), || async {
            let fills = view.fills(0).await.unwrap_or_default();
            MARKETS
                .iter()
                .all(|m| fills.iter().any(|f| f.market.as_str() == *m))
        })
        .await,
        "not both markets filled: {}",
        logs(&dir)
    );
    eprintln!("quoted and filled after {:?}", t0.elapsed());
    let (_, body) = http_get(port(&ports, "execution"), "/metrics").expect("metrics");
    assert!(
        body.contains("flashmm_execution"),
        "execution serves metrics"
    );

    // kill -9 and a restart: everything the predecessor left is cancelled or tracked by cloid.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    exec.kill_9();
    let stranded = view.open_orders(None).await.expect("open orders");
    assert!(!stranded.is_empty(), "quotes rest after kill -9");
    let mut exec = start("execution", &dir, &["--config", &config], &exec_env);
    assert!(
        wait_until(Duration::from_secs(60), || async {
            std::fs::read_to_string(dir.join("execution.log"))
                .unwrap_or_default()
                .matches("reconciled with the venue")
                .count()
                >= 2
        })
        .await,
        "the restart did not reconcile: {}",
        logs(&dir)
    );
    let stranded_cloids: BTreeSet<String> =
        stranded.iter().map(|o| o.client_id.to_string()).collect();
    assert!(
        wait_until(Duration::from_secs(60), || async {
            two_sided(&view.open_orders(None).await.unwrap_or_default())
        })
        .await,
        "no quotes after the restart: {}",
        logs(&dir)
    );
    // No orphan: every order resting at the venue is one execution tracks, none of the
    // predecessor's; no duplicate: one order per cloid.
    assert!(
        wait_until(Duration::from_secs(20), || async {
            let open = view.open_orders(None).await.unwrap_or_default();
            let tracked = tracked_cloids(&bus, &namespace).await;
            let cloids: Vec<String> = open.iter().map(|o| o.client_id.to_string()).collect();
            let unique: BTreeSet<&String> = cloids.iter().collect();
            !open.is_empty()
                && unique.len() == cloids.len()
                && cloids
                    .iter()
                    .all(|c| tracked.contains(c) && !stranded_cloids.contains(c))
        })
        .await,
        "orphans or duplicates at the venue after the restart: {:?} vs tracked {:?}: {}",
        view.open_orders(None)
            .await
            .unwrap_or_default()
            .iter()
            .map(|o| o.client_id.to_string())
            .collect::<Vec<_>>(),
        tracked_cloids(&bus, &namespace).await,
        logs(&dir)
    );
    // The position equals the venue's fills (execution saves once a second).
    assert!(
        wait_until(Duration::from_secs(20), || async {
            saved_positions(&bus, &namespace).await == venue_positions(&view).await
        })
        .await,
        "positions {:?} differ from the venue's fills {:?}: {}",
        saved_positions(&bus, &namespace).await,
        venue_positions(&view).await,
        logs(&dir)
    );
    // The perp's position as the venue reports it (`clearinghouseState`) is what the venue's
    // fills of it add up to and what execution booked,
    // and the restart's cross-check of positions against the venue found no difference.
    assert!(
        wait_until(Duration::from_secs(20), || async {
            let szi = view
                .perp_state()
                .await
                .ok()
                .map(|s| {
                    s.asset_positions
                        .iter()
                        .find(|p| p.position.coin == "ETH")
                        .map_or(Decimal::ZERO, |p| p.position.szi)
                })
                .unwrap_or(Decimal::MIN);
            venue_positions(&view).await.get(1) == Some(&szi)
                && saved_positions(&bus, &namespace).await.get(1) == Some(&szi)
        })
        .await,
        "the ETH perp's position at the venue differs from the booked {:?}: {}",
        saved_positions(&bus, &namespace).await,
        logs(&dir)
    );
    let exec_log = std::fs::read_to_string(dir.join("execution.log")).unwrap_or_default();
    assert!(
        !exec_log.contains("the booked position is not the venue's"),
        "the restart found a position the venue does not hold: {}",
        logs(&dir)
    );

    eprintln!("restart reconciled at {:?}", t0.elapsed());
    // The network goes: no WebSocket, no `/exchange` (execution cannot cancel). Only the
    // venue's scheduleCancel, no longer re-armed, can pull the quotes.
    assert!(two_sided(&view.open_orders(None).await.expect("open")));
    http_post_json(
        venue_port,
        "/admin/hyperliquid/outage",
        r#"{"ws_ms": 60000, "exchange_ms": 60000}"#,
    )
    .expect("outage");
    assert!(
        wait_until(Duration::from_secs(30), || async {
            view.open_orders(None)
                .await
                .map(|o| o.is_empty())
                .unwrap_or(false)
        })
        .await,
        "quotes still rest after the connection was lost: {}",
        logs(&dir)
    );
    eprintln!("quotes gone after the outage at {:?}", t0.elapsed());
    let (_, status) = http_get(venue_port, "/admin/hyperliquid/status").expect("status");
    assert!(
        status.contains("\"scheduled_cancels_fired\":1")
            || status.contains("\"scheduled_cancels_fired\":2"),
        "the quotes went, but not by scheduleCancel: {status}"
    );
    exec.terminate(Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&dir);
}
