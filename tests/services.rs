//! Every service binary as an operator runs it: `--check` validates the configuration, and a
//! running service serves `/metrics`, beats its heartbeat into Redis and stops cleanly on
//! SIGTERM.

use std::process::Command;
use std::time::Duration;

use flashmm_bus::Bus;
use flashmm_e2e::{bin, http_get, wait_for, Service, Stage, TEST_KEY};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/flashmm.toml");
const PIPELINE: [&str; 5] = ["ingest", "feature", "inference", "execution", "api"];

#[test]
fn every_service_checks_its_config() {
    for service in flashmm_core::config::SERVICES {
        let ok = Command::new(bin(service))
            .args(["--config", CONFIG, "--check"])
            .output()
            .unwrap();
        assert!(ok.status.success(), "{service}: {ok:?}");
        assert!(String::from_utf8_lossy(&ok.stdout).contains("is valid"));

        let bad = Command::new(bin(service))
            .args(["--config", CONFIG, "--check"])
            .env("QUOTE_FREQUENCY_HZ", "0")
            .output()
            .unwrap();
        assert!(!bad.status.success(), "{service} accepted a bad config");
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            err.contains("trading.quote_frequency_hz"),
            "{service}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn running_services_serve_metrics_beat_and_stop_cleanly() {
    let stage = Stage::new("svc");
    let mut env = stage.env().to_vec();
    // A throwaway key: execution loads it, then waits for the (absent) venue.
    env.push(("TRADING_PRIVATE_KEY", TEST_KEY));
    let mut running: Vec<(&str, Service)> = PIPELINE
        .iter()
        .map(|s| {
            (
                *s,
                Service::start(&bin(s), &["--config", &stage.config], &env),
            )
        })
        .collect();

    let bus = stage.bus().await;
    let namespace = stage.namespace();
    let key = namespace.state("heartbeat").unwrap();
    let mut beats = Default::default();
    for _ in 0..250 {
        beats = bus.get_state(&key).await.unwrap();
        if PIPELINE.iter().all(|s| beats.contains_key(*s)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for service in PIPELINE {
        let ts: i64 = beats
            .get(service)
            .unwrap_or_else(|| panic!("no heartbeat from {service}: {beats:?}"))
            .parse()
            .unwrap();
        assert!(
            ts > 1_600_000_000_000_000_000,
            "{service}: {ts} is not UTC ns"
        );
    }

    for (service, _) in &running {
        let port = stage.port(service);
        let (status, body) = wait_for(Duration::from_secs(5), || {
            http_get(port, "/metrics")
                .ok()
                .filter(|(_, b)| b.contains("flashmm_bus_published_total"))
        })
        .unwrap_or_else(|| panic!("{service}: no metrics on port {port}"));
        assert!(status.contains("200"), "{service}: {status}");
        assert!(
            body.contains("# TYPE flashmm_bus_published_total counter"),
            "{body}"
        );
    }

    for (service, process) in &mut running {
        let status = process.terminate(Duration::from_secs(5));
        assert!(
            status.is_some_and(|s| s.success()),
            "{service} did not stop cleanly on SIGTERM: {status:?}"
        );
    }
    bus.purge(&namespace).await.unwrap();
    let _ = std::fs::remove_dir_all(&stage.dir);
}
