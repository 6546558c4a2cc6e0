//! L1 action signing exactly as the SDK's `sign_l1_action`: the action hash, the phantom
//! agent, its EIP-712 digest, the signature, and the recovery of the signer.
//!
//! ```text
//! action_hash = keccak256(msgpack(action) ‖ nonce (u64 BE) ‖ vault flag
//!                         ‖ [expires flag 0x00 ‖ expires_after (u64 BE)])
//!   vault flag: 0x00 without a vault, 0x01 ‖ the vault's 20 bytes with one;
//!   the expiry part only when expires_after is set.
//! phantom agent = Agent { source: "a" (mainnet) | "b" (testnet), connectionId: action_hash }
//! digest = keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(agent))
//!   domain: EIP712Domain { name: "Exchange", version: "1", chainId: 1337,
//!                          verifyingContract: 0x0000000000000000000000000000000000000000 }
//!   type:   Agent(string source,bytes32 connectionId)
//! signature = secp256k1 ECDSA (RFC 6979 nonce, low s) of digest, as {r, s, v = 27 + recid}
//! ```

use crate::action::Action;
use crate::hex_util::from_0x;
use crate::signature::SignatureError;
use crate::{Address, Network, Signature};
use secp256k1::ecdsa::RecoverableSignature;
use secp256k1::{Message, PublicKey, SecretKey};
use sha3::{Digest, Keccak256};
use std::fmt;

/// The EIP-712 domain's chain id of L1 actions (not the EVM's chain id).
pub const L1_CHAIN_ID: u64 = 1337;

/// What an L1 signature commits to besides the action and its nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Context {
    /// Mainnet or testnet.
    pub network: Network,
    /// The vault (sub-account) the action acts for, if any.
    pub vault: Option<Address>,
    /// The time (UTC ms) after which the venue refuses the action, if any.
    pub expires_after: Option<u64>,
}

impl L1Context {
    /// No vault, no expiry, on `network`.
    pub const fn new(network: Network) -> Self {
        L1Context {
            network,
            vault: None,
            expires_after: None,
        }
    }
}

/// Why an action could not be signed or its signer recovered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The action could not be written as msgpack.
    #[error("cannot encode the action as msgpack: {0}")]
    Encode(String),
    /// The secret key is not `0x` + 64 hex digits of a valid secp256k1 scalar (the key itself
    /// is never put in the message).
    #[error("invalid secret key (expected 0x followed by 64 hex digits of a valid secp256k1 key)")]
    InvalidKey,
    /// The signature is malformed.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// No public key can be recovered from the signature and digest.
    #[error("no signer can be recovered from this signature")]
    Unrecoverable,
}

/// The action's msgpack bytes, as the SDK's `msgpack.packb(action)`: maps with the fields in
/// order, the most compact integer and string encodings.
pub fn action_msgpack(action: &Action) -> Result<Vec<u8>, SignError> {
    rmp_serde::to_vec_named(action).map_err(|e| SignError::Encode(e.to_string()))
}

/// The action hash (the phantom agent's `connectionId`), as the SDK's `action_hash`.
pub fn action_hash(action: &Action, nonce: u64, ctx: &L1Context) -> Result<[u8; 32], SignError> {
    let mut data = action_msgpack(action)?;
    data.extend_from_slice(&nonce.to_be_bytes());
    match &ctx.vault {
        None => data.push(0x00),
        Some(vault) => {
            data.push(0x01);
            data.extend_from_slice(vault.as_bytes());
        }
    }
    if let Some(expires_after) = ctx.expires_after {
        data.push(0x00);
        data.extend_from_slice(&expires_after.to_be_bytes());
    }
    Ok(keccak(&data))
}

/// The EIP-712 digest of the phantom agent `{source, connectionId}`: what is signed.
pub fn phantom_agent_digest(connection_id: &[u8; 32], network: Network) -> [u8; 32] {
    let agent_type = keccak(b"Agent(string source,bytes32 connectionId)");
    let mut agent = Vec::with_capacity(96);
    agent.extend_from_slice(&agent_type);
    agent.extend_from_slice(&keccak(network.source().as_bytes()));
    agent.extend_from_slice(connection_id);
    let struct_hash = keccak(&agent);

    let mut message = Vec::with_capacity(66);
    message.extend_from_slice(&[0x19, 0x01]);
    message.extend_from_slice(&domain_separator());
    message.extend_from_slice(&struct_hash);
    keccak(&message)
}

/// The digest an L1 action's signature signs.
pub fn l1_digest(action: &Action, nonce: u64, ctx: &L1Context) -> Result<[u8; 32], SignError> {
    Ok(phantom_agent_digest(
        &action_hash(action, nonce, ctx)?,
        ctx.network,
    ))
}

/// The EIP-712 domain separator of L1 actions.
fn domain_separator() -> [u8; 32] {
    let domain_type = keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    );
    let mut chain_id = [0u8; 32];
    chain_id[24..].copy_from_slice(&L1_CHAIN_ID.to_be_bytes());
    let verifying_contract = [0u8; 32];
    let mut domain = Vec::with_capacity(160);
    domain.extend_from_slice(&domain_type);
    domain.extend_from_slice(&keccak(b"Exchange"));
    domain.extend_from_slice(&keccak(b"1"));
    domain.extend_from_slice(&chain_id);
    domain.extend_from_slice(&verifying_contract);
    keccak(&domain)
}

fn keccak(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The address that signed `digest` with `signature`.
pub fn recover_digest_signer(
    digest: &[u8; 32],
    signature: &Signature,
) -> Result<Address, SignError> {
    let sig: RecoverableSignature = signature.to_recoverable()?;
    let key = sig
        .recover_ecdsa(Message::from_digest(*digest))
        .map_err(|_| SignError::Unrecoverable)?;
    Ok(Address::from_public_key(&key))
}

/// The address that signed the L1 `action` with `nonce` in `ctx`, as the venue recovers it:
/// a valid signature over anything else (another action, nonce, vault, expiry or network)
/// recovers some other address.
pub fn recover_l1_signer(
    action: &Action,
    nonce: u64,
    ctx: &L1Context,
    signature: &Signature,
) -> Result<Address, SignError> {
    recover_digest_signer(&l1_digest(action, nonce, ctx)?, signature)
}

/// A signing key (a user's or an API wallet's). Its `Debug` shows the address, never the key.
#[derive(Clone)]
pub struct Signer {
    key: SecretKey,
    address: Address,
}

impl Signer {
    /// A signer of the 32-byte secret key.
    pub fn from_bytes(key: [u8; 32]) -> Result<Self, SignError> {
        let key = SecretKey::from_secret_bytes(key).map_err(|_| SignError::InvalidKey)?;
        Ok(Self::new(key))
    }

    /// A signer of `0x` + 64 hex digits.
    pub fn from_hex(key: &str) -> Result<Self, SignError> {
        Self::from_bytes(from_0x::<32>(key.trim()).ok_or(SignError::InvalidKey)?)
    }

    /// A signer of `key`.
    pub fn new(key: SecretKey) -> Self {
        let address = Address::from_public_key(&PublicKey::from_secret_key(&key));
        Signer { key, address }
    }

    /// The signer's address.
    pub const fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte digest (RFC 6979, low s).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Signature {
        let sig =
            RecoverableSignature::sign_ecdsa_recoverable(Message::from_digest(*digest), &self.key);
        Signature::from_recoverable(&sig)
    }

    /// Signs the L1 `action` with `nonce` in `ctx`, as the SDK's `sign_l1_action`.
    pub fn sign_l1_action(
        &self,
        action: &Action,
        nonce: u64,
        ctx: &L1Context,
    ) -> Result<Signature, SignError> {
        Ok(self.sign_digest(&l1_digest(action, nonce, ctx)?))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        let mut key = [0u8; 32];
        key[31] = 1;
        Signer::from_bytes(key).expect("key")
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = signer();
        let debug = format!("{s:?}");
        assert!(
            debug.contains("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"),
            "{debug}"
        );
        assert!(!debug.contains("0000000000000001"), "{debug}");
    }

    #[test]
    fn refuses_bad_keys() {
        assert_eq!(
            Signer::from_bytes([0u8; 32]).err(),
            Some(SignError::InvalidKey)
        );
        assert_eq!(
            Signer::from_hex("0x1234").err(),
            Some(SignError::InvalidKey)
        );
        assert_eq!(
            Signer::from_hex(&"f".repeat(64)).err(),
            Some(SignError::InvalidKey)
        );
        let bad = format!("0x{}", "ff".repeat(32));
        let err = Signer::from_hex(&bad).expect_err("above the group order");
        assert!(!err.to_string().contains("ffff"));
    }

    #[test]
    fn recovery_binds_every_part() {
        let s = signer();
        let action = Action::schedule_cancel(Some(1_700_000_060_000));
        let ctx = L1Context::new(Network::Mainnet);
        let sig = s
            .sign_l1_action(&action, 1_700_000_000_000, &ctx)
            .expect("sign");
        let recover = |action: &Action, nonce, ctx: &L1Context| {
            recover_l1_signer(action, nonce, ctx, &sig).expect("recover")
        };
        assert_eq!(recover(&action, 1_700_000_000_000, &ctx), s.address());
        assert_ne!(recover(&action, 1_700_000_000_001, &ctx), s.address());
        assert_ne!(
            recover(
                &action,
                1_700_000_000_000,
                &L1Context::new(Network::Testnet)
            ),
            s.address()
        );
        let vault = L1Context {
            vault: Some(Address::new([9; 20])),
            ..ctx
        };
        assert_ne!(recover(&action, 1_700_000_000_000, &vault), s.address());
        let expiring = L1Context {
            expires_after: Some(1),
            ..ctx
        };
        assert_ne!(recover(&action, 1_700_000_000_000, &expiring), s.address());
        assert_ne!(
            recover(&Action::schedule_cancel(None), 1_700_000_000_000, &ctx),
            s.address()
        );
        let flipped = Signature {
            v: 55 - sig.v,
            ..sig
        };
        assert_ne!(
            recover_l1_signer(&action, 1_700_000_000_000, &ctx, &flipped).ok(),
            Some(s.address())
        );
    }
}
