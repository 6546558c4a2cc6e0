//! `flashmm backtest` on the real Binance BTCUSDT spot capture in `../shared/data` (raw files,
//! imported in memory): the report's identities and fields, the chart, the side-by-side
//! table; with the committed model also `--compare`. Skips with a message when the data is
//! absent (fails under CI: `flashmm_core::testing::prerequisite_missing`). Also: bad arguments are refused clearly.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn spot_files() -> Option<Vec<PathBuf>> {
    support::binance_spot(&["btcusdt_20240808.gz", "btcusdt_20240809.gz"])
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

fn flashmm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    c.arg("--config")
        .arg(Path::new(ROOT).join("config/flashmm.toml"));
    c
}

/// Checks the identities and fields every report must have.
fn check_report(r: &Value, strategy: &str) {
    assert_eq!(r["strategy"], strategy);
    assert_eq!(r["market"], "BTC/USDT");
    let replay = &r["replay"];
    assert_eq!(replay["book_events"], 79_652, "1 snapshot + 79 651 deltas");
    assert_eq!(replay["trades"], 19_904);
    assert_eq!(replay["unreadable"], 0);
    assert!(replay["seconds"].as_f64().unwrap() > 500.0, "{replay}");

    let pnl = &r["pnl"];
    let net = dec(&pnl["net"]);
    assert_eq!(
        net,
        dec(&pnl["cash_flow"]),
        "average-cost P&L = cash-flow P&L"
    );
    assert_eq!(
        net,
        dec(&pnl["realized"]) + dec(&pnl["unrealized"]) - dec(&pnl["fees_paid"])
            + dec(&pnl["rebates"])
    );
    let trading = &r["trading"];
    let maker = trading["maker_fills"].as_u64().unwrap();
    assert!(maker > 0, "the strategy traded: {trading}");
    assert_eq!(trading["taker_fills"], 0, "post-only");
    // Every fill was a maker fill at a 1 bp rebate.
    assert_eq!(
        dec(&pnl["rebates"]),
        dec(&trading["notional"]) * Decimal::new(1, 4)
    );
    assert_eq!(dec(&pnl["fees_paid"]), Decimal::ZERO);
    assert!(dec(&pnl["max_drawdown"]) >= Decimal::ZERO);
    let fill_ratio = trading["fill_ratio"].as_f64().unwrap();
    assert!(fill_ratio > 0.0 && fill_ratio <= 1.0);
    assert!(trading["cancels_per_fill"].as_f64().unwrap() >= 0.0);
    assert!(r["sharpe"]["minutes"].as_u64().unwrap() >= 8);

    let spread = &r["spread"];
    let market = spread["market_bps"].as_f64().unwrap();
    let with_us = spread["with_us_bps"].as_f64().unwrap();
    assert!(market > 0.0 && spread["ours_bps"].as_f64().unwrap() > 0.0);
    assert!(
        with_us <= market,
        "our orders never widen the book's spread"
    );

    let q: Vec<Decimal> = r["inventory"]["quantiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| dec(&p[1]))
        .collect();
    assert_eq!(q.len(), 7);
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");

    let markouts = r["markouts"].as_array().unwrap();
    let horizons: Vec<u64> = markouts
        .iter()
        .map(|m| m["horizon_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(horizons, [1_000, 10_000, 60_000]);
    for m in markouts {
        let resolved = m["fills"].as_u64().unwrap() + m["unresolved"].as_u64().unwrap();
        assert_eq!(
            resolved, maker,
            "every fill is measured or counted unresolved: {m}"
        );
        assert!(m["mean_bps"].as_f64().is_some());
    }
    assert!(!r["equity_curve"].as_array().unwrap().is_empty());
}

#[test]
fn backtests_the_real_capture_and_reports() {
    let Some(files) = spot_files() else {
        return;
    };
    let out =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("backtest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let model = Path::new(ROOT).join("models/model.json");
    let compare = model.is_file() && std::env::var_os("ORT_DYLIB_PATH").is_some()
        || model.is_file() && Path::new(ROOT).join(".venv/ort-dylib-path").is_file();
    if !compare {
        flashmm_core::testing::prerequisite_missing(
            "no committed model or ONNX Runtime: running the baseline only, without --compare",
        );
    }
    let mut cmd = flashmm();
    cmd.arg("backtest")
        .arg("--data")
        .args(&files)
        .args([
            "--seed",
            "7",
            "--maker-fee",
            "-0.0001",
            "--taker-fee",
            "0.0005",
            "--out",
        ])
        .arg(&out);
    if compare {
        cmd.arg("--compare").arg("--model").arg(&model);
    } else {
        cmd.arg("--baseline");
    }
    let run = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for row in [
        "net P&L",
        "Sharpe (per minute)",
        "fill ratio",
        "markout 60 s (bps)",
    ] {
        assert!(stdout.contains(row), "{row} missing from:\n{stdout}");
    }
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(out.join(name)).unwrap()).unwrap()
    };
    let baseline = read("report-baseline.json");
    check_report(&baseline, "baseline");
    assert!(baseline["model_id"].is_null());
    if compare {
        let ml = read("report-ml.json");
        check_report(&ml, "ml");
        assert!(ml["model_id"].as_str().is_some());
        assert!(ml["trading"]["strategy"]["predictions"].as_u64().unwrap() > 1_000);
        assert!(
            stdout.contains("baseline") && stdout.contains(" ml"),
            "{stdout}"
        );
    }
    let png = std::fs::read(out.join("backtest.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a chart, not an empty image: {} bytes",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_arguments_are_refused_clearly() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--data", "/nonexistent.rec"],
            "cannot read /nonexistent.rec",
        ),
        (
            &["--data", "x.rec", "--cancel-model", "middle"],
            "expected proportional, front or back",
        ),
        (
            &["--data", "x.rec", "--feed-latency-ms=-1"],
            "--feed-latency-ms must be a non-negative number",
        ),
    ];
    for (args, expected) in cases {
        let run = flashmm()
            .args(["backtest", "--baseline"])
            .args(args)
            .output()
            .unwrap();
        assert!(!run.status.success(), "{args:?} accepted");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
