//! The command line every service shares.

use std::path::PathBuf;

/// Command-line arguments shared by every service binary (flatten them into its own).
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// Configuration file; environment variables override its keys.
    #[arg(long, env = "FLASHMM_CONFIG", default_value = "config/flashmm.toml")]
    pub config: PathBuf,
    /// Validate the configuration, print a one-line verdict and exit.
    #[arg(long)]
    pub check: bool,
}
