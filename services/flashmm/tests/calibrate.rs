//! `flashmm calibrate` on the real Binance ETHUSDT spot capture in `../shared/data` (skipped
//! with a message when absent, a failure under CI), and the committed `config/flow.toml` it produced.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use flashmm_sim::flow::FlowParams;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn eth_spot() -> Option<Vec<PathBuf>> {
    support::binance_spot(&["ethusdt_20240808.gz", "ethusdt_20240809.gz"])
}

#[test]
fn the_real_capture_gives_valid_parameters() {
    let Some(files) = eth_spot() else { return };
    let dir = std::env::temp_dir().join(format!("flashmm-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("flow.toml");
    let run = Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .arg("calibrate")
        .arg("--data")
        .args(&files)
        .arg("--out")
        .arg(&out)
        .args(["--max-lines", "15000"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let p = FlowParams::from_toml(&text).unwrap();
    // ETHUSDT traded near 2 680 USDT in that capture.
    assert!((2_000.0..4_000.0).contains(&p.initial_price), "{p:?}");
    assert!(p.limit_rate > p.market_rate && p.market_rate > 0.0, "{p:?}");
    assert!(p.cancel_rate > 0.0 && p.volatility > 0.0, "{p:?}");
    assert!(
        p.distance_mean_ticks > 0.0 && p.distance_mean_ticks <= 100.0,
        "{p:?}"
    );
    assert!(text.starts_with("# Background flow parameters calibrated"));
}

#[test]
fn the_committed_flow_parameters_load() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("config/flow.toml")).unwrap();
    let p = FlowParams::from_toml(&text).unwrap();
    assert!((2_000.0..4_000.0).contains(&p.initial_price), "{p:?}");
    assert_ne!(p, FlowParams::eth_usdc());
}

#[test]
fn a_missing_input_is_refused() {
    let run = Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .args([
            "calibrate",
            "--data",
            "/nonexistent/x.rec",
            "--out",
            "/tmp/x",
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("/nonexistent/x.rec"));
}
