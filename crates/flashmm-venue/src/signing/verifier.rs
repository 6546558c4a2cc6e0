//! The venue's side: registered keys, signature, expiry and nonce checks.

use super::{parse_public_key, AuthError, CanonicalRequest, NonceWindow, SignedHeaders};
use secp256k1::{ecdsa, Message, PublicKey};
use std::collections::HashMap;

/// Limits applied by a [`Verifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The furthest ahead an expiry may lie, ns.
    pub max_ttl_ns: i64,
    /// Nonces remembered per key.
    pub nonce_window: usize,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        VerifierConfig {
            max_ttl_ns: 60_000_000_000,
            nonce_window: 4096,
        }
    }
}

#[derive(Debug, Clone)]
struct KeyState {
    public: PublicKey,
    nonces: NonceWindow,
}

/// Verifies signed requests against registered public keys.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    config: VerifierConfig,
    keys: HashMap<String, KeyState>,
}

impl Verifier {
    /// A verifier with no keys.
    pub fn new(config: VerifierConfig) -> Self {
        Verifier {
            config,
            keys: HashMap::new(),
        }
    }

    /// Registers a public key; returns its key id. Registering it again keeps its nonces.
    pub fn register(&mut self, public: PublicKey) -> String {
        let id = super::key_id(&public);
        let window = self.config.nonce_window;
        self.keys.entry(id.clone()).or_insert_with(|| KeyState {
            public,
            nonces: NonceWindow::new(window),
        });
        id
    }

    /// Registers a key given as hex.
    pub fn register_hex(&mut self, hex_key: &str) -> Result<String, AuthError> {
        Ok(self.register(parse_public_key(hex_key)?))
    }

    /// Whether a key id is registered.
    pub fn is_registered(&self, key_id: &str) -> bool {
        self.keys.contains_key(key_id)
    }

    /// Checks a request: the key is known, the signature verifies over the canonical request,
    /// the expiry is ahead of `now_ns` but not too far, and the nonce is fresh. Only a request
    /// that passes everything consumes its nonce.
    pub fn verify(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &SignedHeaders,
        now_ns: i64,
    ) -> Result<(), AuthError> {
        let max_ttl_ns = self.config.max_ttl_ns;
        let state = self
            .keys
            .get_mut(&headers.key_id)
            .ok_or_else(|| AuthError::UnknownKey(headers.key_id.clone()))?;
        let canonical = CanonicalRequest {
            method,
            path,
            body,
            key_id: &headers.key_id,
            nonce: headers.nonce,
            expiry_ns: headers.expiry_ns,
        };
        let raw = hex::decode(&headers.signature).map_err(|_| AuthError::BadSignature)?;
        let signature =
            ecdsa::Signature::from_compact(&raw).map_err(|_| AuthError::BadSignature)?;
        ecdsa::verify(
            &signature,
            Message::from_digest(canonical.digest()),
            &state.public,
        )
        .map_err(|_| AuthError::BadSignature)?;
        if headers.expiry_ns < now_ns {
            return Err(AuthError::Expired {
                expiry_ns: headers.expiry_ns,
                now_ns,
            });
        }
        if headers.expiry_ns.saturating_sub(now_ns) > max_ttl_ns {
            return Err(AuthError::ExpiryTooFar {
                expiry_ns: headers.expiry_ns,
                now_ns,
                max_ttl_ns,
            });
        }
        if !state.nonces.check_and_insert(headers.nonce) {
            return Err(AuthError::ReplayedNonce(headers.nonce));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::Signer;

    const NOW: i64 = 1_700_000_000_000_000_000;

    fn setup() -> (Signer, Verifier) {
        let signer = Signer::from_secret_bytes([7u8; 32], 1).unwrap();
        let mut verifier = Verifier::new(VerifierConfig::default());
        let id = verifier.register(signer.public_key());
        assert_eq!(id, signer.key_id());
        (signer, verifier)
    }

    #[test]
    fn accepts_a_good_signature_once() {
        let (signer, mut v) = setup();
        let h = signer.sign("POST", "/api/v1/orders", b"{}", NOW + 1_000);
        assert_eq!(v.verify("POST", "/api/v1/orders", b"{}", &h, NOW), Ok(()));
        assert_eq!(
            v.verify("POST", "/api/v1/orders", b"{}", &h, NOW),
            Err(AuthError::ReplayedNonce(h.nonce))
        );
    }

    #[test]
    fn refuses_tampering_expiry_and_unknown_keys() {
        let (signer, mut v) = setup();
        let h = signer.sign("POST", "/api/v1/orders", b"{\"a\":1}", NOW + 1_000);
        for (method, path, body) in [
            ("POST", "/api/v1/orders", &b"{\"a\":2}"[..]),
            ("POST", "/api/v1/orders/cancel", &b"{\"a\":1}"[..]),
            ("GET", "/api/v1/orders", &b"{\"a\":1}"[..]),
        ] {
            assert_eq!(
                v.verify(method, path, body, &h, NOW),
                Err(AuthError::BadSignature)
            );
        }
        let mut forged = h.clone();
        forged.nonce += 1;
        assert_eq!(
            v.verify("POST", "/api/v1/orders", b"{\"a\":1}", &forged, NOW),
            Err(AuthError::BadSignature)
        );
        let late = signer.sign("GET", "/x", b"", NOW - 1);
        assert!(matches!(
            v.verify("GET", "/x", b"", &late, NOW),
            Err(AuthError::Expired { .. })
        ));
        let far = signer.sign("GET", "/x", b"", NOW + 3_600_000_000_000);
        assert!(matches!(
            v.verify("GET", "/x", b"", &far, NOW),
            Err(AuthError::ExpiryTooFar { .. })
        ));
        let other = Signer::from_secret_bytes([9u8; 32], 1).unwrap();
        let h = other.sign("GET", "/x", b"", NOW + 1);
        assert!(matches!(
            v.verify("GET", "/x", b"", &h, NOW),
            Err(AuthError::UnknownKey(_))
        ));
        // Nothing above consumed the first signature's nonce.
        let h = signer.sign_with("GET", "/x", b"", 1, NOW + 1);
        assert_eq!(v.verify("GET", "/x", b"", &h, NOW), Ok(()));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let signer = Signer::from_secret_bytes([7u8; 32], 1).unwrap();
        let text = format!("{signer:?}");
        assert!(!text.contains(&signer.secret_hex()));
        assert!(text.contains(signer.key_id()));
    }
}
