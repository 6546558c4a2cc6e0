//! [`Address`]: a 20-byte account address, written `0x` + 40 lowercase hex digits.

use crate::hex_util::{from_0x, impl_0x_text};
use secp256k1::PublicKey;
use sha3::{Digest, Keccak256};
use std::str::FromStr;

/// A 20-byte account address (a user, an API wallet or a vault). Written lowercase, without
/// the EIP-55 checksum, as the SDK writes vault addresses and as Hyperliquid answers them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address([u8; 20]);

/// A string that is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an address (0x followed by 40 hex digits): {0:?}")]
pub struct AddressError(pub String);

impl Address {
    /// The address of these 20 bytes.
    pub const fn new(bytes: [u8; 20]) -> Self {
        Address(bytes)
    }

    /// The zero address.
    pub const ZERO: Address = Address([0u8; 20]);

    /// The address of a public key: the last 20 bytes of keccak256 of its uncompressed form
    /// (without the leading `0x04`).
    pub fn from_public_key(key: &PublicKey) -> Self {
        let uncompressed = key.serialize_uncompressed();
        let hash = Keccak256::digest(&uncompressed[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Address(out)
    }

    /// The 20 bytes.
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl FromStr for Address {
    type Err = AddressError;

    /// Parses `0x` + 40 hex digits, in either case (a checksummed address is accepted; its
    /// checksum is not verified).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        from_0x::<20>(s)
            .map(Address)
            .ok_or_else(|| AddressError(s.to_owned()))
    }
}

impl_0x_text!(Address);

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::SecretKey;

    #[test]
    fn derives_the_well_known_address_of_key_one() {
        // The secp256k1 generator point: the address of private key 1 is public knowledge.
        let mut key = [0u8; 32];
        key[31] = 1;
        let sk = SecretKey::from_secret_bytes(key).expect("valid key");
        let address = Address::from_public_key(&PublicKey::from_secret_key(&sk));
        assert_eq!(
            address.to_string(),
            "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
        );
    }

    #[test]
    fn parses_either_case_and_writes_lowercase() {
        let a: Address = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
            .parse()
            .expect("address");
        assert_eq!(a.to_string(), "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
        assert!("7e5f4552091a69125d5dfcb7b8c2659029395bdf"
            .parse::<Address>()
            .is_err());
        assert!("0x7e5f".parse::<Address>().is_err());
        let json = serde_json::to_string(&a).expect("json");
        assert_eq!(serde_json::from_str::<Address>(&json).expect("back"), a);
    }
}
