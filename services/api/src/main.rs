//! `api`: HTTP API, live dashboard and admin commands.
//!
//! Run alone: `cargo run -p api -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

/// Command line of `api`.
#[derive(Debug, Parser)]
#[command(
    name = "api",
    version,
    about = "HTTP API, live dashboard and admin commands."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("api", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "api", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "api", "stopped");
    Ok(())
}
