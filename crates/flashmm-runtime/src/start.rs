//! The start every service makes: configuration, logs, `/metrics`.

use flashmm_core::config::Config;

use crate::{init_logging, load_config, serve_metrics, RuntimeError, ServiceArgs};

/// Starts a service: loads the configuration, and unless `--check` was given, sets up logging
/// and `/metrics`. Returns `None` after a successful `--check` (the caller exits 0).
pub fn start(service: &str, args: &ServiceArgs) -> Result<Option<Config>, RuntimeError> {
    let config = load_config(&args.config)?;
    if args.check {
        println!(
            "{service}: configuration {} is valid",
            args.config.display()
        );
        return Ok(None);
    }
    init_logging(&config.log_level);
    let port = config
        .service(service)
        .map_err(|error| RuntimeError::Config {
            path: args.config.clone(),
            error,
        })?
        .metrics_port;
    serve_metrics(port)?;
    tracing::info!(service, metrics_port = port, namespace = %config.namespace, "starting");
    Ok(Some(config))
}
