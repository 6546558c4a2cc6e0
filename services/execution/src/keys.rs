//! Where the trading key comes from. Only this service loads it.
//!
//! The key lives in an encrypted keystore (`flashmm keys new|import`): `--key-file` or
//! `venue.key_file` (`TRADING_KEY_FILE`), opened with the passphrase in `ENCRYPTION_KEY` or in
//! the file named by `ENCRYPTION_KEY_FILE`. `TRADING_PRIVATE_KEY` (hex, in the environment,
//! never on disk) takes precedence when set, for tests and throwaway simulator accounts.

use anyhow::Context;
use flashmm_core::config::Config;
use flashmm_venue::signing::keystore::{load_signer as open_keystore, Passphrase};
use flashmm_venue::signing::Signer;
use std::path::Path;

/// The trading key as a [`Signer`]. Nonces start at the current UTC ns so a restart stays
/// above the nonces it used before.
pub fn load_signer(config: &Config, key_file: Option<&Path>) -> anyhow::Result<Signer> {
    let first_nonce = u64::try_from(flashmm_runtime::now().as_i64()).unwrap_or(0);
    if !config.venue.private_key.is_empty() {
        tracing::warn!("trading key taken from TRADING_PRIVATE_KEY; prefer the encrypted keystore");
        return Signer::from_hex(config.venue.private_key.expose(), first_nonce)
            .map_err(|e| anyhow::anyhow!("TRADING_PRIVATE_KEY: {e}"));
    }
    let path = key_file.unwrap_or_else(|| Path::new(&config.venue.key_file));
    let passphrase = Passphrase::from_env(|name| std::env::var(name).ok())
        .context("the keystore passphrase (ENCRYPTION_KEY or ENCRYPTION_KEY_FILE)")?;
    let signer = open_keystore(path, &passphrase, first_nonce)
        .with_context(|| format!("keystore {}", path.display()))?;
    tracing::info!(keystore = %path.display(), "trading key loaded from the keystore");
    Ok(signer)
}
