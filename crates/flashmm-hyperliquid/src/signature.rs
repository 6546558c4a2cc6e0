//! [`Signature`]: a recoverable secp256k1 signature as the SDK writes it, `{r, s, v}`.

use crate::hex_util::{from_0x_number, to_0x_number};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A recoverable ECDSA signature over secp256k1, in Ethereum's `{r, s, v}` form with
/// `v` = 27 or 28.
///
/// In JSON, `r` and `s` are written as the SDK writes them (`eth_utils.to_hex` of an int):
/// `0x` + minimal lowercase hex, without leading zero nibbles, so a scalar with a leading zero
/// nibble has fewer than 64 digits. Reading accepts minimal and zero-padded hex alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The `r` scalar, big-endian.
    pub r: [u8; 32],
    /// The `s` scalar, big-endian (low-s, as both libsecp256k1 and the SDK produce).
    pub s: [u8; 32],
    /// The recovery id plus 27: 27 or 28.
    pub v: u8,
}

/// A signature that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// `v` is neither 27 nor 28.
    #[error("signature v must be 27 or 28, not {0}")]
    BadV(u8),
    /// `r` or `s` is not a valid scalar.
    #[error("signature r or s is not a valid secp256k1 scalar")]
    BadScalar,
    /// `r` or `s` is not `0x` hex of at most 32 bytes.
    #[error("signature {field} is not 0x hex of at most 32 bytes: {value:?}")]
    BadHex {
        /// `r` or `s`.
        field: &'static str,
        /// What was read.
        value: String,
    },
}

impl Signature {
    /// The `{r, s, v}` of a libsecp256k1 recoverable signature.
    pub fn from_recoverable(sig: &RecoverableSignature) -> Self {
        let (recid, compact) = sig.serialize_compact();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&compact[..32]);
        s.copy_from_slice(&compact[32..]);
        Signature {
            r,
            s,
            v: 27 + recid.to_u8(),
        }
    }

    /// The libsecp256k1 recoverable signature of this `{r, s, v}`.
    pub fn to_recoverable(&self) -> Result<RecoverableSignature, SignatureError> {
        let recid = match self.v {
            27 => RecoveryId::Zero,
            28 => RecoveryId::One,
            v => return Err(SignatureError::BadV(v)),
        };
        let mut compact = [0u8; 64];
        compact[..32].copy_from_slice(&self.r);
        compact[32..].copy_from_slice(&self.s);
        RecoverableSignature::from_compact(&compact, recid).map_err(|_| SignatureError::BadScalar)
    }
}

#[derive(Serialize, Deserialize)]
struct SignatureJson {
    r: String,
    s: String,
    v: u8,
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SignatureJson {
            r: to_0x_number(&self.r),
            s: to_0x_number(&self.s),
            v: self.v,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = SignatureJson::deserialize(deserializer)?;
        let scalar = |field: &'static str, value: String| {
            from_0x_number::<32>(&value).ok_or(SignatureError::BadHex { field, value })
        };
        let r = scalar("r", json.r).map_err(serde::de::Error::custom)?;
        let s = scalar("s", json.s).map_err(serde::de::Error::custom)?;
        Ok(Signature { r, s, v: json.v })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_minimal_hex_and_reads_padded_hex() {
        let mut r = [0x11u8; 32];
        r[0] = 0x01;
        let mut s = [0x22u8; 32];
        s[0] = 0;
        let sig = Signature { r, s, v: 28 };
        let json = serde_json::to_string(&sig).expect("json");
        let value = serde_json::to_value(sig).expect("value");
        assert_eq!(value["r"], format!("0x{}", "1".repeat(63)));
        assert_eq!(value["s"], format!("0x{}", "22".repeat(31)));
        assert_eq!(value["v"], 28);
        assert_eq!(serde_json::from_str::<Signature>(&json).expect("back"), sig);
        let padded = format!(
            r#"{{"r":"0x{}","s":"0x{}","v":28}}"#,
            hex::encode(r),
            hex::encode(s)
        );
        assert_eq!(
            serde_json::from_str::<Signature>(&padded).expect("padded"),
            sig
        );
        assert!(serde_json::from_str::<Signature>(r#"{"r":"zz","s":"0x1","v":27}"#).is_err());
    }

    #[test]
    fn refuses_bad_v() {
        let sig = Signature {
            r: [1; 32],
            s: [1; 32],
            v: 29,
        };
        assert_eq!(sig.to_recoverable(), Err(SignatureError::BadV(29)));
    }
}
