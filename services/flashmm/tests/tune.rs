//! `flashmm tune` on the first minute of the real Binance BTCUSDT spot capture in
//! `../shared/data` (absent: skips, fails under CI): the chosen set is the argmax of the
//! training objective, its report-window figures are those of a plain `flashmm backtest` of
//! the written parameters on that window, and the report window has no say in the choice.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// The first record of `btcusdt_20240808.gz`.
const FIRST: i64 = 1_723_161_254_087_891_268;
const SEC: i64 = 1_000_000_000;
const SIM: [&str; 6] = [
    "--seed",
    "7",
    "--maker-fee",
    "-0.0001",
    "--taker-fee",
    "0.0005",
];

fn flashmm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flashmm"));
    c.current_dir(ROOT)
        .arg("--config")
        .arg(Path::new(ROOT).join("config/flashmm.toml"));
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().expect("flashmm runs");
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}"))).unwrap()
}

/// Tunes on `data` with the report window ending at `until`; returns the JSON figures.
fn tune(data: &Path, dir: &Path, name: &str, until: i64) -> Value {
    let json = dir.join(format!("{name}.json"));
    run(flashmm()
        .args(["tune", "--data"])
        .arg(data)
        .arg("--grid")
        .arg(dir.join("grid.toml"))
        .args(["--warmup-secs", "10", "--embargo-secs", "2", "--jobs", "2"])
        .args(["--cut-ns", &(FIRST + 35 * SEC).to_string()])
        .args(["--until-ns", &until.to_string()])
        .args(SIM)
        .arg("--out")
        .arg(dir.join(format!("{name}.toml")))
        .arg("--json")
        .arg(&json));
    read_json(&json)
}

/// A plain `flashmm backtest` of `params` quoting from `from`, replaying until `until`.
fn backtest(data: &Path, params: &Path, out: &Path, from: &Value, until: &Value) -> Value {
    run(flashmm()
        .args(["backtest", "--data"])
        .arg(data)
        .arg("--params")
        .arg(params)
        .args(["--trade-from-ns", &from.to_string()])
        .args(["--until-ns", &until.to_string()])
        .args(SIM)
        .arg("--out")
        .arg(out));
    read_json(&out.join("report-ml.json"))
}

#[test]
fn walk_forward_choice_and_report() {
    let Some(files) = support::binance_spot(&["btcusdt_20240808.gz"]) else {
        return;
    };
    let data: PathBuf = files[0].clone();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tune-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("grid.toml"),
        "skew_multiple = [0.0, 2.0]\nmin_spread_bps = [2.0, 4.0]\n",
    )
    .unwrap();

    let a = tune(&data, &dir, "a", FIRST + 60 * SEC);
    assert_eq!(a["sets"].as_array().unwrap().len(), 4);
    let fold = &a["folds"][0];
    let w = &fold["windows"][0];
    assert_eq!(w["train"]["from"], FIRST + 10 * SEC, "after the warm-up");
    assert_eq!(w["train"]["until"], FIRST + 35 * SEC);
    assert_eq!(w["report"]["from"], FIRST + 37 * SEC, "after the embargo");
    assert_eq!(w["report"]["until"], FIRST + 60 * SEC);

    // The chosen set is the first argmax of the training objective (net P&L).
    let scores: Vec<Decimal> = fold["train_scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(dec)
        .collect();
    let best = scores.iter().max().unwrap();
    let chosen = fold["chosen"].as_u64().unwrap() as usize;
    assert_eq!(chosen, scores.iter().position(|s| s == best).unwrap());
    assert!(
        scores.iter().any(|s| s != best),
        "the sets differ on training, so the choice means something: {scores:?}"
    );

    // The written parameters are the chosen set, in the configuration's form.
    let params = dir.join("a.toml");
    let text = std::fs::read_to_string(&params).unwrap();
    let set = &a["sets"][chosen];
    assert!(text.contains(&format!("min_spread_bps = \"{}\"", set["min_spread_bps"])));
    assert!(text.contains(&format!(
        "[trading.quote]\nskew_multiple = {}",
        set["skew_multiple"]
    )));

    // Its report-window figures are a plain backtest's of the file on that window.
    let report = &fold["report"][0];
    let plain = backtest(
        &data,
        &params,
        &dir.join("report"),
        &w["report"]["from"],
        &w["report"]["until"],
    );
    assert_eq!(report, &plain, "tune's report = flashmm backtest --params");
    // And its training figure a plain backtest's on the training window.
    let plain = backtest(
        &data,
        &params,
        &dir.join("train"),
        &w["train"]["from"],
        &w["train"]["until"],
    );
    assert_eq!(dec(&plain["pnl"]["net"]), scores[chosen]);

    // Another report window (shorter, other records) leaves the choice and every training
    // figure unchanged.
    let b = tune(&data, &dir, "b", FIRST + 50 * SEC);
    let fb = &b["folds"][0];
    assert_eq!(fb["train_scores"], fold["train_scores"]);
    assert_eq!(fb["train_net"], fold["train_net"]);
    assert_eq!(fb["chosen"], fold["chosen"]);
    assert_ne!(fb["report"][0]["replay"], report["replay"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("b.toml")).unwrap(),
        text,
        "the same parameters are written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_grids_are_refused() {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tune-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (grid, says) in [
        ("skew = [1.0]\n", "skew is not a quoting parameter"),
        ("base_size_lots = [1]\n", "cannot be tuned"),
        (
            "gamma = [0.1, 0.2]\nlevels = [1, 2]\n",
            "more than 3 parameter sets",
        ),
    ] {
        std::fs::write(dir.join("g.toml"), grid).unwrap();
        let out = flashmm()
            .args([
                "tune",
                "--baseline",
                "--data",
                "/nonexistent.rec",
                "--max-sets",
                "3",
            ])
            .arg("--grid")
            .arg(dir.join("g.toml"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{grid}: {err}");
    }
    let out = flashmm()
        .args([
            "tune",
            "--baseline",
            "--data",
            "/nonexistent.rec",
            "--out",
            "p.json",
        ])
        .arg("--grid")
        .arg(dir.join("g.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("written as TOML"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
