//! `flashmm eval-model --data FILE.npz [--model models/model.json] [--json] [--validation]
//! [--flat-rate-window-secs 180] [--flat-rate-prior 2000]`: scores the model on the test part
//! (or the validation part) of a dataset written by `flashmm dataset`, beside two baselines.
//!
//! The test part is the one `scripts/train_model.py` holds out of the same file: the last
//! `split.test_frac` of the file's time span (fractions from `model.json`, rule in
//! `flashmm_model::split`). The model runs through `flashmm-model` (ONNX Runtime), on the raw
//! feature rows, exactly as the inference service does. Baselines:
//! - `majority`: the training part's class shares as probabilities (always its majority class);
//! - `imbalance_logistic`: a multinomial logistic regression on the level-1 book imbalance,
//!   fitted on the file's training part with balanced class weights.
//!
//! The model's row is what inference publishes: its probabilities after the calibration and
//! the market's flat rate (`flashmm_core::signal::FlatRate`, `[model] flat_rate_*`), which is
//! replayed over the whole file in time order, each row's outcome counting once its horizon
//! has passed; `model_calibration_only` is the same model without the flat rate.
//!
//! Scores: accuracy, macro-F1, log-loss and the direction hit rate on rows whose outcome is
//! not flat. The dataset must have the model's schema, horizon and dead band.

mod dataset;
mod logistic;
mod metrics;

use std::path::PathBuf;

use anyhow::{bail, ensure, Context};
use flashmm_core::signal::flat_rate::{self, shift_flat};
use flashmm_core::signal::{FlatRate, FlatRateConfig};
use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::{FeatureSchema, Model, ModelOutput, Part};
use serde_json::json;

use dataset::Dataset;
use logistic::Logistic;
use metrics::Scores;

/// Probabilities of the majority baseline are at least this.
const PRIOR_FLOOR: f64 = 1e-7;

/// Arguments of `flashmm eval-model`.
#[derive(Debug, clap::Args)]
pub struct EvalModelArgs {
    /// A dataset `.npz` written by `flashmm dataset` with the model's horizon and dead band.
    #[arg(long)]
    data: PathBuf,
    /// The model's metadata file (the ONNX file it names lies next to it).
    #[arg(long, env = "FLASHMM_MODEL", default_value = "models/model.json")]
    model: PathBuf,
    /// Print `{"model": {...}, "model_calibration_only": {...}, "majority": {...},
    /// "imbalance_logistic": {...}, "expected_move": {...}, "reliability": [...]}` (the
    /// model's reliability by tenths of predicted probability).
    #[arg(long)]
    json: bool,
    /// Score the validation part instead of the test part (to choose settings such as the
    /// flat rate's without looking at the test part).
    #[arg(long)]
    validation: bool,
    /// The flat rate's window in seconds, as `[model] flat_rate_window_secs` (0: off).
    #[arg(long, default_value_t = flat_rate::DEFAULT_WINDOW_SECS)]
    flat_rate_window_secs: u64,
    /// The flat rate's pseudo-outcomes, as `[model] flat_rate_prior`.
    #[arg(long, default_value_t = flat_rate::DEFAULT_PRIOR)]
    flat_rate_prior: f64,
}

/// Runs `flashmm eval-model`.
pub fn run(args: EvalModelArgs) -> anyhow::Result<()> {
    let schema = FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES);
    let mut model = Model::load(&args.model, &schema)
        .with_context(|| format!("cannot load the model {}", args.model.display()))?;
    let data = Dataset::read(&args.data)?;
    check_compatible(&data, &model, &args)?;

    let meta = model.metadata();
    let split = meta
        .split
        .cuts(&data.ts, model.horizon_ms())
        .context("dataset has no rows")?;
    let parts: Vec<Part> = data.ts.iter().map(|&t| split.part(t)).collect();
    let rows_of =
        |part: Part| -> Vec<usize> { (0..data.rows()).filter(|&i| parts[i] == part).collect() };
    let (scored_part, part_name) = if args.validation {
        (Part::Validation, "validation")
    } else {
        (Part::Test, "test")
    };
    let (train, test) = (rows_of(Part::Train), rows_of(scored_part));
    ensure!(
        !train.is_empty() && !test.is_empty(),
        "{}: {} training and {} {part_name} rows: too few to evaluate",
        args.data.display(),
        train.len(),
        test.len()
    );
    let labels = |idx: &[usize]| -> Vec<u8> { idx.iter().map(|&i| data.label[i]).collect() };
    let (train_labels, test_labels) = (labels(&train), labels(&test));

    ensure!(
        args.flat_rate_prior.is_finite() && args.flat_rate_prior >= 0.0,
        "--flat-rate-prior must be finite and at least 0, got {}",
        args.flat_rate_prior
    );
    let mut flat_rate = FlatRate::new(FlatRateConfig::from_secs(
        args.flat_rate_window_secs,
        args.flat_rate_prior,
    ));
    // Every row in time order: a row's outcome feeds the flat rate once its horizon has
    // passed, before the rows of that time are predicted (as the drift monitor scores).
    let horizon_ns = i64::from(model.horizon_ms()) * 1_000_000;
    let mut order: Vec<usize> = (0..data.rows()).collect();
    order.sort_by_key(|&i| data.ts[i]);
    let mut base = vec![[0.0f32; 3]; data.rows()];
    let mut shifted = vec![[0.0f32; 3]; data.rows()];
    let mut scored = 0;
    for &i in &order {
        let out = model
            .predict(data.row(i))
            .with_context(|| format!("model inference on row {i}"))?;
        base[i] = [out.p_down, out.p_flat, out.p_up];
        // Only rows before `i` in time order are past their horizon at `i`.
        while let Some(&j) = order.get(scored) {
            if data.ts[j].saturating_add(horizon_ns) > data.ts[i] {
                break;
            }
            flat_rate.on_outcome(data.ts[j], f64::from(base[j][1]), data.label[j] == 1);
            scored += 1;
        }
        shifted[i] = shift_flat(base[i], flat_rate.shift());
    }
    let class_means = model.metadata().class_mean_move_bps;
    let mut model_proba = Vec::with_capacity(test.len());
    let mut base_proba = Vec::with_capacity(test.len());
    let mut expected = Vec::with_capacity(test.len());
    for &i in &test {
        let p = shifted[i];
        model_proba.push(p.map(f64::from));
        base_proba.push(base[i].map(f64::from));
        expected.push(f64::from(
            ModelOutput::from_probabilities(p, &class_means).expected_move_bps,
        ));
    }
    let model_scores = metrics::score(&test_labels, &model_proba);
    let base_scores = metrics::score(&test_labels, &base_proba);
    let realised: Vec<f64> = test.iter().map(|&i| f64::from(data.move_bps[i])).collect();
    let moves = metrics::move_error(&expected, &realised);

    let mut counts = [0usize; 3];
    for &y in &train_labels {
        counts[usize::from(y)] += 1;
    }
    let prior = counts.map(|c| (c as f64 / train_labels.len() as f64).max(PRIOR_FLOOR));
    let majority_scores = metrics::score(&test_labels, &vec![prior; test.len()]);

    let imbalance = |idx: &[usize]| -> Vec<f64> {
        idx.iter()
            .map(|&i| f64::from(data.l1_imbalance[i]))
            .collect()
    };
    let logistic = Logistic::fit(&imbalance(&train), &train_labels);
    let logistic_proba: Vec<[f64; 3]> = imbalance(&test)
        .into_iter()
        .map(|x| logistic.proba(x))
        .collect();
    let logistic_scores = metrics::score(&test_labels, &logistic_proba);

    let meta = model.metadata();
    if args.json {
        let mut model_json = serde_json::to_value(model_scores)?;
        model_json["model_id"] = json!(meta.model_id);
        model_json["horizon_ms"] = json!(meta.horizon_ms);
        let mut majority_json = serde_json::to_value(majority_scores)?;
        majority_json["class"] = json!(flashmm_model::CLASSES[metrics::argmax(&prior)]);
        let out = json!({
            "model": model_json,
            "model_calibration_only": serde_json::to_value(base_scores)?,
            "reliability": serde_json::to_value(metrics::reliability(&test_labels, &model_proba))?,
            "expected_move": serde_json::to_value(moves)?,
            "majority": majority_json,
            "imbalance_logistic": serde_json::to_value(logistic_scores)?,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "model    {} ({}, {}, horizon {} ms, dead band {} bps)",
        args.model.display(),
        meta.model_id,
        meta.kind,
        meta.horizon_ms,
        meta.dead_band_bps
    );
    if args.validation {
        println!(
            "data     {}: {} rows; validation part {} rows from ts {} to the test part, \
             training part {} rows",
            args.data.display(),
            data.rows(),
            test.len(),
            split.cut_val_ts,
            train.len()
        );
    } else {
        println!(
            "data     {}: {} rows; test part {} rows from ts {} (last {:.0}% of the span), \
             training part {} rows",
            args.data.display(),
            data.rows(),
            test.len(),
            split.cut_test_ts,
            meta.split.test_frac * 100.0,
            train.len()
        );
    }
    println!(
        "{:<20} {:>9} {:>9} {:>9} {:>9}",
        "", "macro-F1", "accuracy", "log-loss", "hit-rate"
    );
    for (name, s) in [
        ("model", &model_scores),
        ("model_calibration_only", &base_scores),
        ("majority", &majority_scores),
        ("imbalance_logistic", &logistic_scores),
    ] {
        println!("{}", row(name, s));
    }
    println!(
        "expected move: mean absolute error {:.3} bps (no-move forecast {:.3}), bias {:+.3} bps, \
         correlation {:.3}",
        moves.mae_bps, moves.zero_mae_bps, moves.bias_bps, moves.correlation
    );
    Ok(())
}

fn row(name: &str, s: &Scores) -> String {
    let hit = s
        .hit_rate
        .map_or_else(|| "n/a".to_owned(), |h| format!("{h:.4}"));
    format!(
        "{name:<20} {:>9.4} {:>9.4} {:>9.4} {hit:>9}",
        s.macro_f1, s.accuracy, s.log_loss
    )
}

/// Refuses a dataset of another schema, width, horizon or dead band than the model's.
fn check_compatible(data: &Dataset, model: &Model, args: &EvalModelArgs) -> anyhow::Result<()> {
    let meta = model.metadata();
    let file = args.data.display();
    if !data.schema_hash.eq_ignore_ascii_case(&meta.schema_hash) {
        bail!(
            "{file} has feature schema {}, the model {}: rewrite the dataset with this build",
            data.schema_hash,
            meta.schema_hash
        );
    }
    if data.width != meta.num_features() {
        bail!(
            "{file} has {} features per row, the model {}",
            data.width,
            meta.num_features()
        );
    }
    if data.horizon_ms != u64::from(meta.horizon_ms) {
        bail!(
            "{file} is labelled {} ms ahead, the model predicts {} ms ahead: write it with \
             `flashmm dataset --horizon {}ms`",
            data.horizon_ms,
            meta.horizon_ms,
            meta.horizon_ms
        );
    }
    if (data.dead_band_bps - f64::from(meta.dead_band_bps)).abs() > 1e-6 {
        bail!(
            "{file} has a dead band of {} bps, the model {} bps: write it with \
             `flashmm dataset --dead-band-bps {}`",
            data.dead_band_bps,
            meta.dead_band_bps,
            meta.dead_band_bps
        );
    }
    Ok(())
}
