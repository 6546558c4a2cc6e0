//! `inference`: Runs the ONNX model on feat:{mkt} and publishes pred:{mkt}.
//!
//! Run alone: `cargo run -p inference -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

/// Command line of `inference`.
#[derive(Debug, Parser)]
#[command(name = "inference", version, about = "Runs the ONNX model on feat:{mkt} and publishes pred:{mkt}.")]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(_config) = runtime::start("inference", &args.service)? else {
        return Ok(());
    };
    runtime::shutdown_signal().await;
    tracing::info!(service = "inference", "stopped");
    Ok(())
}
