//! Signed transactions for `broadcast_tx_sync`: FlashMM's simplified encoding.
//!
//! **Not Cosmos SDK protobuf.** A transaction is the base64 of this JSON envelope:
//!
//! ```text
//! {"body": "<TxBody as compact JSON text>", "key_id": "<hex compressed pubkey>",
//!  "nonce": 7, "expiry_ns": 1700000000000000000, "signature": "<hex r||s>"}
//! ```
//!
//! The signature is secp256k1 ECDSA over FlashMM's canonical request
//! ([`CanonicalRequest`](crate::signing::CanonicalRequest)) with method [`TX_METHOD`], path
//! `/sei/<chain_id>` and the body text's bytes, so a node checks it with
//! [`Verifier`](crate::signing::Verifier) exactly as the simulator checks REST requests
//! (signature, expiry, fresh nonce).

use base64::Engine;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, Side};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::protocol::OrderRef;
use crate::signing::{AuthError, SignedHeaders, Signer, Verifier};
use flashmm_core::order::TimeInForce;

/// The canonical request method of a transaction.
pub const TX_METHOD: &str = "TX";

/// What one transaction asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TxMsg {
    /// Place a limit order.
    PlaceOrder {
        /// The market.
        market: MarketId,
        /// FlashMM's id.
        client_order_id: ClientOrderId,
        /// Buy or sell.
        side: Side,
        /// Limit price, exact.
        price: Decimal,
        /// Size, exact.
        size: Decimal,
        /// Time in force.
        tif: TimeInForce,
    },
    /// Cancel an order.
    CancelOrder {
        /// The market.
        market: MarketId,
        /// Which order.
        order: OrderRef,
    },
    /// Replace an order's price and size.
    ReplaceOrder {
        /// The market.
        market: MarketId,
        /// Which order.
        order: OrderRef,
        /// New price, exact.
        price: Decimal,
        /// New size, exact.
        size: Decimal,
        /// Id of the replacement, when it gets a new one.
        new_client_order_id: Option<ClientOrderId>,
    },
    /// Cancel every order, of one market or all.
    CancelAll {
        /// The market, or every market.
        market: Option<MarketId>,
    },
}

/// The signed part of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxBody {
    /// The chain the transaction is for.
    pub chain_id: String,
    /// The message.
    pub msg: TxMsg,
}

/// A transaction as broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTx {
    /// The body's JSON text, exactly as signed.
    pub body: String,
    /// The signing key's id.
    pub key_id: String,
    /// Nonce, unique per key.
    pub nonce: u64,
    /// Expiry, UTC ns.
    pub expiry_ns: i64,
    /// Compact signature, hex.
    pub signature: String,
}

/// Why a transaction could not be built, decoded or verified.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    /// The bytes are not base64 of a JSON envelope with a JSON body.
    #[error("malformed transaction: {0}")]
    Malformed(String),
    /// The body is for another chain.
    #[error("transaction for chain {got}, expected {want}")]
    WrongChain {
        /// The body's chain id.
        got: String,
        /// The node's chain id.
        want: String,
    },
    /// The signature, expiry or nonce does not verify.
    #[error("unauthorized: {0}")]
    Auth(#[from] AuthError),
}

fn path(chain_id: &str) -> String {
    format!("/sei/{chain_id}")
}

impl SignedTx {
    /// Signs `body` with `signer`, valid until `expiry_ns`.
    pub fn sign(body: &TxBody, signer: &Signer, expiry_ns: i64) -> Result<Self, TxError> {
        let text = serde_json::to_string(body).map_err(|e| TxError::Malformed(e.to_string()))?;
        let h = signer.sign(TX_METHOD, &path(&body.chain_id), text.as_bytes(), expiry_ns);
        Ok(SignedTx {
            body: text,
            key_id: h.key_id,
            nonce: h.nonce,
            expiry_ns: h.expiry_ns,
            signature: h.signature,
        })
    }

    /// The base64 text sent as `broadcast_tx_sync`'s `tx`.
    pub fn encode(&self) -> Result<String, TxError> {
        let json = serde_json::to_vec(self).map_err(|e| TxError::Malformed(e.to_string()))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(json))
    }

    /// Decodes a `tx` parameter.
    pub fn decode(tx: &str) -> Result<Self, TxError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(tx)
            .map_err(|e| TxError::Malformed(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| TxError::Malformed(e.to_string()))
    }

    /// Checks the transaction for `chain_id` at `now_ns` and returns its body.
    pub fn verify(
        &self,
        verifier: &mut Verifier,
        chain_id: &str,
        now_ns: i64,
    ) -> Result<TxBody, TxError> {
        let body: TxBody =
            serde_json::from_str(&self.body).map_err(|e| TxError::Malformed(e.to_string()))?;
        if body.chain_id != chain_id {
            return Err(TxError::WrongChain {
                got: body.chain_id,
                want: chain_id.to_owned(),
            });
        }
        let headers = SignedHeaders {
            key_id: self.key_id.clone(),
            nonce: self.nonce,
            expiry_ns: self.expiry_ns,
            signature: self.signature.clone(),
        };
        verifier.verify(
            TX_METHOD,
            &path(chain_id),
            self.body.as_bytes(),
            &headers,
            now_ns,
        )?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::VerifierConfig;

    const NOW: i64 = 1_700_000_000_000_000_000;

    #[test]
    fn signed_once_verifies_and_tampering_is_refused() {
        let signer = Signer::from_secret_bytes([3u8; 32], 1).unwrap();
        let mut verifier = Verifier::new(VerifierConfig::default());
        verifier.register(signer.public_key());
        let body = TxBody {
            chain_id: "pacific-1".into(),
            msg: TxMsg::CancelAll { market: None },
        };
        let tx = SignedTx::sign(&body, &signer, NOW + 1_000_000_000).unwrap();
        let wire = tx.encode().unwrap();
        let decoded = SignedTx::decode(&wire).unwrap();
        let mut tampered = decoded.clone();
        tampered.body = tampered.body.replace("null", "\"SEI/USDC\"");
        assert!(matches!(
            tampered.verify(&mut verifier, "pacific-1", NOW),
            Err(TxError::Auth(AuthError::BadSignature))
        ));
        assert!(matches!(
            decoded.verify(&mut verifier, "atlantic-2", NOW),
            Err(TxError::WrongChain { .. })
        ));
        assert_eq!(decoded.verify(&mut verifier, "pacific-1", NOW), Ok(body));
        assert!(matches!(
            decoded.verify(&mut verifier, "pacific-1", NOW),
            Err(TxError::Auth(AuthError::ReplayedNonce(_)))
        ));
        assert!(matches!(SignedTx::decode("!!"), Err(TxError::Malformed(_))));
    }
}
