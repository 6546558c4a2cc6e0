//! `sim-venue --ledger-file`: the account's balances and fills survive a `kill -9` of the
//! simulator (the binary, over loopback): after a taker fill and a restart, the venue reports
//! the same balances (what open orders reserved is available again) and the same fills.

use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, Side};
use flashmm_sim::matching::TimeInForce;
use flashmm_venue::protocol::paths;
use flashmm_venue::signing::Signer;
use flashmm_venue::venue::{AssetBalance, NewOrder, SimVenue, SimVenueConfig, Venue};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's configuration with a free metrics port, in `dir`.
fn config(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("config/flashmm.toml")).unwrap();
    let text = text.replace(
        "[services.sim-venue]\nmetrics_port = 9106",
        &format!("[services.sim-venue]\nmetrics_port = {}", free_port()),
    );
    assert!(
        !text.contains("metrics_port = 9106"),
        "the sim-venue section moved"
    );
    let path = dir.join("flashmm.toml");
    std::fs::write(&path, text).unwrap();
    path
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(config: &Path, port: u16, pubkey: &str, ledger: &Path, log: &Path) -> Sim {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_sim-venue"))
        .current_dir(root())
        .args(["--config", config.to_str().unwrap()])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--account-pubkey", pubkey])
        .args(["--ledger-file", ledger.to_str().unwrap()])
        .env(
            "FLASHMM_NAMESPACE",
            format!("simledger{}", std::process::id()),
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Sim(child)
}

async fn connect(port: u16, signer: &Arc<Signer>, log: &Path) -> SimVenue {
    let config = SimVenueConfig::new(
        format!("http://127.0.0.1:{port}"),
        format!("ws://127.0.0.1:{port}{}", paths::WS),
    );
    for _ in 0..300 {
        if let Ok(v) = SimVenue::connect(config.clone(), Some(signer.clone())).await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "sim-venue did not answer: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Each asset's total (available + reserved).
fn totals(balances: &[AssetBalance]) -> Vec<(String, Decimal)> {
    let mut t: Vec<(String, Decimal)> = balances
        .iter()
        .map(|b| (b.asset.clone(), b.available + b.reserved))
        .collect();
    t.sort();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_and_fills_survive_a_kill_9_of_the_simulator() {
    let dir = std::env::temp_dir().join(format!("sim-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = config(&dir);
    let ledger = dir.join("paper/ledger.json");
    let log = dir.join("sim-venue.log");
    let port = free_port();
    let signer = Arc::new(Signer::generate(1).unwrap());
    let pubkey = signer.key_id().to_owned();

    let mut sim = start(&config, port, &pubkey, &ledger, &log);
    let venue = connect(port, &signer, &log).await;
    let funded = totals(&venue.balances().await.unwrap());
    let sei = MarketId::new("SEI/USDC").unwrap();
    let spec = venue
        .markets()
        .iter()
        .find(|s| s.id() == &sei)
        .unwrap()
        .clone();
    // A resting bid far below the market (its USDC reserved), and a buy through the flow's
    // asks (a taker fill).
    venue
        .place(&NewOrder {
            market: sei.clone(),
            client_id: ClientOrderId::new("rest-1").unwrap(),
            side: Side::Buy,
            price: spec.price("0.1").unwrap(),
            qty: spec.qty("100").unwrap(),
            tif: TimeInForce::Gtc,
        })
        .await
        .unwrap();
    let mut filled = false;
    for i in 0..50 {
        let report = venue
            .place(&NewOrder {
                market: sei.clone(),
                client_id: ClientOrderId::new(format!("take-{i}")).unwrap(),
                side: Side::Buy,
                price: spec.price("2").unwrap(),
                qty: spec.qty("10").unwrap(),
                tif: TimeInForce::Ioc,
            })
            .await
            .unwrap();
        if report.filled.lots() > 0 {
            filled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(filled, "no taker fill against the simulator's flow");
    let before = venue.balances().await.unwrap();
    let fills = venue.fills(0).await.unwrap();
    assert!(!fills.is_empty());
    assert_ne!(totals(&before), funded, "the fill moved the balances");
    assert!(
        before.iter().any(|b| b.reserved > Decimal::ZERO),
        "the resting bid reserves funds"
    );
    // The file follows the fill (written after every batch of fills).
    let mut saved = String::new();
    for _ in 0..50 {
        saved = std::fs::read_to_string(&ledger).unwrap_or_default();
        if saved.contains("take-") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        saved.contains("take-"),
        "the fill is not in the ledger file: {saved}"
    );

    // kill -9, then the same command again.
    sim.0.kill().unwrap();
    sim.0.wait().unwrap();
    drop(venue);
    let _sim = start(&config, port, &pubkey, &ledger, &log);
    let venue = connect(port, &signer, &log).await;
    let after = venue.balances().await.unwrap();
    assert_eq!(
        totals(&after),
        totals(&before),
        "balances after the restart"
    );
    assert!(
        after.iter().all(|b| b.reserved == Decimal::ZERO),
        "a restarted venue has no open order: {after:?}"
    );
    assert!(venue.open_orders(None).await.unwrap().is_empty());
    assert_eq!(
        venue.fills(0).await.unwrap(),
        fills,
        "fills after the restart"
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("accounts restored from the ledger file"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
