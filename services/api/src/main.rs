//! `api`: HTTP API, live dashboard and admin commands (see `services/api/README.md`).
//!
//! Reads `{ns}:state:*`, `{ns}:pred:{mkt}`, `{ns}:fills:{mkt}`, `{ns}:risk`, `{ns}:audit`;
//! writes `{ns}:cmd:exec` (operator commands) and `{ns}:audit`.
//!
//! Run alone: `cargo run -p api -- --config config/flashmm.toml` (`--check` validates the
//! configuration and exits).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use flashmm_runtime::{self as runtime, ServiceArgs};

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
    let config = runtime::load_config(&args.service.config)?;
    // A weak SECRET_KEY stops the start (and `--check`) before anything listens.
    flashmm_api::state::authenticator(&config.api).context("cannot start the API")?;
    if args.service.check {
        println!(
            "api: configuration {} is valid",
            args.service.config.display()
        );
        return Ok(());
    }
    runtime::init_logging(&config.log_level);
    let port = config.service("api")?.metrics_port;
    let metrics = flashmm_api::telemetry::install(port)?;
    flashmm_runtime::process::spawn_sampler(Duration::from_secs(1));
    let influx = flashmm_api::influx::install(&config.influxdb);
    let (bus, namespace) = flashmm_bus::connect_bus(&config).await?;
    let _heartbeat = flashmm_bus::spawn_heartbeat(
        bus.clone(),
        namespace.clone(),
        "api",
        Duration::from_secs(1),
    );
    let social =
        flashmm_api::social::task::spawn(&config, Arc::new(bus.clone()), namespace.clone())?;
    let listener = tokio::net::TcpListener::bind(&config.api.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.api.bind))?;
    tracing::info!(
        service = "api",
        bind = %config.api.bind,
        metrics_port = port,
        namespace = %namespace,
        jwt = !config.api.secret_key.is_empty(),
        static_admin_token = !config.api.admin_token.is_empty(),
        cors_origins = config.api.cors_origins.len(),
        influx,
        "listening"
    );
    if config.api.secret_key.is_empty() && config.api.admin_token.is_empty() {
        tracing::warn!("neither SECRET_KEY nor API_ADMIN_TOKEN is set: every token is refused");
    }
    flashmm_api::server::serve(
        listener,
        &config,
        Arc::new(bus),
        namespace,
        metrics,
        runtime::shutdown_signal(),
    )
    .await?;
    social.abort();
    tracing::info!(service = "api", "stopped");
    Ok(())
}
