//! [`ExchangeRequest`]: the body of a `POST /exchange` (and of a WebSocket `post` of type
//! `action`).

use crate::action::Action;
use crate::{Address, Signature};
use serde::{Deserialize, Serialize};

/// A signed action as the SDK posts it: `{"action", "nonce", "signature", "vaultAddress",
/// "expiresAfter"}`, the last two `null` when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeRequest {
    /// The action signed.
    pub action: Action,
    /// The nonce signed with it (UTC milliseconds, see [`crate::NonceSeq`]).
    pub nonce: u64,
    /// The signature.
    pub signature: Signature,
    /// The vault (sub-account) the action acts for, if any.
    #[serde(default)]
    pub vault_address: Option<Address>,
    /// The time (UTC ms) after which the venue refuses the action, if any.
    #[serde(default)]
    pub expires_after: Option<u64>,
}
