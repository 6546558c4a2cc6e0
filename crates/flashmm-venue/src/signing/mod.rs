//! Request signing: secp256k1 ECDSA over a canonical encoding of each request.
//!
//! The signed message is the SHA-256 of the [`CanonicalRequest`] text
//!
//! ```text
//! FLASHMM-V1\n{METHOD}\n{path and query}\n{hex sha256 of body}\n{key id}\n{nonce}\n{expiry UTC ns}
//! ```
//!
//! The key id is the hex of the compressed public key. The [`Signer`] produces the
//! [`SignedHeaders`] sent with a request; the venue's [`Verifier`] checks the signature
//! against the registered key, the expiry, and the nonce against the key's window, each
//! failure with its own [`AuthError`].
//!
//! The trading key is kept in an encrypted [`keystore`] file and opened with [`load_signer`].

mod canonical;
mod error;
mod headers;
pub mod keystore;
mod nonce;
mod signer;
mod verifier;

pub use canonical::CanonicalRequest;
pub use error::AuthError;
pub use headers::SignedHeaders;
pub use keystore::{load_signer, Keystore, KeystoreError, Passphrase};
pub use nonce::NonceWindow;
pub use signer::Signer;
pub use verifier::{Verifier, VerifierConfig};

/// The key id of a public key: the hex of its 33-byte compressed form.
pub fn key_id(public: &secp256k1::PublicKey) -> String {
    hex::encode(public.serialize())
}

/// Parses a key id (hex compressed or uncompressed public key).
pub fn parse_public_key(hex_key: &str) -> Result<secp256k1::PublicKey, AuthError> {
    let bytes = hex::decode(hex_key.trim()).map_err(|_| AuthError::MalformedKey)?;
    secp256k1::PublicKey::from_slice(&bytes).map_err(|_| AuthError::MalformedKey)
}
