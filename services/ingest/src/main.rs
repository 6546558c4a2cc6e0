//! `ingest`: Streams the venue's order books and trades into md:{mkt}.
//!
//! Run alone: `cargo run -p ingest -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

/// Command line of `ingest`.
#[derive(Debug, Parser)]
#[command(
    name = "ingest",
    version,
    about = "Streams the venue's order books and trades into md:{mkt}."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("ingest", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "ingest", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "ingest", "stopped");
    Ok(())
}
