//! `flashmm keys ...`: the encrypted keystore of the trading key.
//!
//! The passphrase comes from `ENCRYPTION_KEY`, or from the file named by `ENCRYPTION_KEY_FILE`;
//! it is never prompted for nor echoed. A secret key to import is read from standard input or
//! a file, never from the command line (which other users see in `ps`). No subcommand prints
//! the secret key.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use flashmm_runtime::load_config;
use flashmm_venue::signing::keystore::{KdfParams, Keystore, Passphrase};
use zeroize::Zeroizing;

/// `flashmm keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a new trading key into a new keystore file and print its key id.
    New(KeyFileArgs),
    /// Encrypt an existing hex secret key (read from stdin, or --secret-file) into a new
    /// keystore file and print its key id.
    Import {
        #[command(flatten)]
        file: KeyFileArgs,
        /// Read the hex secret key from this file instead of standard input.
        #[arg(long)]
        secret_file: Option<PathBuf>,
    },
    /// Print the key id (the compressed public key, hex) of a keystore, or with `--evm` the
    /// EVM address Hyperliquid knows it by (the API wallet to approve); needs no passphrase.
    Address {
        #[command(flatten)]
        file: KeyFileArgs,
        /// Print the EVM address (`0x…`, keccak of the public key) instead of the key id.
        #[arg(long)]
        evm: bool,
    },
    /// Open a keystore with the passphrase and check it holds the key it names.
    Verify(KeyFileArgs),
}

/// Which keystore file a subcommand works on.
#[derive(Debug, Args)]
pub struct KeyFileArgs {
    /// The keystore file; defaults to the configuration's `venue.key_file` (`TRADING_KEY_FILE`).
    #[arg(long)]
    file: Option<PathBuf>,
}

impl KeyFileArgs {
    fn resolve(&self, config: &Path) -> anyhow::Result<PathBuf> {
        if let Some(file) = &self.file {
            return Ok(file.clone());
        }
        let config = load_config(config)?;
        anyhow::ensure!(
            !config.venue.key_file.is_empty(),
            "no keystore file: pass --file or set venue.key_file (TRADING_KEY_FILE)"
        );
        Ok(PathBuf::from(config.venue.key_file))
    }
}

fn passphrase() -> anyhow::Result<Passphrase> {
    Ok(Passphrase::from_env(|k| std::env::var(k).ok())?)
}

fn read_secret(secret_file: Option<&Path>) -> anyhow::Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    match secret_file {
        Some(path) => {
            *text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read secret key file {}", path.display()))?;
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the secret key from standard input")?;
        }
    }
    Ok(text)
}

/// Runs a `keys` subcommand.
pub fn run(config: &Path, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::New(file) => {
            let path = file.resolve(config)?;
            let keystore = Keystore::generate(&passphrase()?, KdfParams::RECOMMENDED)?;
            keystore.write_new(&path)?;
            println!("{}", keystore.key_id());
            eprintln!("new key written to {}", path.display());
        }
        KeysCommand::Import { file, secret_file } => {
            let path = file.resolve(config)?;
            let passphrase = passphrase()?;
            let secret = read_secret(secret_file.as_deref())?;
            let keystore = Keystore::import_hex(&secret, &passphrase, KdfParams::RECOMMENDED)?;
            keystore.write_new(&path)?;
            println!("{}", keystore.key_id());
            eprintln!("key imported into {}", path.display());
        }
        KeysCommand::Address { file, evm } => {
            let path = file.resolve(config)?;
            let key_id = Keystore::read(&path)?.key_id().to_owned();
            if evm {
                let public = flashmm_venue::signing::parse_public_key(&key_id)?;
                println!("{}", flashmm_hyperliquid::Address::from_public_key(&public));
            } else {
                println!("{key_id}");
            }
        }
        KeysCommand::Verify(file) => {
            let path = file.resolve(config)?;
            let keystore = Keystore::read(&path)?;
            let signer = keystore.signer(&passphrase()?, 0)?;
            println!("{}", signer.key_id());
            eprintln!("{}: the passphrase opens the key it names", path.display());
        }
    }
    Ok(())
}
