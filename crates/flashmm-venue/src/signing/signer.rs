//! The client's signing key.

use super::{key_id, AuthError, CanonicalRequest, SignedHeaders};
use rand::TryRngCore;
use secp256k1::{ecdsa, Message, PublicKey, SecretKey};
use std::sync::atomic::{AtomicU64, Ordering};

/// A secp256k1 secret key with its key id and a nonce counter. Its `Debug` shows only the key
/// id; the secret is never printed.
pub struct Signer {
    secret: SecretKey,
    public: PublicKey,
    key_id: String,
    next_nonce: AtomicU64,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// A signer for a 32-byte secret key. Nonces start at `first_nonce` and increase by one
    /// per signature (pass the current UTC ns so a restarted client stays above its old ones).
    pub fn from_secret_bytes(bytes: [u8; 32], first_nonce: u64) -> Result<Self, AuthError> {
        let secret = SecretKey::from_secret_bytes(bytes).map_err(|_| AuthError::MalformedSecret)?;
        let public = PublicKey::from_secret_key(&secret);
        Ok(Signer {
            key_id: key_id(&public),
            secret,
            public,
            next_nonce: AtomicU64::new(first_nonce),
        })
    }

    /// A signer for a hex-encoded 32-byte secret key, with or without the `0x` prefix
    /// Ethereum wallets (and Hyperliquid's) print.
    pub fn from_hex(secret_hex: &str, first_nonce: u64) -> Result<Self, AuthError> {
        let hex = secret_hex.trim();
        let hex = hex
            .strip_prefix("0x")
            .or_else(|| hex.strip_prefix("0X"))
            .unwrap_or(hex);
        let bytes = hex::decode(hex).map_err(|_| AuthError::MalformedSecret)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| AuthError::MalformedSecret)?;
        Self::from_secret_bytes(bytes, first_nonce)
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate(first_nonce: u64) -> Result<Self, AuthError> {
        let mut rng = rand::rngs::OsRng;
        loop {
            let mut bytes = [0u8; 32];
            rng.try_fill_bytes(&mut bytes)
                .map_err(|_| AuthError::MalformedSecret)?;
            // Out-of-range scalars are astronomically rare; draw again.
            if let Ok(signer) = Self::from_secret_bytes(bytes, first_nonce) {
                return Ok(signer);
            }
        }
    }

    /// The key id: hex of the compressed public key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The secret key as hex, for writing a key file. Handle with care.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.secret.to_secret_bytes())
    }

    /// Takes the next nonce.
    pub fn next_nonce(&self) -> u64 {
        self.next_nonce.fetch_add(1, Ordering::Relaxed)
    }

    /// Signs a request with an explicit nonce and expiry.
    pub fn sign_with(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        nonce: u64,
        expiry_ns: i64,
    ) -> SignedHeaders {
        let canonical = CanonicalRequest {
            method,
            path,
            body,
            key_id: &self.key_id,
            nonce,
            expiry_ns,
        };
        let signature = ecdsa::sign(Message::from_digest(canonical.digest()), &self.secret);
        SignedHeaders {
            key_id: self.key_id.clone(),
            nonce,
            expiry_ns,
            signature: hex::encode(signature.serialize_compact()),
        }
    }

    /// Signs a request with the next nonce, valid until `expiry_ns`.
    pub fn sign(&self, method: &str, path: &str, body: &[u8], expiry_ns: i64) -> SignedHeaders {
        self.sign_with(method, path, body, self.next_nonce(), expiry_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_0x_prefixed_secret_is_the_same_key() {
        let hex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
        let plain = Signer::from_hex(hex, 0).unwrap();
        for prefixed in [
            format!("0x{hex}"),
            format!("0X{hex}"),
            format!(" 0x{hex}\n"),
        ] {
            assert_eq!(
                Signer::from_hex(&prefixed, 0).unwrap().key_id(),
                plain.key_id()
            );
        }
        for bad in ["0x", "0x0x4c08", &hex[2..], "0y4c08"] {
            assert!(Signer::from_hex(bad, 0).is_err(), "{bad}");
        }
    }
}
