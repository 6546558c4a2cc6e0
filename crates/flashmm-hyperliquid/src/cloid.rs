//! [`Cloid`]: Hyperliquid's 16-byte client order id, derived from a FlashMM
//! [`ClientOrderId`].

use crate::hex_util::{from_0x, impl_0x_text};
use flashmm_core::identifiers::ClientOrderId;
use sha3::{Digest, Keccak256};
use std::str::FromStr;

/// A Hyperliquid client order id: 16 bytes, written `0x` + 32 lowercase hex digits.
///
/// FlashMM never picks cloids at random: [`Cloid::from_client_order_id`] derives one from the
/// [`ClientOrderId`] it already persists, so the same order always carries the same cloid,
/// across restarts and replays, and a cloid found on the venue maps back to the order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cloid([u8; 16]);

/// A string that is not a cloid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a cloid (0x followed by 32 hex digits): {0:?}")]
pub struct CloidError(pub String);

impl Cloid {
    /// The cloid of these 16 bytes.
    pub const fn new(bytes: [u8; 16]) -> Self {
        Cloid(bytes)
    }

    /// The cloid of a FlashMM client order id: the first 16 bytes of keccak256 of the id's
    /// UTF-8 bytes (e.g. `SEIUSDC-7-12` → `0x31f0fd4df66403362e7be692f9043936`). The same id
    /// always gives the same cloid; distinct ids collide with probability about 2⁻¹²⁸.
    pub fn from_client_order_id(id: &ClientOrderId) -> Self {
        let hash = Keccak256::digest(id.as_str().as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&hash[..16]);
        Cloid(out)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl FromStr for Cloid {
    type Err = CloidError;

    /// Parses `0x` + 32 hex digits (either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        from_0x::<16>(s)
            .map(Cloid)
            .ok_or_else(|| CloidError(s.to_owned()))
    }
}

impl_0x_text!(Cloid);

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ClientOrderId {
        ClientOrderId::new(s).expect("client order id")
    }

    #[test]
    fn derived_from_the_client_order_id_deterministically() {
        let a = Cloid::from_client_order_id(&id("SEIUSDC-7-12"));
        assert_eq!(a, Cloid::from_client_order_id(&id("SEIUSDC-7-12")));
        assert_ne!(a, Cloid::from_client_order_id(&id("SEIUSDC-7-13")));
        // keccak256("SEIUSDC-7-12"), first 16 bytes (the SDK's vectors use the same value).
        assert_eq!(a.to_string(), "0x31f0fd4df66403362e7be692f9043936");
        assert_eq!(a.to_string().len(), 34);
    }

    #[test]
    fn parses_and_refuses() {
        let c: Cloid = "0x31F0FD4DF66403362E7BE692F9043936".parse().expect("cloid");
        assert_eq!(c.to_string(), "0x31f0fd4df66403362e7be692f9043936");
        assert!("31f0fd4df66403362e7be692f9043936".parse::<Cloid>().is_err());
        assert!("0x31f0".parse::<Cloid>().is_err());
        assert!("0x31f0fd4df66403362e7be692f904393g"
            .parse::<Cloid>()
            .is_err());
        assert_eq!(
            serde_json::from_str::<Cloid>(&serde_json::to_string(&c).expect("json")).expect("back"),
            c
        );
    }
}
