//! [`Network`]: mainnet or testnet, which the signature commits to.

use serde::{Deserialize, Serialize};

/// The Hyperliquid network an L1 action is signed for: the phantom agent's `source` is `"a"`
/// on mainnet and `"b"` on testnet, so a signature for one is refused by the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// Hyperliquid mainnet.
    Mainnet,
    /// Hyperliquid testnet.
    Testnet,
}

impl Network {
    /// The phantom agent's `source`: `"a"` on mainnet, `"b"` on testnet.
    pub const fn source(self) -> &'static str {
        match self {
            Network::Mainnet => "a",
            Network::Testnet => "b",
        }
    }
}
