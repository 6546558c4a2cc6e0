//! Where the trading key comes from: one function, so the encrypted keystore can replace it.

use anyhow::{bail, Context};
use flashmm_core::config::Config;
use flashmm_venue::signing::Signer;
use std::path::Path;

/// The trading key: `TRADING_PRIVATE_KEY` (`venue.private_key`) when set, else the hex secret
/// in `key_file`. Nonces start at the current UTC ns so a restart stays above the old ones.
pub fn load_signer(config: &Config, key_file: Option<&Path>) -> anyhow::Result<Signer> {
    let first_nonce = u64::try_from(flashmm_bus::runtime::now().as_i64()).unwrap_or(0);
    if !config.venue.private_key.is_empty() {
        return Signer::from_hex(config.venue.private_key.expose(), first_nonce)
            .map_err(|e| anyhow::anyhow!("TRADING_PRIVATE_KEY: {e}"));
    }
    let Some(path) = key_file else {
        bail!("no trading key: set TRADING_PRIVATE_KEY or --key-file");
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    Signer::from_hex(text.trim(), first_nonce)
        .map_err(|e| anyhow::anyhow!("key file {}: {e}", path.display()))
}
