//! `flashmm tune`: walk-forward tuning of the quoting parameters. Every set of a grid is
//! backtested on a training window of each recording; one set is chosen on the training
//! figures alone and reported on the later window (`flashmm_backtest::tune`). Prints a table
//! and writes the chosen set as a TOML file that `flashmm backtest --params` reads and whose
//! `[trading]` keys go into the configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use flashmm_backtest::tune::{Fold, Grid, Objective, ParamSet, Split, Tape, TuneOutcome, Tuner};
use flashmm_backtest::{BacktestConfig, BusSeam, DataSource, FeeSchedule, ModelPredictor};
use flashmm_bus::MemoryBus;
use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::{FeatureSchema, Model};
use flashmm_runtime::load_config;

use super::simulation::SimulationArgs;
use flashmm_trading::settings::{quote_template, risk_limits};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;

/// The `[trading]` keys of a parameter set; every other field goes to `[trading.quote]`.
const TRADING_KEYS: [&str; 3] = ["quote_frequency_hz", "levels", "min_spread_bps"];

/// Arguments of `flashmm tune`.
#[derive(Debug, clap::Args)]
pub struct TuneArgs {
    /// FlashMM recordings (one instrument each); the objective is taken over all of them.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// The grid: a TOML file of `QuoteParams` fields, each with a list of values
    /// (`skew_multiple = [0.0, 0.5, 1.0]`); every combination is one set.
    #[arg(long)]
    grid: PathBuf,
    /// What the choice maximises on the training windows: net, markout10s or sharpe.
    #[arg(long, default_value = "net")]
    objective: Objective,
    /// Tune the no-prediction baseline instead of the ML strategy (no model needed).
    #[arg(long)]
    baseline: bool,
    /// The model's `model.json` (the ML strategy).
    #[arg(long, default_value = "models/model.json")]
    model: PathBuf,
    /// Nothing at or after this UTC time (ns) is replayed, one per recording (e.g. the test
    /// cuts of docs/backtest.md); default: the last `--holdout-frac` of each recording.
    #[arg(long, num_args = 1..)]
    until_ns: Vec<i64>,
    /// Share of each recording's time span, at its end, never used when `--until-ns` is not
    /// given (the model's test part is about the last 20 % of each imported recording; a
    /// quarter keeps clear of it).
    #[arg(long, default_value_t = 0.25)]
    holdout_frac: f64,
    /// With one fold: the share of the usable span (after the warm-up, before the bound)
    /// that trains; the rest, after the embargo, is the report window.
    #[arg(long, default_value_t = 0.6)]
    train_frac: f64,
    /// The training window's end, one per recording (UTC ns; one fold only); default: from
    /// `--train-frac`.
    #[arg(long, num_args = 1.., conflicts_with = "folds")]
    cut_ns: Vec<i64>,
    /// Rolling walk-forward: the usable span in N equal parts, train on part k and report on
    /// part k + 1; the last training part's choice is written.
    #[arg(long, default_value_t = 1)]
    folds: usize,
    /// Gap between a training window and its report window, seconds.
    #[arg(long, default_value_t = 10.0)]
    embargo_secs: f64,
    /// Warm-up after the first record before anything is quoted, seconds.
    #[arg(long, default_value_t = 30.0)]
    warmup_secs: f64,
    /// Refuse grids with more sets than this.
    #[arg(long, default_value_t = Grid::DEFAULT_MAX_SETS)]
    max_sets: usize,
    /// Worker threads; default: every core.
    #[arg(long)]
    jobs: Option<usize>,
    /// Where the chosen parameters go: a `.toml` file of `[trading]` keys and a
    /// `[trading.quote]` table.
    #[arg(long, default_value = "tuned-params.toml")]
    out: PathBuf,
    /// Also write every figure as JSON here: the windows, each set's training objective and
    /// net P&L, the choice, and the chosen set's full report on each report window.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The simulated venue's latency, fees and order handling.
    #[command(flatten)]
    sim: SimulationArgs,
}

/// Runs `flashmm tune`.
pub fn run(config_path: &Path, args: TuneArgs) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    args.sim.check()?;
    for (name, v) in [
        ("--warmup-secs", args.warmup_secs),
        ("--embargo-secs", args.embargo_secs),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            bail!("{name} must be a non-negative number, got {v}");
        }
    }
    if !(args.holdout_frac >= 0.0 && args.holdout_frac < 1.0) {
        bail!(
            "--holdout-frac must be in [0, 1), got {}",
            args.holdout_frac
        );
    }
    for (name, list) in [("--until-ns", &args.until_ns), ("--cut-ns", &args.cut_ns)] {
        if !list.is_empty() && list.len() != args.data.len() {
            bail!(
                "{name} takes one time per recording ({} given for {} recordings)",
                list.len(),
                args.data.len()
            );
        }
    }
    if args.out.extension().is_none_or(|e| e != "toml") {
        bail!(
            "--out {}: the chosen parameters are written as TOML (a .toml file, the \
             configuration's [trading] form; `flashmm backtest --params` reads it)",
            args.out.display()
        );
    }
    let grid_text = std::fs::read_to_string(&args.grid)
        .with_context(|| format!("cannot read {}", args.grid.display()))?;
    let grid_value: serde_json::Value =
        toml::from_str(&grid_text).with_context(|| format!("{}: not TOML", args.grid.display()))?;
    let grid = Grid::from_value(grid_value, args.max_sets)
        .with_context(|| format!("{}", args.grid.display()))?;

    let split = Split {
        warmup_ns: (args.warmup_secs * 1e9) as i64,
        train_frac: args.train_frac,
        folds: args.folds.max(1),
        embargo_ns: (args.embargo_secs * 1e9) as i64,
    };
    let decode_start = Instant::now();
    let mut tapes = Vec::new();
    for (i, path) in args.data.iter().enumerate() {
        let source = DataSource::open(std::slice::from_ref(path))
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into(),
        );
        let tape = Tape::decode(&name, &source, None)?;
        let (Some(first), Some(last), Some(_)) =
            (tape.first_ts(), tape.last_ts(), tape.first_book_ts())
        else {
            bail!("{} has no two-sided book snapshot", path.display());
        };
        let bound = match args.until_ns.get(i) {
            Some(&t) => t,
            None => first + ((last - first) as f64 * (1.0 - args.holdout_frac)) as i64,
        };
        let folds = split.folds(&name, first, bound, args.cut_ns.get(i).copied())?;
        let fees = args.sim.fees(&tape.spec);
        tapes.push((tape, folds, fees));
    }
    let decode_secs = decode_start.elapsed().as_secs_f64();

    let mut base = BacktestConfig::new(
        FeeSchedule {
            maker_rate: Decimal::ZERO,
            taker_rate: Decimal::ZERO,
        },
        risk_limits(&config),
    );
    args.sim.apply(&mut base);
    base.feature_rate_hz = config.features.max_rate_hz;
    base.flat_rate = config.model.flat_rate();

    let schema = FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES);
    let model_id = if args.baseline {
        None
    } else {
        let m = Model::load(&args.model, &schema).with_context(|| {
            format!(
                "cannot load the model {} (use --baseline to tune without one)",
                args.model.display()
            )
        })?;
        Some(m.metadata().model_id.clone())
    };
    let model_path = args.model.clone();
    let baseline = args.baseline;
    let seam = move |spec: &flashmm_core::market::MarketSpec| {
        if baseline {
            return Ok(None);
        }
        let model = Model::load(&model_path, &schema)?;
        Ok(Some(BusSeam::new(
            MemoryBus::default(),
            "backtest",
            &spec.id().stream_key(),
            Box::new(ModelPredictor(model)),
        )?))
    };
    let folds = tapes.first().map_or(0, |t| t.1.len());
    let total = (grid.len() + 1) * folds * tapes.len();
    let bar = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template("tune {bar:40} {pos}/{len} runs {per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let on_run = || bar.inc(1);
    let threads = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let tuner = Tuner {
        tapes,
        base,
        template: quote_template(&config),
        level_notional: config.trading.level_notional_usdc,
        grid,
        objective: args.objective,
        threads,
        seam: &seam,
        on_run: &on_run,
    };
    let started = Instant::now();
    let outcome = tuner.run()?;
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    print!("{}", table(&tuner, &outcome, args.objective));
    println!(
        "{} runs ({} sets), {} threads: {} book events replayed in {:.1} s = {:.0} set-book-events/s \
         (decoding {:.1} s)",
        outcome.runs,
        outcome.sets.len(),
        threads,
        outcome.book_events,
        secs,
        outcome.book_events as f64 / secs.max(1e-9),
        decode_secs
    );
    let Some(chosen) = outcome.chosen() else {
        bail!("no set was chosen");
    };
    let header = format!(
        "flashmm tune: chosen by {} on the training windows ({} strategy{}).\n\
         `flashmm backtest --params FILE` reads this file; the services read the same keys\n\
         in [trading] and [trading.quote] of config/flashmm.toml.\n",
        args.objective,
        if args.baseline { "baseline" } else { "ML" },
        model_id.map_or(String::new(), |m| format!(", model {m}")),
    );
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&outcome_json(&tuner, &outcome, args.objective))?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    std::fs::write(&args.out, params_toml(chosen, &header)?)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// Every figure of `outcome` as JSON (exact decimals as strings).
fn outcome_json(
    tuner: &Tuner<'_>,
    outcome: &TuneOutcome,
    objective: Objective,
) -> serde_json::Value {
    use flashmm_backtest::tune::{Score, Window};
    use serde_json::json;
    let window = |w: &Window| json!({"from": w.from.0, "until": w.until.0});
    let score = |s: &Score| match s {
        Score::Money(d) => json!(d.to_string()),
        Score::Ratio(x) => json!(x),
    };
    let folds: Vec<_> = outcome
        .folds
        .iter()
        .map(|f| {
            json!({
                "windows": tuner.tapes.iter().zip(&f.windows).map(|((t, _, _), w)| json!({
                    "recording": t.name,
                    "train": window(&w.train),
                    "report": window(&w.report),
                })).collect::<Vec<_>>(),
                "train_scores": f.scores.iter().map(score).collect::<Vec<_>>(),
                "train_net": f.train.iter().map(|runs| runs.iter().map(|s| s.net.to_string())
                    .collect::<Vec<_>>()).collect::<Vec<_>>(),
                "chosen": f.chosen,
                "report": f.report,
            })
        })
        .collect();
    json!({
        "objective": objective.to_string(),
        "sets": outcome.sets.iter().map(|s| &s.0).collect::<Vec<_>>(),
        "folds": folds,
        "runs": outcome.runs,
        "book_events": outcome.book_events,
    })
}

/// The chosen set as TOML: `[trading]` keys and `[trading.quote]`, after `header` as comments.
pub fn params_toml(set: &ParamSet, header: &str) -> anyhow::Result<String> {
    let mut trading = toml::Table::new();
    let mut quote = toml::Table::new();
    for (k, v) in &set.0 {
        let value = if k == "min_spread_bps" {
            toml::Value::String(v.to_string())
        } else {
            toml::Value::try_from(v).with_context(|| format!("{k} = {v}"))?
        };
        if TRADING_KEYS.contains(&k.as_str()) {
            trading.insert(k.clone(), value);
        } else {
            quote.insert(k.clone(), value);
        }
    }
    if !quote.is_empty() {
        trading.insert("quote".into(), toml::Value::Table(quote));
    }
    let mut doc = toml::Table::new();
    doc.insert("trading".into(), toml::Value::Table(trading));
    let mut out: String = header.lines().map(|l| format!("# {l}\n")).collect();
    out.push_str(&toml::to_string(&doc)?);
    Ok(out)
}

/// Reads a parameters file of [`params_toml`]'s form: `[trading]` keys (`quote_frequency_hz`,
/// `levels`, `min_spread_bps`) and a `[trading.quote]` table of other `QuoteParams` fields.
pub fn read_params_toml(text: &str) -> anyhow::Result<ParamSet> {
    let doc: toml::Table = toml::from_str(text).context("not TOML")?;
    let mut set = BTreeMap::new();
    for (k, v) in &doc {
        let toml::Value::Table(trading) = v else {
            bail!("{k}: expected the [trading] table only");
        };
        if k != "trading" {
            bail!("[{k}]: expected the [trading] table only");
        }
        for (k, v) in trading {
            match (k.as_str(), v) {
                ("quote", toml::Value::Table(q)) => {
                    for (k, v) in q {
                        set.insert(k.clone(), serde_json::to_value(v)?);
                    }
                }
                ("min_spread_bps", toml::Value::String(s)) => {
                    let x: f64 = s
                        .parse()
                        .with_context(|| format!("min_spread_bps = {s:?}: not a number"))?;
                    set.insert(k.clone(), serde_json::to_value(x)?);
                }
                (k, v) if TRADING_KEYS.contains(&k) => {
                    set.insert(k.to_owned(), serde_json::to_value(v)?);
                }
                (k, _) => bail!(
                    "trading.{k}: expected quote_frequency_hz, levels, min_spread_bps or a \
                     [trading.quote] table"
                ),
            }
        }
    }
    Ok(ParamSet(set))
}

/// Per fold: the sets by training objective (best first, at most 20 and the chosen one),
/// then the chosen set's figures on each report window.
fn table(tuner: &Tuner<'_>, outcome: &TuneOutcome, objective: Objective) -> String {
    let mut out = String::new();
    let secs = |w: flashmm_backtest::tune::Window| (w.until.0 - w.from.0) as f64 / 1e9;
    for (k, fold) in outcome.folds.iter().enumerate() {
        out.push_str(&format!("fold {}/{}:", k + 1, outcome.folds.len()));
        for ((tape, _, _), w) in tuner.tapes.iter().zip(&fold.windows) {
            let Fold { train, report } = w;
            out.push_str(&format!(
                "  {} train {}..{} ({:.0} s), report {}..{} ({:.0} s)",
                tape.name,
                train.from,
                train.until,
                secs(*train),
                report.from,
                report.until,
                secs(*report)
            ));
        }
        out.push('\n');
        let mut order: Vec<usize> = (0..fold.scores.len()).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (&fold.scores[a], &fold.scores[b]);
            if sa.beats(sb) {
                std::cmp::Ordering::Less
            } else if sb.beats(sa) {
                std::cmp::Ordering::Greater
            } else {
                a.cmp(&b)
            }
        });
        out.push_str(&format!(
            "{:>5}  {:>14}  {:>12}  {:>6}  set\n",
            "#",
            format!("train {objective}"),
            "train net",
            "fills"
        ));
        for (rank, &i) in order.iter().enumerate() {
            if rank >= 20 && i != fold.chosen {
                continue;
            }
            let net: Decimal = fold.train[i].iter().map(|s| s.net).sum();
            let fills: u64 = fold.train[i].iter().map(|s| s.fills).sum();
            out.push_str(&format!(
                "{:>5}{} {:>14}  {:>12}  {:>6}  {}\n",
                i,
                if i == fold.chosen { "*" } else { " " },
                fold.scores[i].to_string(),
                net.round_dp(6).to_string(),
                fills,
                outcome.sets[i].label()
            ));
        }
        out.push_str("chosen (*) on the report windows:\n");
        for ((tape, _, _), r) in tuner.tapes.iter().zip(&fold.report) {
            let opt = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.3}"));
            let markout = |h: u64| {
                opt(r
                    .markouts
                    .iter()
                    .find(|m| m.horizon_ms == h)
                    .and_then(|m| m.mean_bps))
            };
            out.push_str(&format!(
                "  {}: net {}  realized {}  rebates {}  fills {}/{}  markout 1 s {}  10 s {}  \
                 Sharpe {}  our spread {} bps\n",
                tape.name,
                r.pnl.net.round_dp(6),
                r.pnl.realized.round_dp(6),
                r.pnl.rebates.round_dp(6),
                r.trading.maker_fills,
                r.trading.taker_fills,
                markout(1_000),
                markout(10_000),
                opt(r.sharpe.per_minute),
                opt(r.spread.ours_bps)
            ));
        }
    }
    out
}
