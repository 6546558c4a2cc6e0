//! The signature fields sent with a request.

use super::AuthError;
use serde::{Deserialize, Serialize};

/// The authentication of one request: sent as HTTP headers on REST
/// ([`SignedHeaders::KEY`] and the others) and as the `auth` object on WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHeaders {
    /// The key id (hex compressed public key).
    pub key_id: String,
    /// The nonce, unique per key.
    pub nonce: u64,
    /// Expiry, UTC nanoseconds.
    pub expiry_ns: i64,
    /// The compact 64-byte ECDSA signature, hex.
    pub signature: String,
}

impl SignedHeaders {
    /// Header carrying the key id.
    pub const KEY: &'static str = "x-flashmm-key";
    /// Header carrying the nonce (decimal).
    pub const NONCE: &'static str = "x-flashmm-nonce";
    /// Header carrying the expiry (decimal UTC ns).
    pub const EXPIRY: &'static str = "x-flashmm-expiry";
    /// Header carrying the signature (hex).
    pub const SIGNATURE: &'static str = "x-flashmm-signature";

    /// Reads the four headers through `get` (a header lookup by lower-case name).
    pub fn from_lookup<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, AuthError> {
        let field = |name: &'static str| get(name).ok_or(AuthError::Missing(name));
        Ok(SignedHeaders {
            key_id: field(Self::KEY)?.to_owned(),
            nonce: field(Self::NONCE)?
                .parse()
                .map_err(|_| AuthError::Missing(Self::NONCE))?,
            expiry_ns: field(Self::EXPIRY)?
                .parse()
                .map_err(|_| AuthError::Missing(Self::EXPIRY))?,
            signature: field(Self::SIGNATURE)?.to_owned(),
        })
    }

    /// The four headers as (name, value) pairs.
    pub fn pairs(&self) -> [(&'static str, String); 4] {
        [
            (Self::KEY, self.key_id.clone()),
            (Self::NONCE, self.nonce.to_string()),
            (Self::EXPIRY, self.expiry_ns.to_string()),
            (Self::SIGNATURE, self.signature.clone()),
        ]
    }
}
