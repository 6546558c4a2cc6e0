//! `VENUE=paper` end to end: `flashmm up` against a local mock of Binance serving a real
//! capture of `../shared/data` at its recorded pace (three times faster), with the connection
//! dropped once. The whole pipeline runs unchanged on the live book: `flashmm status` says
//! paper, both sides are quoted and filled by the simulator's queue model; the feed's
//! reconnect leaves the quotes up; `flashmm restart sim-venue` keeps the account (its balances
//! and fills, from the ledger file) and execution quotes again; `flashmm restart execution`
//! reconciles with the venue's balances without a mismatch.

#[path = "../crates/flashmm-binance/tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use flashmm_bus::{Bus, Namespace};
use flashmm_core::market::{MarketId, Side};
use flashmm_core::order::Fill;
use flashmm_e2e::rig::wait_until;
use flashmm_e2e::{bin, bin_dir, http_request, test_signer, wait_for, Stage, TEST_KEY};
use flashmm_venue::venue::{AssetBalance, SimVenue, SimVenueConfig, Venue};
use rust_decimal::Decimal;
use support::{capture, read_lines, spec, start_paced, Capture, Faults};

/// Binance's `exchangeInfo` for the symbol: tick 0.01, step 0.00001 (the depth snapshot's
/// sizes, written with 8 places, refine the lot to 0.00000001).
const EXCHANGE_INFO: &str = r#"{"timezone":"UTC","symbols":[
 {"symbol":"BTCUSDT","filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","stepSize":"0.00001000"}]}]}"#;

/// The API's static admin token in this test.
const ADMIN: &str = "e2e-paper-admin-7f3a";

/// What the simulator funds the paper account with, per asset (`sim-venue --demo-funds`).
const FUNDS: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

fn btc() -> MarketId {
    MarketId::new("BTC/USDT").unwrap()
}

/// The stage's configuration with one market, BTC/USDT on Binance's grid.
fn paper_config(config: &str) {
    let text = std::fs::read_to_string(config).expect("config");
    let start = text.find("[[markets]]").expect("markets");
    let end = text[start..].find("\n[features]").expect("features") + start;
    let market = "[[markets]]\nsymbol = \"BTC/USDT\"\ntick_size = \"0.01\"\n\
                  lot_size = \"0.00000001\"\nmin_notional = \"1\"\n\
                  maker_fee_rate = \"0\"\ntaker_fee_rate = \"0.001\"\n";
    let text = format!("{}{market}{}", &text[..start], &text[end..]);
    std::fs::write(config, text).expect("write config");
}

struct Flashmm<'a> {
    config: &'a str,
    env: Vec<(&'a str, String)>,
    run_dir: String,
}

impl Flashmm<'_> {
    fn run(&self, args: &[&str]) -> Output {
        // From the repository root: the model's path in the configuration is relative to it.
        Command::new(bin("flashmm"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .args(["--config", self.config])
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run flashmm")
    }

    /// `flashmm ACTION [SERVICE] --run-dir --bin-dir`, which must succeed.
    fn supervise(&self, action: &[&str]) -> String {
        let bins = bin_dir().to_string_lossy().into_owned();
        let mut args = action.to_vec();
        args.extend(["--run-dir", &self.run_dir, "--bin-dir", &bins]);
        let out = self.run(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "flashmm {action:?} failed: {text}{}",
            self.logs()
        );
        text
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for name in ["sim-venue", "execution", "inference", "ingest"] {
            let text =
                std::fs::read_to_string(Path::new(&self.run_dir).join(format!("{name}.log")))
                    .unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(12).collect();
            out.push_str(&format!(
                "\n--- {name}.log (last lines, newest first)\n{}",
                tail.join("\n")
            ));
        }
        out
    }
}

impl Drop for Flashmm<'_> {
    fn drop(&mut self) {
        let bins = bin_dir().to_string_lossy().into_owned();
        let _ = self.run(&["down", "--run-dir", &self.run_dir, "--bin-dir", &bins]);
    }
}

/// A client of the simulator with the paper account's key, once it answers.
async fn venue(port: u16) -> SimVenue {
    for _ in 0..200 {
        let cfg = SimVenueConfig::new(
            format!("http://127.0.0.1:{port}"),
            format!("ws://127.0.0.1:{port}/ws"),
        );
        if let Ok(v) = SimVenue::connect(cfg, Some(Arc::new(test_signer(TEST_KEY)))).await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the simulator does not answer on {port}");
}

async fn two_sided(venue: &SimVenue) -> bool {
    let orders = venue.open_orders(None).await.unwrap_or_default();
    [Side::Buy, Side::Sell]
        .iter()
        .all(|s| orders.iter().any(|o| o.market == btc() && o.side == *s))
}

async fn fills(venue: &SimVenue) -> Vec<Fill> {
    for _ in 0..40 {
        if let Ok(f) = venue.fills(0).await {
            return f;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the venue's fills cannot be read");
}

async fn balance(venue: &SimVenue, asset: &str) -> Decimal {
    let all: Vec<AssetBalance> = venue.balances().await.expect("balances");
    all.iter()
        .find(|b| b.asset == asset)
        .map(|b| b.available + b.reserved)
        .expect("asset listed")
}

/// What the fills add to the base and to the quote asset (fees paid in quote).
fn moved(fills: &[Fill]) -> (Decimal, Decimal) {
    let spec = spec("BTC/USDT", Decimal::new(1, 2));
    fills
        .iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(b, q), f| {
            let size = spec.qty_to_decimal(f.qty);
            let notional = spec.price_to_decimal(f.price) * size;
            match f.side {
                Side::Buy => (b + size, q - notional - f.fee),
                Side::Sell => (b - size, q + notional - f.fee),
            }
        })
}

fn keys(fills: &[Fill]) -> BTreeSet<String> {
    fills
        .iter()
        .map(|f| format!("{}/{}", f.trade_id, f.client_id))
        .collect()
}

async fn mode(bus: &impl Bus, ns: &Namespace) -> String {
    bus.get_state(&ns.state("trading").expect("key"))
        .await
        .unwrap_or_default()
        .get("mode")
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn paper_trading_follows_the_live_feed_and_keeps_its_account_across_restarts() {
    let Some(file) = capture("binance/spot/btcusdt_20240808.gz") else {
        return;
    };
    let lines = read_lines(&file, 40_000);
    let capture = Capture::new(&spec("BTC/USDT", Decimal::new(1, 2)), &lines);
    let drop_at = capture.diff_frame(capture.diffs.len() / 5);
    let faults = Faults {
        drop_at: Some((drop_at, 5)),
        ..Faults::default()
    };
    let mock = start_paced(capture, faults, EXCHANGE_INFO.to_owned(), 3.0).await;

    let stage = Stage::new("paper");
    paper_config(&stage.config);
    let ledger = stage.dir.join("paper/ledger.json");
    let ort = std::env::var("ORT_DYLIB_PATH")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| {
            std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/ort-dylib-path"),
            )
            .ok()
        })
        .map(|p| p.trim().to_owned())
        .unwrap_or_default();
    let flashmm = Flashmm {
        config: &stage.config,
        env: vec![
            ("FLASHMM_NAMESPACE", stage.ns.clone()),
            ("REDIS_URL", stage.url.clone()),
            ("TRADING_PRIVATE_KEY", TEST_KEY.to_owned()),
            ("ORT_DYLIB_PATH", ort),
            ("VENUE", "paper".to_owned()),
            ("PAPER_SYMBOLS", "BTCUSDT".to_owned()),
            ("PAPER_LEDGER_FILE", ledger.to_string_lossy().into_owned()),
            ("SIM_FOLLOW_WS_URL", mock.ws_url.clone()),
            ("SIM_FOLLOW_REST_URL", mock.rest_url.clone()),
            ("API_ADMIN_TOKEN", ADMIN.to_owned()),
        ],
        run_dir: stage.dir.join("logs").to_string_lossy().into_owned(),
    };
    let up = flashmm.supervise(&["up"]);
    assert!(up.contains("venue: paper (binance spot: BTCUSDT)"), "{up}");
    let status = flashmm.run(&["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        status.contains("paper (binance spot: BTCUSDT)"),
        "flashmm status does not say paper: {status}"
    );

    // The API says paper too.
    let auth = format!("Bearer {ADMIN}");
    let api_status = wait_for(Duration::from_secs(20), || {
        http_request(
            stage.port("api-http"),
            "GET",
            "/trading/status",
            &[("Authorization", auth.as_str())],
            None,
        )
        .ok()
        .filter(|r| r.status == 200)
    })
    .expect("GET /trading/status");
    assert!(
        api_status
            .body
            .contains("\"venue\":\"paper (binance spot: BTCUSDT)\""),
        "the API does not say paper: {}",
        api_status.body
    );

    let port = stage.port("venue");
    let sim = venue(port).await;
    let t0 = tokio::time::Instant::now();
    assert!(
        wait_until(Duration::from_secs(90), || two_sided(&sim)).await,
        "no two-sided quotes on the live book: {}",
        flashmm.logs()
    );
    eprintln!("quoting after {:?}", t0.elapsed());
    assert!(
        wait_until(Duration::from_secs(120), || async {
            !fills(&sim).await.is_empty()
        })
        .await,
        "no fills from the live book: {}",
        flashmm.logs()
    );
    eprintln!("filled after {:?}", t0.elapsed());
    // The feed dropped once and resynced: the quotes stand on the new book.
    assert!(
        wait_until(Duration::from_secs(120), || async {
            mock.connections() >= 2
        })
        .await,
        "the mock's connection drop did not happen"
    );
    assert!(
        wait_until(Duration::from_secs(30), || two_sided(&sim)).await,
        "no quotes after the feed's reconnect: {}",
        flashmm.logs()
    );
    eprintln!("reconnected and quoting at {:?}", t0.elapsed());

    // The simulator restarts: the account is the ledger file's.
    let before = fills(&sim).await;
    drop(sim);
    flashmm.supervise(&["restart", "sim-venue"]);
    let sim = venue(port).await;
    let after = fills(&sim).await;
    assert!(
        keys(&before).is_subset(&keys(&after)),
        "fills lost by the restart: {} before, {} after",
        before.len(),
        after.len()
    );
    let (btc_moved, usdt_moved) = moved(&fills(&sim).await);
    assert_ne!(btc_moved, Decimal::ZERO);
    assert_eq!(
        balance(&sim, "BTC").await - FUNDS,
        btc_moved,
        "the BTC balance is not the funding plus the fills"
    );
    assert_eq!(
        balance(&sim, "USDT").await - FUNDS,
        usdt_moved,
        "the USDT balance is not the funding plus the fills, less fees"
    );
    let sim_log = std::fs::read_to_string(Path::new(&flashmm.run_dir).join("sim-venue.log"))
        .unwrap_or_default();
    assert!(
        sim_log.contains("accounts restored from the ledger file"),
        "the restarted simulator did not read the ledger file: {}",
        flashmm.logs()
    );
    assert!(
        wait_until(Duration::from_secs(60), || two_sided(&sim)).await,
        "no quotes after the simulator's restart: {}",
        flashmm.logs()
    );
    eprintln!("simulator restarted, quoting at {:?}", t0.elapsed());

    // Execution restarts: its booked position agrees with the venue's balances.
    flashmm.supervise(&["restart", "execution"]);
    let bus = stage.bus().await;
    let ns = stage.namespace();
    let run_dir = flashmm.run_dir.clone();
    assert!(
        wait_until(Duration::from_secs(60), || async {
            std::fs::read_to_string(Path::new(&run_dir).join("execution.log"))
                .unwrap_or_default()
                .matches("reconciled with the venue")
                .count()
                >= 2
        })
        .await,
        "execution's restart did not reconcile: {}",
        flashmm.logs()
    );
    assert!(
        wait_until(Duration::from_secs(30), || two_sided(&sim)).await,
        "no quotes after execution's restart: {}",
        flashmm.logs()
    );
    let log = std::fs::read_to_string(Path::new(&run_dir).join("execution.log")).unwrap();
    assert!(
        !log.contains("the booked position is not the venue's"),
        "execution found a mismatch with the venue: {}",
        flashmm.logs()
    );
    assert_eq!(mode(&bus, &ns).await, "quoting", "{}", flashmm.logs());
    // The model served predictions on the live book all along.
    let model = bus
        .get_state(&ns.state("model").expect("key"))
        .await
        .unwrap_or_default();
    assert!(
        model.keys().any(|k| k.starts_with("scored:")),
        "no prediction of the model was scored on the live book: {model:?}"
    );
    eprintln!("execution restarted, quoting at {:?}", t0.elapsed());
    drop(flashmm);
    let _ = std::fs::remove_dir_all(&stage.dir);
}
