//! `flashmm backtest`: replays recorded market data (a recording or raw Binance captures)
//! through the live feature, model, quoting and risk code against a simulated venue
//! (`flashmm-backtest`), prints the figures and writes a JSON report and a PNG chart per run.
//! `--compare` runs the no-prediction Avellaneda–Stoikov baseline and the model-skewed
//! strategy on the same data and settings and prints them side by side.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use flashmm_backtest::{
    plot, Backtest, BacktestConfig, BusSeam, DataSource, ModelPredictor, Progress, Quoting, Report,
};
use flashmm_bus::MemoryBus;
use flashmm_core::config::Config;
use flashmm_core::market::MarketSpec;
use flashmm_core::strategy::QuoteParams;
use flashmm_core::time::UnixNanos;
use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::{FeatureSchema, Model};
use flashmm_runtime::load_config;

use super::simulation::SimulationArgs;
use flashmm_trading::settings::{quote_template, risk_limits};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `flashmm backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// A FlashMM recording, or raw Binance capture files of one instrument in time order.
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// The model's `model.json` (the ML strategy).
    #[arg(long, default_value = "models/model.json")]
    model: PathBuf,
    /// Run the no-prediction Avellaneda–Stoikov baseline only (no model needed).
    #[arg(long, conflicts_with = "compare")]
    baseline: bool,
    /// Run the baseline and the ML strategy on the same data and print them side by side.
    #[arg(long)]
    compare: bool,
    /// Directory for the JSON reports and the PNG chart.
    #[arg(long, default_value = "backtest-out")]
    out: PathBuf,
    /// Quote only from this UTC time in ns (earlier data warms up the book, features and
    /// estimators); default: `--warmup-secs` after the first record.
    #[arg(long)]
    trade_from_ns: Option<i64>,
    /// Warm-up before quoting starts, when `--trade-from-ns` is not given, seconds.
    #[arg(long, default_value_t = 30.0)]
    warmup_secs: f64,
    /// Quoting parameters: a `.toml` file of `[trading]` keys and a `[trading.quote]` table
    /// (as `flashmm tune` writes) over the configuration's, sizes from notionals; or JSON
    /// (`QuoteParams` fields, sizes in lots; missing ones take their defaults); default: the
    /// configuration's `[trading]` and sizes from `level_notional_usdc` and
    /// `max_position_usdc` at the first mid.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Stop the replay before this UTC time in ns (nothing at or after it is read).
    #[arg(long)]
    until_ns: Option<i64>,
    /// Market symbol, e.g. `BTC/USDT`; default: the data's first market.
    #[arg(long)]
    market: Option<String>,
    /// The simulated venue's latency, fees and order handling.
    #[command(flatten)]
    sim: SimulationArgs,
}

/// Runs `flashmm backtest`.
pub fn run(config_path: &Path, args: BacktestArgs) -> anyhow::Result<()> {
    let config = load_config(config_path)?;
    args.sim.check()?;
    if !(args.warmup_secs.is_finite() && args.warmup_secs >= 0.0) {
        bail!(
            "--warmup-secs must be a non-negative number, got {}",
            args.warmup_secs
        );
    }
    let source = DataSource::open(&args.data)
        .with_context(|| format!("cannot read {}", args.data[0].display()))?;
    let spec = source.spec(args.market.as_deref())?;
    let first_ts = first_book(&source, &spec)?;
    let quote = quoting(&args, &config)?;
    let fees = args.sim.fees(&spec);
    let warmup_ns = (args.warmup_secs * 1e9) as i64;
    let mut bt = BacktestConfig::new(fees, risk_limits(&config));
    args.sim.apply(&mut bt);
    bt.quote = quote;
    bt.feature_rate_hz = config.features.max_rate_hz;
    bt.flat_rate = config.model.flat_rate();
    bt.trade_from = Some(UnixNanos(
        args.trade_from_ns
            .unwrap_or(first_ts.as_i64().saturating_add(warmup_ns)),
    ));

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut reports = Vec::new();
    if args.baseline || args.compare {
        reports.push(run_one(&source, &spec, &bt, None, args.until_ns)?);
    }
    if !args.baseline {
        let schema = FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES);
        let model = Model::load(&args.model, &schema).with_context(|| {
            format!(
                "cannot load the model {} (use --baseline to run without one)",
                args.model.display()
            )
        })?;
        reports.push(run_one(&source, &spec, &bt, Some(model), args.until_ns)?);
    }
    for r in &reports {
        let path = args.out.join(format!("report-{}.json", r.strategy));
        r.write_json(&path)?;
        println!("wrote {}", path.display());
    }
    let png = args.out.join("backtest.png");
    plot::write_png(&reports.iter().collect::<Vec<_>>(), &png)?;
    println!("wrote {}", png.display());
    print!("{}", table(&reports));
    Ok(())
}

fn run_one(
    source: &DataSource,
    spec: &MarketSpec,
    config: &BacktestConfig,
    model: Option<Model>,
    until_ns: Option<i64>,
) -> anyhow::Result<Report> {
    let name = if model.is_some() { "ml" } else { "baseline" };
    let seam = match model {
        Some(m) => Some(BusSeam::new(
            MemoryBus::default(),
            "backtest",
            &spec.id().stream_key(),
            Box::new(ModelPredictor(m)),
        )?),
        None => None,
    };
    let bar = match source.records {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{prefix} {bar:40} {pos}/{len} records {per_sec} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{prefix} {spinner} {pos} records {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_prefix(name);
    let mut progress = |p: Progress| bar.set_position(p.records);
    let until = until_ns.unwrap_or(i64::MAX);
    let records = source
        .reader()?
        .take_while(|r| r.as_ref().map_or(true, |r| r.recv_ts.as_i64() < until));
    let report = Backtest::new(config.clone(), spec.clone(), seam)?.run(records, &mut progress)?;
    bar.finish_and_clear();
    Ok(report)
}

/// The time of the first record and the mid of the first two-sided book.
fn first_book(source: &DataSource, spec: &MarketSpec) -> anyhow::Result<UnixNanos> {
    let mut first = None;
    for record in source.reader()? {
        let record = record?;
        first.get_or_insert(record.recv_ts);
        if record.event.is_two_sided_snapshot_of(spec.id()) {
            return Ok(first.unwrap_or(record.recv_ts));
        }
    }
    bail!("the data has no two-sided book snapshot of {}", spec.id())
}

/// The quoting parameters: a JSON file (sizes in lots included), or the configuration's
/// `[trading]` template sized as execution sizes it, from notionals at the first mid.
fn quoting(args: &BacktestArgs, config: &Config) -> anyhow::Result<Quoting> {
    if let Some(path) = &args.params {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if path.extension().is_some_and(|e| e == "toml") {
            let set = super::tune::read_params_toml(&text)
                .with_context(|| format!("{}: bad quoting parameters", path.display()))?;
            let template = set
                .apply(&quote_template(config))
                .with_context(|| format!("{}: bad quoting parameters", path.display()))?;
            return Ok(Quoting::FromNotional {
                template,
                level_notional: config.trading.level_notional_usdc,
            });
        }
        let params: QuoteParams = serde_json::from_str(&text)
            .with_context(|| format!("{}: bad quoting parameters", path.display()))?;
        return Ok(Quoting::Fixed(params));
    }
    Ok(Quoting::FromNotional {
        template: quote_template(config),
        level_notional: config.trading.level_notional_usdc,
    })
}

/// The reports side by side.
fn table(reports: &[Report]) -> String {
    let opt = |x: Option<f64>, dp: usize| x.map_or("-".to_owned(), |v| format!("{v:.dp$}"));
    let mut rows: Vec<(String, Vec<String>)> = vec![
        (
            "strategy".into(),
            reports.iter().map(|r| r.strategy.clone()).collect(),
        ),
        (
            "model".into(),
            reports
                .iter()
                .map(|r| r.model_id.clone().unwrap_or("-".into()))
                .collect(),
        ),
        (
            "net P&L".into(),
            reports
                .iter()
                .map(|r| r.pnl.net.round_dp(6).to_string())
                .collect(),
        ),
        (
            "  realized".into(),
            reports
                .iter()
                .map(|r| r.pnl.realized.round_dp(6).to_string())
                .collect(),
        ),
        (
            "  unrealized".into(),
            reports
                .iter()
                .map(|r| r.pnl.unrealized.round_dp(6).to_string())
                .collect(),
        ),
        (
            "  fees paid".into(),
            reports
                .iter()
                .map(|r| r.pnl.fees_paid.round_dp(6).to_string())
                .collect(),
        ),
        (
            "  rebates".into(),
            reports
                .iter()
                .map(|r| r.pnl.rebates.round_dp(6).to_string())
                .collect(),
        ),
        (
            "P&L / notional (bps)".into(),
            reports
                .iter()
                .map(|r| opt(r.pnl.per_notional_bps, 3))
                .collect(),
        ),
        (
            "Sharpe (per minute)".into(),
            reports
                .iter()
                .map(|r| opt(r.sharpe.per_minute, 3))
                .collect(),
        ),
        (
            "max drawdown".into(),
            reports
                .iter()
                .map(|r| r.pnl.max_drawdown.round_dp(6).to_string())
                .collect(),
        ),
        (
            "fills (maker/taker)".into(),
            reports
                .iter()
                .map(|r| format!("{}/{}", r.trading.maker_fills, r.trading.taker_fills))
                .collect(),
        ),
        (
            "notional traded".into(),
            reports
                .iter()
                .map(|r| r.trading.notional.round_dp(2).to_string())
                .collect(),
        ),
        (
            "fill ratio".into(),
            reports
                .iter()
                .map(|r| opt(r.trading.fill_ratio, 4))
                .collect(),
        ),
        (
            "cancels per fill".into(),
            reports
                .iter()
                .map(|r| opt(r.trading.cancels_per_fill, 2))
                .collect(),
        ),
        (
            "market spread (bps)".into(),
            reports
                .iter()
                .map(|r| opt(r.spread.market_bps, 4))
                .collect(),
        ),
        (
            "our spread (bps)".into(),
            reports.iter().map(|r| opt(r.spread.ours_bps, 4)).collect(),
        ),
        (
            "spread with us (bps)".into(),
            reports
                .iter()
                .map(|r| opt(r.spread.with_us_bps, 4))
                .collect(),
        ),
        (
            "time tighter".into(),
            reports
                .iter()
                .map(|r| opt(r.spread.tighter_share, 4))
                .collect(),
        ),
        (
            "time at the touch".into(),
            reports
                .iter()
                .map(|r| opt(r.spread.at_touch_share, 4))
                .collect(),
        ),
        (
            "inventory mean |q|".into(),
            reports
                .iter()
                .map(|r| format!("{:.6}", r.inventory.mean_abs))
                .collect(),
        ),
        (
            "inventory p5..p95".into(),
            reports
                .iter()
                .map(|r| {
                    let q = |p: f64| {
                        r.inventory
                            .quantiles
                            .iter()
                            .find(|(x, _)| (*x - p).abs() < 1e-9)
                            .map_or("-".to_owned(), |(_, v)| v.to_string())
                    };
                    format!("{}..{}", q(0.05), q(0.95))
                })
                .collect(),
        ),
    ];
    for (i, m) in reports
        .first()
        .map_or(&[][..], |r| &r.markouts[..])
        .iter()
        .enumerate()
    {
        rows.push((
            format!("markout {} s (bps)", m.horizon_ms as f64 / 1e3),
            reports
                .iter()
                .map(|r| opt(r.markouts.get(i).and_then(|m| m.mean_bps), 3))
                .collect(),
        ));
    }
    rows.push((
        "model hit rate (as live)".into(),
        reports
            .iter()
            .map(|r| {
                let s = &r.trading.strategy;
                let scored = s.prediction_hits + s.prediction_misses;
                let rate = (scored > 0).then(|| s.prediction_hits as f64 / scored as f64);
                opt(rate, 3)
            })
            .collect(),
    ));
    rows.push((
        "halted".into(),
        reports
            .iter()
            .map(|r| {
                r.trading
                    .strategy
                    .halted
                    .map_or("no".into(), |k| format!("{k:?}"))
            })
            .collect(),
    ));
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, cells) in rows {
        out.push_str(&format!("{name:<width$}"));
        for c in cells {
            out.push_str(&format!("  {c:>22}"));
        }
        out.push('\n');
    }
    out
}
