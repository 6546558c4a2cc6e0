//! `flashmm config ...`

use std::path::Path;

use clap::Subcommand;
use flashmm_runtime::load_config;

/// `flashmm config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration (file + environment) and print the effective values with
    /// secrets redacted, then each market's fees on the venue in use.
    Check,
}

/// Runs a `config` subcommand.
pub fn run(path: &Path, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check => {
            let config = load_config(path)?;
            print!("{}", toml::to_string(&config)?);
            println!();
            println!("# fees on {} (maker, taker):", config.venue.kind.as_str());
            for spec in config.market_specs()? {
                println!(
                    "#   {}: {}, {}",
                    spec.id(),
                    spec.maker_fee_rate(),
                    spec.taker_fee_rate()
                );
            }
            eprintln!("{}: valid", path.display());
            Ok(())
        }
    }
}
