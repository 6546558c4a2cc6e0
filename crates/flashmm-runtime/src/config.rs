//! The configuration file, read and validated with the process environment.

use std::path::Path;

use flashmm_core::config::Config;

use crate::RuntimeError;

/// Reads and validates the configuration at `path` with the process environment.
pub fn load_config(path: &Path) -> Result<Config, RuntimeError> {
    let text = std::fs::read_to_string(path).map_err(|error| RuntimeError::ReadConfig {
        path: path.to_path_buf(),
        error,
    })?;
    Config::from_toml(&text, |key| std::env::var(key).ok()).map_err(|error| RuntimeError::Config {
        path: path.to_path_buf(),
        error,
    })
}
