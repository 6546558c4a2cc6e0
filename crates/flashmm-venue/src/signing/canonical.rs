//! The canonical encoding of a request that is signed.

use sha2::{Digest, Sha256};

/// What a signature covers: method, path with query, body, key id, nonce and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalRequest<'a> {
    /// HTTP method in upper case (`GET`, `POST`).
    pub method: &'a str,
    /// Path and query exactly as sent, e.g. `/api/v1/orders/open?market=SEI-USDC`.
    pub path: &'a str,
    /// The raw body bytes (empty for a `GET`).
    pub body: &'a [u8],
    /// The signing key's id.
    pub key_id: &'a str,
    /// The request nonce, unique per key.
    pub nonce: u64,
    /// The time after which the venue refuses the request, UTC nanoseconds.
    pub expiry_ns: i64,
}

impl CanonicalRequest<'_> {
    /// The domain tag at the head of every canonical text.
    pub const DOMAIN: &'static str = "FLASHMM-V1";

    /// The canonical text.
    pub fn text(&self) -> String {
        let body_hash = hex::encode(Sha256::digest(self.body));
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n{}",
            Self::DOMAIN,
            self.method.to_ascii_uppercase(),
            self.path,
            body_hash,
            self.key_id,
            self.nonce,
            self.expiry_ns
        )
    }

    /// The 32-byte digest that is signed: SHA-256 of the canonical text.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.text().as_bytes()).into()
    }
}
