//! The encrypted keystore file of the trading key.
//!
//! The secp256k1 secret never touches the disk in plain text. A keystore is a versioned JSON
//! file:
//!
//! ```json
//! {
//!   "version": 1,
//!   "key_id": "02…",                       // hex compressed public key (the address)
//!   "kdf": { "name": "scrypt", "log_n": 17, "r": 8, "p": 1, "salt": "…32 bytes hex…" },
//!   "check": "…32 bytes hex…",
//!   "cipher": { "name": "aes-256-gcm", "nonce": "…12 bytes hex…", "ciphertext": "…48 bytes hex…" }
//! }
//! ```
//!
//! scrypt turns the passphrase and salt into 64 bytes: the first 32 are the AES-256-GCM key,
//! the SHA-256 of the last 32 is `check`. Opening a keystore derives them again: a `check`
//! that differs means a wrong passphrase ([`KeystoreError::WrongPassphrase`]); a ciphertext
//! that does not authenticate (the version, key id and kdf fields are its associated data)
//! means the file was altered ([`KeystoreError::Tampered`]). Derived keys, plaintexts and
//! passphrases are wiped from memory when dropped.
//!
//! [`load_signer`] is what a service calls: path and passphrase in, a [`Signer`] out.

mod error;
mod passphrase;

pub use error::KeystoreError;
pub use passphrase::{Passphrase, PASSPHRASE_ENV, PASSPHRASE_FILE_ENV};

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{key_id, parse_public_key, Signer};

/// The keystore format version this build writes and reads.
pub const KEYSTORE_VERSION: u64 = 1;

const KDF_NAME: &str = "scrypt";
const CIPHER_NAME: &str = "aes-256-gcm";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const SECRET_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// scrypt cost parameters. Opening a file refuses parameters outside sane bounds, so an altered
/// file cannot make the loader spend minutes or gigabytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// log2 of the CPU/memory cost N.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
}

impl KdfParams {
    /// scrypt's recommended cost (N = 2^17, r = 8, p = 1: 128 MiB, about 0.3 s).
    pub const RECOMMENDED: KdfParams = KdfParams {
        log_n: 17,
        r: 8,
        p: 1,
    };

    fn scrypt(&self) -> Result<scrypt::Params, KeystoreError> {
        let in_bounds = (10..=20).contains(&self.log_n)
            && (1..=16).contains(&self.r)
            && (1..=4).contains(&self.p);
        if !in_bounds {
            return Err(KeystoreError::Malformed(format!(
                "scrypt parameters log_n={} r={} p={} are out of bounds",
                self.log_n, self.r, self.p
            )));
        }
        scrypt::Params::new(self.log_n, self.r, self.p)
            .map_err(|e| KeystoreError::Malformed(format!("scrypt parameters: {e}")))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::RECOMMENDED
    }
}

/// The file's JSON shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeystoreFile {
    version: u64,
    key_id: String,
    kdf: KdfFile,
    check: String,
    cipher: CipherFile,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfFile {
    name: String,
    log_n: u8,
    r: u32,
    p: u32,
    salt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CipherFile {
    name: String,
    nonce: String,
    ciphertext: String,
}

/// A parsed, still encrypted keystore. Holds no secret: the key id is public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keystore {
    key_id: String,
    params: KdfParams,
    salt: [u8; SALT_LEN],
    check: [u8; 32],
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

/// The 64 bytes scrypt derives: the cipher key, then the passphrase check.
struct Derived(Zeroizing<[u8; 64]>);

impl Derived {
    fn new(passphrase: &Passphrase, salt: &[u8], params: KdfParams) -> Result<Self, KeystoreError> {
        let mut out = Zeroizing::new([0u8; 64]);
        scrypt::scrypt(passphrase.as_bytes(), salt, &params.scrypt()?, out.as_mut())
            .map_err(|e| KeystoreError::Malformed(format!("scrypt: {e}")))?;
        Ok(Derived(out))
    }

    fn cipher(&self) -> Result<Aes256Gcm, KeystoreError> {
        Aes256Gcm::new_from_slice(&self.0[..32])
            .map_err(|_| KeystoreError::Malformed("cipher key length".to_owned()))
    }

    fn check(&self) -> [u8; 32] {
        Sha256::digest(&self.0[32..]).into()
    }
}

fn random<const N: usize>() -> Result<[u8; N], KeystoreError> {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| KeystoreError::Random)?;
    Ok(bytes)
}

fn hex_field<const N: usize>(field: &str, value: &str) -> Result<[u8; N], KeystoreError> {
    let bytes = hex::decode(value)
        .map_err(|e| KeystoreError::Malformed(format!("{field} is not hex: {e}")))?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| KeystoreError::Malformed(format!("{field} has {len} bytes, expected {N}")))
}

/// Constant-time equality of two digests.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Keystore {
    /// Encrypts a 32-byte secret key under `passphrase`; refuses a key that is not a valid
    /// secp256k1 scalar.
    pub fn encrypt(
        secret: &[u8; SECRET_LEN],
        passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<Self, KeystoreError> {
        let signer =
            Signer::from_secret_bytes(*secret, 0).map_err(|_| KeystoreError::InvalidKey)?;
        let mut keystore = Keystore {
            key_id: key_id(&signer.public_key()),
            params,
            salt: random()?,
            check: [0; 32],
            nonce: random()?,
            ciphertext: Vec::new(),
        };
        let derived = Derived::new(passphrase, &keystore.salt, params)?;
        keystore.check = derived.check();
        let aad = keystore.associated_data();
        keystore.ciphertext = derived
            .cipher()?
            .encrypt(
                &keystore.nonce.into(),
                Payload {
                    msg: secret,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| KeystoreError::Malformed("encryption failed".to_owned()))?;
        Ok(keystore)
    }

    /// A keystore of a fresh random key from the operating system's generator.
    pub fn generate(passphrase: &Passphrase, params: KdfParams) -> Result<Self, KeystoreError> {
        loop {
            let secret = Zeroizing::new(random::<SECRET_LEN>()?);
            match Self::encrypt(&secret, passphrase, params) {
                // Out-of-range scalars are astronomically rare; draw again.
                Err(KeystoreError::InvalidKey) => continue,
                other => return other,
            }
        }
    }

    /// A keystore of a hex secret key (64 hex digits, an optional `0x` prefix).
    pub fn import_hex(
        secret_hex: &str,
        passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<Self, KeystoreError> {
        let trimmed = secret_hex.trim();
        let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
        let bytes = Zeroizing::new(hex::decode(digits).map_err(|_| KeystoreError::InvalidKey)?);
        let secret: Zeroizing<[u8; SECRET_LEN]> = Zeroizing::new(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeystoreError::InvalidKey)?,
        );
        Self::encrypt(&secret, passphrase, params)
    }

    /// The key id (hex compressed public key): the address the venue knows the key by.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The scrypt parameters of the file.
    pub fn params(&self) -> KdfParams {
        self.params
    }

    /// Decrypts the secret key.
    pub fn decrypt(
        &self,
        passphrase: &Passphrase,
    ) -> Result<Zeroizing<[u8; SECRET_LEN]>, KeystoreError> {
        let derived = Derived::new(passphrase, &self.salt, self.params)?;
        if !same(&derived.check(), &self.check) {
            return Err(KeystoreError::WrongPassphrase);
        }
        let aad = self.associated_data();
        let plain = Zeroizing::new(
            derived
                .cipher()?
                .decrypt(
                    &self.nonce.into(),
                    Payload {
                        msg: &self.ciphertext,
                        aad: aad.as_bytes(),
                    },
                )
                .map_err(|_| KeystoreError::Tampered)?,
        );
        let secret: Zeroizing<[u8; SECRET_LEN]> = Zeroizing::new(
            plain
                .as_slice()
                .try_into()
                .map_err(|_| KeystoreError::Tampered)?,
        );
        Ok(secret)
    }

    /// Decrypts the key into a [`Signer`] whose nonces start at `first_nonce`, and checks that
    /// it is the key the file names.
    pub fn signer(
        &self,
        passphrase: &Passphrase,
        first_nonce: u64,
    ) -> Result<Signer, KeystoreError> {
        let secret = self.decrypt(passphrase)?;
        let signer =
            Signer::from_secret_bytes(*secret, first_nonce).map_err(|_| KeystoreError::Tampered)?;
        if signer.key_id() != self.key_id {
            return Err(KeystoreError::Tampered);
        }
        Ok(signer)
    }

    /// What the cipher authenticates besides the ciphertext.
    fn associated_data(&self) -> String {
        format!(
            "flashmm-keystore\n{KEYSTORE_VERSION}\n{}\n{KDF_NAME}\n{}\n{}\n{}\n{}\n{CIPHER_NAME}",
            self.key_id,
            self.params.log_n,
            self.params.r,
            self.params.p,
            hex::encode(self.salt)
        )
    }

    /// The file's JSON text.
    pub fn to_json(&self) -> String {
        let file = KeystoreFile {
            version: KEYSTORE_VERSION,
            key_id: self.key_id.clone(),
            kdf: KdfFile {
                name: KDF_NAME.to_owned(),
                log_n: self.params.log_n,
                r: self.params.r,
                p: self.params.p,
                salt: hex::encode(self.salt),
            },
            check: hex::encode(self.check),
            cipher: CipherFile {
                name: CIPHER_NAME.to_owned(),
                nonce: hex::encode(self.nonce),
                ciphertext: hex::encode(&self.ciphertext),
            },
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a keystore's JSON text, checking every field's shape (not the passphrase).
    pub fn from_json(text: &str) -> Result<Self, KeystoreError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
        let version = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| KeystoreError::Malformed("no numeric `version`".to_owned()))?;
        if version != KEYSTORE_VERSION {
            return Err(KeystoreError::UnsupportedVersion(version));
        }
        let file: KeystoreFile =
            serde_json::from_value(value).map_err(|e| KeystoreError::Malformed(e.to_string()))?;
        if file.kdf.name != KDF_NAME {
            return Err(KeystoreError::UnsupportedAlgorithm(file.kdf.name));
        }
        if file.cipher.name != CIPHER_NAME {
            return Err(KeystoreError::UnsupportedAlgorithm(file.cipher.name));
        }
        let public = parse_public_key(&file.key_id)
            .map_err(|_| KeystoreError::Malformed("key_id is not a secp256k1 public key".into()))?;
        let params = KdfParams {
            log_n: file.kdf.log_n,
            r: file.kdf.r,
            p: file.kdf.p,
        };
        params.scrypt()?;
        let ciphertext = hex::decode(&file.cipher.ciphertext)
            .map_err(|e| KeystoreError::Malformed(format!("ciphertext is not hex: {e}")))?;
        if ciphertext.len() != SECRET_LEN + TAG_LEN {
            return Err(KeystoreError::Malformed(format!(
                "ciphertext has {} bytes, expected {}",
                ciphertext.len(),
                SECRET_LEN + TAG_LEN
            )));
        }
        Ok(Keystore {
            key_id: key_id(&public),
            params,
            salt: hex_field("kdf.salt", &file.kdf.salt)?,
            check: hex_field("check", &file.check)?,
            nonce: hex_field("cipher.nonce", &file.cipher.nonce)?,
            ciphertext,
        })
    }

    /// Reads and parses the keystore at `path`.
    pub fn read(path: &Path) -> Result<Self, KeystoreError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeystoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Writes the keystore to a new file at `path` (owner-only permissions on Unix), creating
    /// its directory; refuses to overwrite an existing file.
    pub fn write_new(&self, path: &Path) -> Result<(), KeystoreError> {
        let io = |source| KeystoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeystoreError::Exists(path.to_path_buf())
            } else {
                io(e)
            }
        })?;
        let written = file
            .write_all(self.to_json().as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(path);
            return Err(io(e));
        }
        Ok(())
    }
}

/// Opens the keystore at `path` with `passphrase` into a [`Signer`] whose nonces start at
/// `first_nonce` (pass the current UTC ns so a restarted client stays above its old nonces).
pub fn load_signer(
    path: &Path,
    passphrase: &Passphrase,
    first_nonce: u64,
) -> Result<Signer, KeystoreError> {
    Keystore::read(path)?.signer(passphrase, first_nonce)
}

#[cfg(test)]
mod tests;
