//! Redis coming back empty (FLUSHALL, a new Redis without AOF): consumers recreate their groups, heartbeats follow loop progress, OOM errors count as unavailable.
//!
//! The pipeline (`sim-venue` → `ingest` → `feature` → `inference`, with `api` for `/health`)
//! runs on a `redis-server` of the test's own without persistence. `FLUSHALL` mid-run: within
//! 10 s `md`, `feat` and `pred` flow again (the consumers recreate their groups) and `/health`
//! shows every service up. Then inference's input stream is made unreadable (the key holds a
//! string): inference's consume loop retries errors while its process and heartbeat task run,
//! and `/health` reports it stalled and down; once the key goes, it is up again.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flashmm_bus::Bus;
use flashmm_e2e::private_redis::PrivateRedis;
use flashmm_e2e::{bin, http_get, metric, poll_until, port, Service, Stage};

/// Starts a service with its stderr (JSON logs) in `dir/<name>.log`.
fn start(dir: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Service {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log file");
    let mut cmd = Command::new(bin(name));
    cmd.args(args).stdout(Stdio::null()).stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Service {
        child: cmd.spawn().expect("spawn service"),
    }
}

fn logs(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(15).collect();
    format!(
        "\n--- {name} (last lines) ---\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    )
}

/// `/health`'s row of `service`: (up, stalled); `None` when the API does not answer.
fn health_row(api_port: u16, service: &str) -> Option<(bool, bool)> {
    let (_, body) = http_get(api_port, "/health").ok()?;
    let report: serde_json::Value = serde_json::from_str(&body).ok()?;
    let row = report["services"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == service)?
        .clone();
    Some((row["up"].as_bool()?, row["stalled"].as_bool()?))
}

/// How often the checks poll.
const EVERY: Duration = Duration::from_millis(100);

const PIPELINE: [&str; 3] = ["ingest", "feature", "inference"];

#[tokio::test(flavor = "multi_thread")]
async fn flushall_mid_run_the_pipeline_flows_again_and_a_stalled_consumer_turns_health_red() {
    let redis = PrivateRedis::start();
    let stage = Stage::on("redis-empty", redis.url());
    let (dir, config, ports) = (&stage.dir, stage.config.as_str(), &stage.ports);
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/model.json");
    let model = model.to_string_lossy().into_owned();
    let env = stage.env();
    let base = ["--config", config];
    let mut services = [
        ("sim-venue", start(dir, "sim-venue", &base, &env)),
        ("ingest", start(dir, "ingest", &base, &env)),
        ("feature", start(dir, "feature", &base, &env)),
        (
            "inference",
            start(
                dir,
                "inference",
                &["--config", config, "--model", &model],
                &env,
            ),
        ),
        ("api", start(dir, "api", &base, &env)),
    ];
    let bus = stage.bus().await;
    let namespace = stage.namespace();
    let md = namespace.md("SEI-USDC").unwrap();
    let feat = namespace.feat("SEI-USDC").unwrap();
    let pred = namespace.pred("SEI-USDC").unwrap();
    let api_port = port(ports, "api-http");
    let all_logs = || -> String { PIPELINE.iter().map(|s| logs(dir, s)).collect() };
    let flowing = || async {
        for stream in [&md, &feat, &pred] {
            if bus.len(stream).await.unwrap_or(0) == 0 {
                return false;
            }
        }
        true
    };
    let all_up = || async {
        PIPELINE
            .iter()
            .all(|s| health_row(api_port, s) == Some((true, false)))
    };

    assert!(
        poll_until(EVERY, Duration::from_secs(60), flowing).await,
        "the pipeline never flowed: {}",
        all_logs()
    );
    assert!(
        poll_until(EVERY, Duration::from_secs(10), all_up).await,
        "not every service up before the flush: {}",
        http_get(api_port, "/health")
            .map(|r| r.1)
            .unwrap_or_default()
    );

    // Redis comes back empty: streams, groups and state are gone.
    assert!(redis.cli(&["FLUSHALL"]).contains("OK"));
    let flushed = Instant::now();
    assert!(
        poll_until(EVERY, Duration::from_secs(10), flowing).await,
        "md, feat and pred not all flowing 10 s after FLUSHALL: md {} feat {} pred {}: {}",
        bus.len(&md).await.unwrap_or(0),
        bus.len(&feat).await.unwrap_or(0),
        bus.len(&pred).await.unwrap_or(0),
        all_logs()
    );
    eprintln!("flowing again {:?} after FLUSHALL", flushed.elapsed());
    assert!(
        poll_until(EVERY, Duration::from_secs(10), all_up).await,
        "/health after the flush: {}",
        http_get(api_port, "/health")
            .map(|r| r.1)
            .unwrap_or_default()
    );
    let (_, feature_metrics) =
        http_get(port(ports, "feature"), "/metrics").expect("feature /metrics");
    assert!(
        metric(&feature_metrics, "flashmm_bus_groups_recreated_total") >= 1.0,
        "feature counted no recreated group"
    );

    // Inference's input holds a string now (one atomic script, so feature cannot recreate the
    // stream in between): its consume loop fails on every read while the process runs.
    let made_string = redis.cli(&[
        "EVAL",
        "redis.call('DEL', KEYS[1]); return redis.call('SET', KEYS[1], 'not a stream')",
        "1",
        feat.as_str(),
    ]);
    assert!(made_string.contains("OK"), "{made_string}");
    assert!(
        poll_until(EVERY, Duration::from_secs(15), || async {
            health_row(api_port, "inference") == Some((false, true))
        })
        .await,
        "a stuck inference is not reported stalled: {}{}",
        http_get(api_port, "/health")
            .map(|r| r.1)
            .unwrap_or_default(),
        logs(dir, "inference")
    );
    assert_eq!(
        health_row(api_port, "ingest"),
        Some((true, false)),
        "ingest does not read feat and stays up"
    );
    for (name, service) in services.iter_mut() {
        assert!(
            service.child.try_wait().ok().flatten().is_none(),
            "{name} exited: {}",
            logs(dir, name)
        );
    }

    // The key goes: inference recreates its group on the new stream and is up again.
    redis.cli(&["DEL", feat.as_str()]);
    let before = bus.len(&pred).await.unwrap_or(0);
    assert!(
        poll_until(EVERY, Duration::from_secs(10), || async {
            health_row(api_port, "inference") == Some((true, false))
                && bus.len(&pred).await.unwrap_or(0) > before
        })
        .await,
        "inference did not recover: {}{}",
        http_get(api_port, "/health")
            .map(|r| r.1)
            .unwrap_or_default(),
        logs(dir, "inference")
    );

    for (name, service) in services.iter_mut().rev() {
        let status = service.terminate(Duration::from_secs(10));
        assert!(status.is_some(), "{name} did not stop: {}", logs(dir, name));
    }
    bus.quit().await.ok();
    drop(redis);
    let _ = std::fs::remove_dir_all(dir);
}
