//! `flashmm eval-model` on real data the committed model never saw: the last 20 % of the
//! recorded Binance BTCUSDT spot capture (`../shared/data`), imported and labelled at the
//! model's horizon. The committed model must beat both baselines on macro-F1. Skips with a
//! message when the data is absent (fails under CI: `flashmm_core::testing::prerequisite_missing`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/model.json");

fn flashmm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .args(args)
        .output()
        .expect("run flashmm")
}

fn spot_files() -> Option<Vec<PathBuf>> {
    support::binance_spot(&["btcusdt_20240808.gz", "btcusdt_20240809.gz"])
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn committed_model_beats_both_baselines_on_unseen_real_data() {
    let Some(files) = spot_files() else { return };
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(MODEL).expect("models/model.json"))
            .expect("model.json is JSON");
    let horizon = model["horizon_ms"].as_u64().expect("horizon_ms");
    let band = model["dead_band_bps"].as_f64().expect("dead_band_bps");

    let dir = std::env::temp_dir().join(format!("flashmm-eval-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rec = dir.join("btc.rec");
    let npz = dir.join("btc.npz");
    let s = |p: &Path| p.display().to_string();
    let mut import = vec!["import".to_owned(), "binance".to_owned()];
    import.extend(files.iter().map(|f| s(f)));
    import.extend(["--out".to_owned(), s(&rec)]);
    ok(&flashmm(
        &import.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    ok(&flashmm(&[
        "dataset",
        "--input",
        &s(&rec),
        "--horizon",
        &format!("{horizon}ms"),
        "--dead-band-bps",
        &band.to_string(),
        "--out",
        &s(&npz),
    ]));

    // `eval-model --json` of the dataset with `extra` arguments.
    let eval = |extra: &[&str]| -> serde_json::Value {
        let npz = s(&npz);
        let mut args = vec!["eval-model", "--data", &npz, "--model", MODEL, "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&flashmm(&args))).expect("JSON report")
    };
    let report = eval(&[]);
    let out = report.to_string();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "expected_move",
            "imbalance_logistic",
            "majority",
            "model",
            "model_calibration_only",
            "reliability"
        ],
        "{out}"
    );
    // The expected move follows the realised one, and its error is a real number.
    let moves = &report["expected_move"];
    assert!(moves["correlation"].as_f64().unwrap_or(-1.0) > 0.2, "{out}");
    let mae = moves["mae_bps"].as_f64().unwrap_or(-1.0);
    assert!(mae.is_finite() && mae > 0.0, "{out}");
    for name in [
        "model",
        "model_calibration_only",
        "majority",
        "imbalance_logistic",
    ] {
        let m = &report[name];
        for key in ["macro_f1", "accuracy", "hit_rate"] {
            let v = m[key].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&v), "{name}.{key} = {}", m[key]);
        }
        let log_loss = m["log_loss"].as_f64().unwrap_or(-1.0);
        assert!(log_loss.is_finite() && log_loss > 0.0, "{name}: {m}");
        // The test part: the last fifth of ~650 s of data, tens of thousands of rows.
        assert!(m["rows"].as_u64().unwrap_or(0) > 5_000, "{name}: {m}");
        assert_eq!(m["rows"], report["model"]["rows"], "same rows for all");
    }
    assert_eq!(report["model"]["model_id"], model["model_id"]);
    let f1 = |name: &str| report[name]["macro_f1"].as_f64().unwrap();
    assert!(
        f1("model") > f1("majority") && f1("model") > f1("imbalance_logistic"),
        "the committed model does not beat the baselines: {out}"
    );
    // The flat rate moves "flat" only: the direction, and so the hit rate, is the
    // calibration's; it does move the probabilities.
    let field = |r: &serde_json::Value, name: &str, key: &str| r[name][key].as_f64().unwrap();
    assert_eq!(
        field(&report, "model", "hit_rate"),
        field(&report, "model_calibration_only", "hit_rate")
    );
    assert_ne!(
        field(&report, "model", "log_loss"),
        field(&report, "model_calibration_only", "log_loss")
    );
    // The reliability table covers every test row once per class.
    let bins = report["reliability"].as_array().expect("reliability");
    let rows: u64 = bins.iter().map(|b| b["rows"].as_u64().unwrap_or(0)).sum();
    assert_eq!(rows, 3 * report["model"]["rows"].as_u64().unwrap());
    // Turned off, the model's row is the calibration's alone.
    let off = eval(&["--flat-rate-window-secs", "0"]);
    assert_eq!(
        off["model_calibration_only"],
        report["model_calibration_only"]
    );
    for key in ["log_loss", "macro_f1", "accuracy"] {
        assert_eq!(
            field(&off, "model", key),
            field(&off, "model_calibration_only", key),
            "{key}"
        );
    }
    // On the validation part: other rows, the same columns.
    let val = eval(&["--validation"]);
    assert!(val["model"]["rows"].as_u64().unwrap_or(0) > 1_000, "{val}");
    assert_ne!(val["model"]["rows"], report["model"]["rows"]);

    // The text report names the three rows.
    let text = ok(&flashmm(&[
        "eval-model",
        "--data",
        &s(&npz),
        "--model",
        MODEL,
    ]));
    for name in ["model", "majority", "imbalance_logistic", "macro-F1"] {
        assert!(text.contains(name), "{text}");
    }

    // A recording is not a dataset: refused with a clear error.
    let out = flashmm(&["eval-model", "--data", &s(&rec), "--model", MODEL]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not an .npz"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_dataset_is_named() {
    let out = flashmm(&[
        "eval-model",
        "--data",
        "/nonexistent/ds.npz",
        "--model",
        MODEL,
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open dataset /nonexistent/ds.npz"),
        "{stderr}"
    );
}
