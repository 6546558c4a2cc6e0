//! Why a keystore could not be read, written or opened.

use std::path::PathBuf;
use thiserror::Error;

/// Why a keystore operation failed. No variant carries key material or the passphrase.
#[derive(Debug, Error)]
pub enum KeystoreError {
    /// The keystore file could not be read or written.
    #[error("keystore {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A new keystore would overwrite an existing file.
    #[error("keystore {0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    /// The file is not a keystore: bad JSON, a missing field, bad hex or a wrong length.
    #[error("malformed keystore: {0}")]
    Malformed(String),
    /// The file's format version is not one this build reads.
    #[error("unsupported keystore version {0} (this build reads version {current})", current = super::KEYSTORE_VERSION)]
    UnsupportedVersion(u64),
    /// The file names a key-derivation function or cipher this build does not implement.
    #[error("unsupported keystore algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The passphrase does not open the keystore (or its key-derivation fields were altered).
    #[error("wrong passphrase for the keystore (or its kdf fields were altered)")]
    WrongPassphrase,
    /// The passphrase is right but the ciphertext, nonce or key id was altered.
    #[error("keystore was tampered with: the ciphertext or key id does not authenticate")]
    Tampered,
    /// No passphrase was given: neither `ENCRYPTION_KEY` nor `ENCRYPTION_KEY_FILE` is set.
    #[error(
        "no keystore passphrase: set {} or {}",
        super::PASSPHRASE_ENV,
        super::PASSPHRASE_FILE_ENV
    )]
    NoPassphrase,
    /// The passphrase given is empty.
    #[error("the keystore passphrase is empty")]
    EmptyPassphrase,
    /// A secret key to import is not 32 bytes of hex of a valid secp256k1 scalar.
    #[error("the secret key is not 64 hex digits of a valid secp256k1 key")]
    InvalidKey,
    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed")]
    Random,
}
