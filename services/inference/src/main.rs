//! `inference`: Runs the ONNX model on feat:{mkt} and publishes pred:{mkt}.
//!
//! Run alone: `cargo run -p inference -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("inference", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "inference", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "inference", "stopped");
    Ok(())
}
