//! `inference`: runs the ONNX model on `feat:{mkt}` and publishes `pred:{mkt}`.
//!
//! Reads: `{ns}:feat:{mkt}` (group `inference`, `FeatureVector`), `{ns}:md:{mkt}` (group
//! `inference-drift`, `MarketEvent`, for the drift monitor; read every 200 ms, not per entry),
//! the model files (`model.path` of the configuration, `models/model.json`, and the ONNX file
//! it names, polled for changes).
//! Writes: `{ns}:pred:{mkt}` (`Prediction`, carrying the vector's origin_ts), refused vectors
//! to `{ns}:dlq`, `{ns}:state:model` (health flag, model id, live hit rate), heartbeat.
//!
//! Run alone: `cargo run -p inference -- --config config/flashmm.toml` after `scripts/setup`
//! (`--check` validates the configuration and exits; `--model` or `FLASHMM_MODEL` picks another
//! `model.json` than the configuration's `model.path`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use flashmm_core::market::MarketId;
use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::FeatureSchema;
use flashmm_runtime::{self as runtime, ServiceArgs};
use inference::monitor::{self, DriftLink, MonitorConfig};
use inference::worker::{self, WorkerConfig};
use tokio::sync::{mpsc, watch};

/// Command line of `inference`.
#[derive(Debug, Parser)]
#[command(
    name = "inference",
    version,
    about = "Runs the ONNX model on feat:{mkt} and publishes pred:{mkt}."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// The model's metadata file (the ONNX file it names lies next to it); default: the
    /// configuration's `model.path`.
    #[arg(long, env = "FLASHMM_MODEL")]
    model: Option<PathBuf>,
    /// How often the model files are polled for changes (and a missing model retried), ms.
    #[arg(long, default_value_t = 1000)]
    reload_poll_ms: u64,
    /// Non-flat outcomes in the drift monitor's rolling hit-rate window.
    #[arg(long, default_value_t = flashmm_core::signal::drift::DEFAULT_HIT_RATE_WINDOW)]
    hit_rate_window: usize,
}

fn main() -> anyhow::Result<()> {
    runtime::run_on_one_worker(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("inference", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = flashmm_bus::connect_bus(&config).await?;
    let _heartbeat = flashmm_bus::spawn_heartbeat(
        bus.clone(),
        namespace.clone(),
        "inference",
        Duration::from_secs(1),
    );
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| PathBuf::from(&config.model.path));
    tracing::info!(model = %model_path.display(), "model path");
    let schema = FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES);
    let maxlen = usize::try_from(config.redis.stream_maxlen).ok();
    let poll = Duration::from_millis(args.reload_poll_ms.max(10));
    let (stop, shutdown) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for market in &config.markets {
        let market = MarketId::new(&market.symbol)
            .with_context(|| format!("market symbol {}", market.symbol))?;
        let name = format!("inference-{}", market.stream_key());
        let (tx, rx) = mpsc::channel(65_536);
        let (shift_tx, shift_rx) = watch::channel(0.0);
        tasks.spawn(worker::run(
            bus.clone(),
            namespace.clone(),
            WorkerConfig {
                market: market.clone(),
                model_path: model_path.clone(),
                schema,
                poll,
                maxlen,
                consumer_name: name.clone(),
            },
            Some(DriftLink {
                tx: tx.clone(),
                flat_shift: shift_rx,
            }),
            shutdown.clone(),
        ));
        tasks.spawn(monitor::read_mids(
            bus.clone(),
            namespace.clone(),
            market.clone(),
            name.clone(),
            tx,
            shutdown.clone(),
        ));
        tasks.spawn(monitor::run(
            bus.clone(),
            namespace.clone(),
            MonitorConfig {
                market,
                window: args.hit_rate_window,
                publish_every: Duration::from_secs(1),
                consumer_name: name,
                flat_rate: config.model.flat_rate(),
            },
            rx,
            shift_tx,
            shutdown.clone(),
        ));
    }
    tokio::select! {
        _ = runtime::shutdown_signal() => {}
        Some(done) = tasks.join_next() => {
            // A task only ends early when its streams cannot be set up.
            done.context("inference task panicked")?.context("inference task failed")?;
        }
    }
    let _ = stop.send(true);
    while let Some(done) = tasks.join_next().await {
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "task ended with an error");
        }
    }
    tracing::info!(service = "inference", "stopped");
    Ok(())
}
