//! `flashmm up`, `restart` and `down` run the real services as detached processes: every
//! service starts and heartbeats, a restart replaces one process, `down` stops them all.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use flashmm_e2e::{bin, bin_dir, config_with_free_ports, redis_url, scratch_dir, unique_namespace};

const SERVICES: [&str; 6] = [
    "sim-venue",
    "ingest",
    "feature",
    "inference",
    "execution",
    "api",
];

/// A throwaway secp256k1 key for the simulator account of this test.
const TEST_KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

fn flashmm(config: &Path, namespace: &str, args: &[&str]) -> Output {
    Command::new(bin("flashmm"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("FLASHMM_NAMESPACE", namespace)
        .env("REDIS_URL", redis_url())
        .env("TRADING_PRIVATE_KEY", TEST_KEY)
        .output()
        .expect("run flashmm")
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
