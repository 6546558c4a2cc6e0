//! `flashmm config ...`

use std::path::Path;

use clap::Subcommand;
use flashmm_runtime::load_config;

/// `flashmm config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration (file + environment) and print the effective values with
    /// secrets redacted.
    Check,
}

/// Runs a `config` subcommand.
pub fn run(path: &Path, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check => {
            let config = load_config(path)?;
            print!("{}", toml::to_string(&config)?);
            eprintln!("{}: valid", path.display());
            Ok(())
        }
    }
}
