//! `flashmm dataset`: runs the live feature code over recordings and writes features and
//! labels (the future mid move over a horizon) to an `.npz` file for `scripts/train_model.py`.
//!
//! Rows are taken after each book event once both sides of the book exist (optionally at most
//! one per `--min-interval-ms`), timed by the local receive time, as the live `feature` service
//! sees them. The label of a row is the mid move from its time to `time + horizon` (the mid in
//! force then), in bps of the mid, and its class with the dead band: 0 down, 1 flat, 2 up.
//! Rows whose horizon runs past the end of the data are dropped.

mod label;
pub(crate) mod npz;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use flashmm_core::book::BookUpdate;
use flashmm_features::{
    Feature, FeatureConfig, FeatureStep, MarketFeatures, FEATURE_NAMES, NUM_FEATURES,
};
use flashmm_recording::RecordingReader;
use serde_json::json;

/// Arguments of `flashmm dataset`.
#[derive(Debug, clap::Args)]
pub struct DatasetArgs {
    /// Recordings in FlashMM's format (see `flashmm import`), in time order.
    #[arg(long = "input", required = true, num_args = 1..)]
    inputs: Vec<PathBuf>,
    /// Market symbol, e.g. `BTC/USDT`; default: the first recording's first market.
    #[arg(long)]
    market: Option<String>,
    /// Label horizon: `100ms`, `500ms`, `1s`, ...
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    horizon: Duration,
    /// Moves within ± this many bps are labelled flat.
    #[arg(long, default_value_t = 0.5)]
    dead_band_bps: f64,
    /// Keep at most one row per this many milliseconds (0 keeps a row per book event).
    #[arg(long, default_value_t = 0)]
    min_interval_ms: u64,
    /// Output `.npz` file.
    #[arg(long)]
    out: PathBuf,
}

/// Parses `250ms`, `1s`, `1.5s` or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit_ns) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e9)
    } else {
        (text, 1e6)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected a duration like 500ms or 1s, got {text:?}"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("duration must be positive, got {text:?}"));
    }
    Ok(Duration::from_nanos((value * unit_ns) as u64))
}

/// Runs `flashmm dataset`.
pub fn run(args: DatasetArgs) -> anyhow::Result<()> {
    if !(args.dead_band_bps.is_finite() && args.dead_band_bps >= 0.0) {
        bail!("--dead-band-bps must be a non-negative number");
    }
    let horizon_ns = i64::try_from(args.horizon.as_nanos()).context("horizon too long")?;
    let min_interval_ns = i64::try_from(args.min_interval_ms)
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .context("--min-interval-ms too large")?;

    let mut market = None;
    let mut engine: Option<MarketFeatures> = None;
    let mut x: Vec<f32> = Vec::new();
    let mut ts: Vec<i64> = Vec::new();
    let mut mid: Vec<f64> = Vec::new();
    let mut l1: Vec<f32> = Vec::new();
    let mut refused = 0u64;
    for path in &args.inputs {
        let reader = RecordingReader::open(path)
            .with_context(|| format!("cannot open recording {}", path.display()))?;
        let symbol = match (&args.market, reader.header().markets.first()) {
            (Some(s), _) => s.clone(),
            (None, Some(spec)) => spec.id().as_str().to_owned(),
            (None, None) => bail!("{} records no market", path.display()),
        };
        let spec = reader
            .header()
            .market(&symbol)
            .with_context(|| format!("{} has no market {symbol}", path.display()))?
            .clone();
        let features = match &mut engine {
            Some(features) => features,
            None => engine.insert(MarketFeatures::new(
                spec.id().clone(),
                FeatureConfig::default(),
                None,
            )?),
        };
        market.get_or_insert_with(|| spec.id().clone());
        for record in reader {
            let record = record.with_context(|| format!("reading {}", path.display()))?;
            if record.event.market() != spec.id() {
                continue;
            }
            let Some(event) = record.event.as_market() else {
                continue;
            };
            let step = features.on_event(event, record.recv_ts)?;
            match step {
                FeatureStep::Publish => {}
                FeatureStep::RefusedTrade(_) | FeatureStep::Book(BookUpdate::Refused(_)) => {
                    refused += 1;
                    continue;
                }
                _ => continue,
            }
            let book = features.book();
            let t = record.recv_ts.as_i64();
            let (Some(_), Some(_), Some(m)) = (book.best_bid(), book.best_ask(), book.mid_ticks())
            else {
                continue;
            };
            if let Some(&last) = ts.last() {
                if t < last.saturating_add(min_interval_ns.max(0)) && min_interval_ns > 0 {
                    continue;
                }
                if t < last {
                    continue;
                }
            }
            x.extend_from_slice(features.values());
            ts.push(t);
            mid.push(m);
            l1.push(features.value(Feature::Imbalance0));
        }
    }
    let Some(features) = engine else {
        bail!("no input read");
    };

    let moves = label::future_moves(&ts, &mid, horizon_ns);
    let mut keep_x = Vec::with_capacity(x.len());
    let (mut keep_ts, mut keep_move, mut keep_label, mut keep_l1) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, mv) in moves.iter().enumerate() {
        let Some(mv) = mv else { continue };
        keep_x.extend_from_slice(&x[i * NUM_FEATURES..(i + 1) * NUM_FEATURES]);
        keep_ts.push(ts[i]);
        keep_move.push(*mv as f32);
        keep_label.push(label::class(*mv, args.dead_band_bps));
        keep_l1.push(l1[i]);
    }
    let rows = keep_ts.len();
    if rows == 0 {
        bail!("no labelled rows: the data is shorter than the horizon or has no two-sided book");
    }
    let counts = [0i8, 1, 2].map(|c| keep_label.iter().filter(|&&l| l == c).count());
    let meta = json!({
        "feature_names": FEATURE_NAMES.as_slice(),
        "schema_hash": format!("{:#018x}", features.engine().schema_hash()),
        "horizon_ms": args.horizon.as_millis() as u64,
        "dead_band_bps": args.dead_band_bps,
        "min_interval_ms": args.min_interval_ms,
        "source": args.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "market": market.map(|m| m.as_str().to_owned()),
        "rows": rows,
        "label_counts": {"down": counts[0], "flat": counts[1], "up": counts[2]},
    });
    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    npz::write(
        std::io::BufWriter::new(file),
        &[
            ("X", npz::Array::f32(vec![rows, NUM_FEATURES], &keep_x)),
            ("ts", npz::Array::i64(&keep_ts)),
            ("move_bps", npz::Array::f32(vec![rows], &keep_move)),
            ("label", npz::Array::i8(&keep_label)),
            ("l1_imbalance", npz::Array::f32(vec![rows], &keep_l1)),
            ("meta", npz::Array::string(&meta.to_string())),
        ],
    )?;
    println!(
        "{}: {rows} rows × {NUM_FEATURES} features, horizon {} ms, down/flat/up = {}/{}/{}, \
         {refused} events refused, schema {}",
        args.out.display(),
        args.horizon.as_millis(),
        counts[0],
        counts[1],
        counts[2],
        meta["schema_hash"].as_str().unwrap_or_default()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("0ms").is_err());
    }
}
