//! `feature`: turns `md:{mkt}` into feature vectors on `feat:{mkt}`.
//!
//! Reads: `{ns}:md:{mkt}` through the consumer group `feature` (book snapshots, deltas,
//! trades), for every configured market.
//! Writes: `{ns}:feat:{mkt}` — `features` entries computed by `flashmm-features` after book
//! events, at most `features.max_rate_hz` per market, carrying the md entry's `origin_ts`;
//! its heartbeat to `{ns}:heartbeat`.
//!
//! Entries are acked after the vectors they caused are published, so a restarted instance
//! (same `--instance`) takes over what it left pending. Its book resumes at the next snapshot
//! (ingest publishes one every second and after every resync).
//!
//! Run alone: `cargo run -p feature -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

mod pipeline;

use std::time::Duration;

use clap::Parser;
use flashmm_runtime::{self as runtime, ServiceArgs};

/// Command line of `feature`.
#[derive(Debug, Parser)]
#[command(
    name = "feature",
    version,
    about = "Turns md:{mkt} into feature vectors on feat:{mkt}."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// This instance's consumer name in the `feature` group; keep it across restarts.
    #[arg(long, default_value = "feature-0")]
    instance: String,
}

fn main() -> anyhow::Result<()> {
    runtime::run_on_one_worker(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("feature", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = flashmm_bus::connect_bus(&config).await?;
    let _heartbeat = flashmm_bus::spawn_heartbeat(
        bus.clone(),
        namespace.clone(),
        "feature",
        Duration::from_secs(1),
    );
    let maxlen = usize::try_from(config.redis.stream_maxlen).unwrap_or(usize::MAX);
    let mut tasks = tokio::task::JoinSet::new();
    for spec in config.market_specs()? {
        tasks.spawn(pipeline::run(
            bus.clone(),
            namespace.clone(),
            spec.id().clone(),
            args.instance.clone(),
            config.features.max_rate_hz,
            maxlen,
        ));
    }
    tokio::select! {
        _ = runtime::shutdown_signal() => {}
        Some(done) = tasks.join_next() => {
            match done {
                Ok(Err(e)) => return Err(e),
                Err(e) => anyhow::bail!("a market pipeline panicked: {e}"),
                Ok(Ok(())) => {}
            }
        }
    }
    tracing::info!(service = "feature", "stopped");
    Ok(())
}
