//! `flashmm calibrate --data FILE... --out config/flow.toml`: the simulator's background flow
//! parameters estimated from real data.
//!
//! Inputs are FlashMM recordings, or raw Binance captures of one instrument in time order
//! (imported in memory first, as `flashmm import binance` would). Each recording is one
//! segment; the raw captures together are one. The first market seen is calibrated. The
//! estimator is `flashmm_sim::flow::FlowCalibrator`; the TOML it writes is what
//! `sim-venue --flow MARKET=PATH` loads.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use flashmm_core::market::MarketId;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, RecordingError, RecordingReader};
use flashmm_sim::flow::{Calibration, FlowCalibrator, FlowParams, DEFAULT_WINDOW_TICKS};
use rust_decimal::Decimal;

/// Arguments of `flashmm calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Recordings or raw Binance captures (`<recv ns> <JSON>` lines, gzip or plain).
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// The TOML of flow parameters to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Market to calibrate; by default the first one in the data.
    #[arg(long)]
    pub market: Option<MarketId>,
    /// Tick size for raw captures; by default the smallest price increment in the data.
    #[arg(long)]
    pub tick: Option<Decimal>,
    /// Lot size for raw captures; by default the smallest size increment in the data.
    #[arg(long)]
    pub lot: Option<Decimal>,
    /// Half-width in ticks of the window around the mid whose levels are counted.
    #[arg(long, default_value_t = DEFAULT_WINDOW_TICKS)]
    pub window_ticks: i64,
    /// Read at most this many lines of raw captures.
    #[arg(long)]
    pub max_lines: Option<u64>,
    /// Probability lean of market orders towards the latent price (not observable in public
    /// data).
    #[arg(long, default_value_t = FlowParams::default().informed)]
    pub informed: f64,
}

/// Runs `flashmm calibrate`.
pub fn run(args: CalibrateArgs) -> anyhow::Result<()> {
    let calibration = calibrate(&args)?;
    let text = render(&calibration, &args)?;
    fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
    let s = &calibration.stats;
    println!(
        "{:.1} s, {} records: {} limit arrivals, {} market orders ({} trades), {} lots cancelled, {} return intervals (R² {:.3})",
        s.seconds, s.records, s.limit_arrivals, s.market_orders, s.trades, s.cancelled_lots,
        s.return_intervals, s.r_squared
    );
    println!("wrote {}", args.out.display());
    Ok(())
}

/// The calibration of `args.data`.
pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<Calibration> {
    let mut recordings = Vec::new();
    let mut raw = Vec::new();
    for path in &args.data {
        if is_recording(path)? {
            recordings.push(path.clone());
        } else {
            raw.push(path.clone());
        }
    }
    let mut calibrator: Option<FlowCalibrator> = None;
    for path in &recordings {
        let reader =
            RecordingReader::open(path).with_context(|| format!("reading {}", path.display()))?;
        feed(&mut calibrator, reader, args, path)?;
    }
    if !raw.is_empty() {
        let config = BinanceImportConfig {
            tick_size: args.tick,
            lot_size: args.lot,
            market: None,
            max_lines: args.max_lines,
            compression: Compression::None,
        };
        let mut buffer = Vec::new();
        import_binance(&raw, &mut buffer, &config).context("importing the raw captures")?;
        let reader = RecordingReader::new(buffer.as_slice()).context("reading the import")?;
        feed(&mut calibrator, reader, args, &raw[0])?;
    }
    let Some(calibrator) = calibrator else {
        bail!("no market in the data");
    };
    let base = FlowParams {
        informed: args.informed,
        ..FlowParams::default()
    };
    calibrator
        .finish(&base)
        .with_context(|| format!("calibrating {}", base_market(&args.market)))
}

fn base_market(market: &Option<MarketId>) -> String {
    market
        .as_ref()
        .map_or_else(|| "the first market".to_owned(), |m| m.to_string())
}

/// Whether `path` starts like a recording (plain or gzip).
fn is_recording(path: &Path) -> anyhow::Result<bool> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    match RecordingReader::new(file) {
        Ok(_) => Ok(true),
        Err(RecordingError::BadMagic | RecordingError::Truncated { .. }) => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn feed<R: Read>(
    calibrator: &mut Option<FlowCalibrator>,
    mut reader: RecordingReader<R>,
    args: &CalibrateArgs,
    path: &Path,
) -> anyhow::Result<()> {
    let market = args.market.as_ref();
    if calibrator.is_none() {
        let spec = match market {
            Some(m) => reader.header().market(m.as_str()),
            None => reader.header().markets.first(),
        };
        let Some(spec) = spec else {
            bail!(
                "{}: no market {} in the header",
                path.display(),
                base_market(&market.cloned())
            );
        };
        *calibrator = Some(FlowCalibrator::with_window(spec.clone(), args.window_ticks));
    }
    let Some(c) = calibrator.as_mut() else {
        return Ok(());
    };
    c.new_segment();
    for record in &mut reader {
        let record = record.with_context(|| format!("reading {}", path.display()))?;
        c.observe(&record);
    }
    Ok(())
}

/// The TOML text: a comment with the source and the counts, then the parameters.
fn render(calibration: &Calibration, args: &CalibrateArgs) -> anyhow::Result<String> {
    let s = &calibration.stats;
    let files: Vec<String> = args
        .data
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut text = format!(
        "# Background flow parameters calibrated by `flashmm calibrate` on {}.\n\
         # {:.1} s of data, {} records: {} limit arrivals, {} market orders ({} trades),\n\
         # {} lots cancelled; price regression over {} one-second returns, R² {:.3}.\n\
         # Levels within {} ticks of the mid counted. Rates per second, sizes in base units,\n\
         # distances in ticks of the source market.\n",
        files.join(" "),
        s.seconds,
        s.records,
        s.limit_arrivals,
        s.market_orders,
        s.trades,
        s.cancelled_lots,
        s.return_intervals,
        s.r_squared,
        args.window_ticks
    );
    text.push_str(&toml::to_string(&calibration.params).context("encoding the parameters")?);
    Ok(text)
}
