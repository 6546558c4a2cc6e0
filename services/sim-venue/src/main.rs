//! `sim-venue`: The local exchange simulator.
//!
//! Run alone: `cargo run -p sim-venue -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

/// Command line of `sim-venue`.
#[derive(Debug, Parser)]
#[command(name = "sim-venue", version, about = "The local exchange simulator.")]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("sim-venue", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "sim-venue", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "sim-venue", "stopped");
    Ok(())
}
