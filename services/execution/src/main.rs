//! `execution`: Quotes from md:{mkt} and pred:{mkt}, through the risk manager, to the venue.
//!
//! Run alone: `cargo run -p execution -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

/// Command line of `execution`.
#[derive(Debug, Parser)]
#[command(
    name = "execution",
    version,
    about = "Quotes from md:{mkt} and pred:{mkt}, through the risk manager, to the venue."
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("execution", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "execution", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "execution", "stopped");
    Ok(())
}
