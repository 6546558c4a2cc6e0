//! The passphrase a keystore is encrypted under.

use std::path::Path;
use zeroize::Zeroizing;

use super::KeystoreError;

/// Environment variable holding the keystore passphrase.
pub const PASSPHRASE_ENV: &str = "ENCRYPTION_KEY";
/// Environment variable naming a file whose content is the keystore passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "ENCRYPTION_KEY_FILE";

/// A non-empty passphrase, wiped from memory when dropped. `Debug` never shows it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(***)")
    }
}

impl Passphrase {
    /// Wraps a passphrase; refuses an empty one.
    pub fn new(value: impl Into<String>) -> Result<Self, KeystoreError> {
        let value = Zeroizing::new(value.into());
        if value.is_empty() {
            return Err(KeystoreError::EmptyPassphrase);
        }
        Ok(Passphrase(value))
    }

    /// Reads the passphrase of a file: its content without a trailing line break.
    pub fn from_file(path: &Path) -> Result<Self, KeystoreError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeystoreError::Io {
                    path: path.to_path_buf(),
                    source,
                })?,
            );
        Self::new(text.trim_end_matches(['\r', '\n']))
    }

    /// The passphrase from the environment (looked up through `env`): `ENCRYPTION_KEY` itself,
    /// else the content of the file named by `ENCRYPTION_KEY_FILE`. An empty variable counts as
    /// unset.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, KeystoreError> {
        if let Some(value) = env(PASSPHRASE_ENV).filter(|v| !v.is_empty()) {
            return Self::new(value);
        }
        match env(PASSPHRASE_FILE_ENV) {
            Some(path) if !path.is_empty() => Self::from_file(Path::new(&path)),
            _ => Err(KeystoreError::NoPassphrase),
        }
    }

    /// The passphrase's bytes, for the key derivation.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}
