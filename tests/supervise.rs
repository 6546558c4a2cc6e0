//! `flashmm up`, `restart` and `down` run the real services as detached processes: every
//! service starts and heartbeats, a restart replaces one process, `down` stops them all.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use flashmm_e2e::{
    bin, bin_dir, config_with_free_ports, redis_url, scratch_dir, unique_namespace, SERVICES,
    TEST_KEY,
};

fn flashmm(config: &Path, namespace: &str, args: &[&str]) -> Output {
    flashmm_with(config, namespace, args, &[])
}

/// `flashmm` with `env` set too.
fn flashmm_with(config: &Path, namespace: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(bin("flashmm"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("FLASHMM_NAMESPACE", namespace)
        .env("REDIS_URL", redis_url())
        .env("TRADING_PRIVATE_KEY", TEST_KEY)
        .envs(env.iter().copied())
        .output()
        .expect("run flashmm")
}

/// `redis-cli` against the tests' Redis; its output, trimmed.
fn redis(args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-u", &redis_url()])
        .args(args)
        .output()
        .expect("redis-cli on PATH");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Polls `check` every 200 ms for up to `secs` seconds.
fn eventually(secs: u64, mut check: impl FnMut() -> bool) -> bool {
    (0..secs * 5).any(|_| {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
        false
    })
}

fn pid(run_dir: &Path, service: &str) -> Option<u32> {
    std::fs::read_to_string(run_dir.join(format!("{service}.pid")))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
    })
}

/// Stops whatever `up` started even when an assertion fails.
struct Down<'a> {
    config: &'a Path,
    namespace: &'a str,
    run_dir: String,
}

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = flashmm(
            self.config,
            self.namespace,
            &["down", "--run-dir", &self.run_dir],
        );
    }
}

#[test]
fn up_restart_down() {
    let dir = scratch_dir("supervise");
    let (config, _ports) = config_with_free_ports(&dir);
    let namespace = unique_namespace("supervise");
    let run_dir = dir.join("logs");
    let run = run_dir.to_string_lossy().into_owned();
    let bins = bin_dir().to_string_lossy().into_owned();
    let _down = Down {
        config: &config,
        namespace: &namespace,
        run_dir: run.clone(),
    };

    let up = flashmm(
        &config,
        &namespace,
        &["up", "--run-dir", &run, "--bin-dir", &bins],
    );
    assert!(
        up.status.success(),
        "flashmm up failed: {}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    let pids: Vec<u32> = SERVICES
        .iter()
        .map(|s| pid(&run_dir, s).unwrap_or_else(|| panic!("no pid file for {s}")))
        .collect();
    for (service, pid) in SERVICES.iter().zip(&pids) {
        assert!(alive(*pid), "{service} (pid {pid}) is not running");
        assert!(run_dir.join(format!("{service}.log")).exists());
    }

    // A second `up` starts nothing new.
    let again = flashmm(
        &config,
        &namespace,
        &["up", "--run-dir", &run, "--bin-dir", &bins],
    );
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("already running"));
    assert_eq!(pid(&run_dir, "ingest"), Some(pids[1]));

    let restart = flashmm(
        &config,
        &namespace,
        &["restart", "feature", "--run-dir", &run, "--bin-dir", &bins],
    );
    assert!(
        restart.status.success(),
        "{}",
        String::from_utf8_lossy(&restart.stderr)
    );
    let new_feature = pid(&run_dir, "feature").expect("feature pid after restart");
    assert_ne!(new_feature, pids[2], "restart kept the old process");
    assert!(!alive(pids[2]), "the old feature process still runs");
    assert!(alive(new_feature));

    let unknown = flashmm(
        &config,
        &namespace,
        &["restart", "nosuch", "--run-dir", &run],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown service"));

    let down = flashmm(&config, &namespace, &["down", "--run-dir", &run]);
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    // Execution cancelled every order as it stopped, and no order is recorded as open.
    let said = String::from_utf8_lossy(&down.stdout);
    assert!(
        said.contains("orders     all cancelled by execution before it stopped"),
        "{said}\n{}",
        String::from_utf8_lossy(&down.stderr)
    );
    std::thread::sleep(Duration::from_millis(100));
    for (service, pid) in SERVICES.iter().zip(pids.iter()) {
        if *service != "feature" {
            assert!(!alive(*pid), "{service} still runs after down");
        }
        assert!(!run_dir.join(format!("{service}.pid")).exists());
    }
    assert!(!alive(new_feature));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tripped kill switch survives `flashmm down` and `flashmm up`: drift trips it under the
/// first `up` (a floor of 0.99 against the live hit rate); after `down` and an `up` with the
/// default drift settings execution is still killed and rests no order.
#[test]
fn a_kill_switch_holds_across_down_and_up() {
    let dir = scratch_dir("supervise-hold");
    let (config, _ports) = config_with_free_ports(&dir);
    let namespace = unique_namespace("supervise-hold");
    let run = dir.join("logs").to_string_lossy().into_owned();
    let bins = bin_dir().to_string_lossy().into_owned();
    let running = Down {
        config: &config,
        namespace: &namespace,
        run_dir: run.clone(),
    };
    let model = format!("{namespace}:state:model");
    let trading = format!("{namespace}:state:trading");
    redis(&[
        "HSET",
        &model,
        "hit_rate:SEI-USDC",
        "0.5",
        "hit_rate_n:SEI-USDC",
        "1000",
    ]);
    let up = ["up", "--run-dir", run.as_str(), "--bin-dir", bins.as_str()];
    // Inference serves the committed model and writes the live hit rate: any it reports is
    // under a floor of 0.99.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = root
        .join("models/model.json")
        .to_string_lossy()
        .into_owned();
    let ort = std::env::var("ORT_DYLIB_PATH").unwrap_or_else(|_| {
        std::fs::read_to_string(root.join(".venv/ort-dylib-path"))
            .expect("ONNX Runtime: run scripts/setup (it records .venv/ort-dylib-path)")
            .trim()
            .to_owned()
    });
    let drift = [
        ("EXEC_DRIFT_HIT_RATE_FLOOR", "0.99"),
        ("EXEC_DRIFT_MIN_SAMPLES", "1"),
        ("FLASHMM_MODEL", model.as_str()),
        ("ORT_DYLIB_PATH", ort.as_str()),
    ];
    assert!(flashmm_with(&config, &namespace, &up, &drift)
        .status
        .success());
    assert!(
        eventually(60, || redis(&["HGET", &trading, "mode"]) == "killed"),
        "drift did not trip the kill switch: mode {}",
        redis(&["HGET", &trading, "mode"])
    );
    let down = flashmm(&config, &namespace, &["down", "--run-dir", &run]);
    assert!(down.status.success());
    assert_eq!(redis(&["HGET", &trading, "mode"]), "stopped");
    assert!(redis(&["HGET", &trading, "hold"]).contains("killed"));

    assert!(flashmm(&config, &namespace, &up).status.success());
    assert!(
        eventually(60, || redis(&["HGET", &trading, "mode"]) == "killed"),
        "up lifted the kill switch: mode {}",
        redis(&["HGET", &trading, "mode"])
    );
    // Quoting would show within seconds as open orders in `state:orders`.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(redis(&["HLEN", &format!("{namespace}:state:orders")]), "0");
    assert_eq!(redis(&["HGET", &trading, "mode"]), "killed");
    // Stopped before its run directory (the pid files `down` reads) goes.
    drop(running);
    redis(&["DEL", &trading]);
    let _ = std::fs::remove_dir_all(&dir);
}
