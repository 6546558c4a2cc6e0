//! `feature`: Turns md:{mkt} into feature vectors on feat:{mkt}.
//!
//! Run alone: `cargo run -p feature -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::time::Duration;

use clap::Parser;
use flashmm_bus::runtime::{self, ServiceArgs};

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(config) = runtime::start("feature", &args.service)? else {
        return Ok(());
    };
    let (bus, namespace) = runtime::connect_bus(&config).await?;
    let _heartbeat = runtime::spawn_heartbeat(bus, namespace, "feature", Duration::from_secs(1));
    runtime::shutdown_signal().await;
    tracing::info!(service = "feature", "stopped");
    Ok(())
}
