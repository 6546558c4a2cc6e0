//! Hex helpers shared by the `0x`-prefixed types.

/// `0x` followed by the lowercase hex of `bytes`.
pub(crate) fn to_0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The bytes of a `0x`-prefixed hex string of exactly `N` bytes (either case).
pub(crate) fn from_0x<const N: usize>(s: &str) -> Option<[u8; N]> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out).ok()?;
    Some(out)
}

/// The bytes of a `0x`-prefixed hex number of at most `N` bytes, left-padded with zeros: the
/// SDK writes signature scalars as minimal hex (`0x` + no leading zero nibbles).
pub(crate) fn from_0x_number<const N: usize>(s: &str) -> Option<[u8; N]> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 2 * N {
        return None;
    }
    let padded = format!("{digits:0>width$}", width = 2 * N);
    let mut out = [0u8; N];
    hex::decode_to_slice(padded, &mut out).ok()?;
    Some(out)
}

/// `0x` followed by the minimal lowercase hex of the big-endian number `bytes` (`0x0` for
/// zero), as `eth_utils.to_hex` writes an int.
pub(crate) fn to_0x_number(bytes: &[u8]) -> String {
    let digits = hex::encode(bytes);
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0x0".to_owned()
    } else {
        format!("0x{trimmed}")
    }
}

/// Implements `Display` (`0x` + lowercase hex), `Debug` (`Name(0x…)`) and serde as that text
/// (read back through `FromStr`) for a newtype over a byte array.
macro_rules! impl_0x_text {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::hex_util::to_0x(&self.0))
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use impl_0x_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_in_minimal_hex() {
        let mut bytes = [0u8; 32];
        bytes[31] = 0x0a;
        assert_eq!(to_0x_number(&bytes), "0xa");
        assert_eq!(from_0x_number::<32>("0xa"), Some(bytes));
        assert_eq!(to_0x_number(&[0u8; 32]), "0x0");
        assert_eq!(from_0x_number::<2>("0x12345"), None);
        assert_eq!(from_0x_number::<2>("0x"), None);
        assert_eq!(from_0x_number::<2>("12"), None);
        assert_eq!(from_0x::<2>("0xABcd"), Some([0xab, 0xcd]));
        assert_eq!(from_0x::<2>("0xabc"), None);
        assert_eq!(from_0x::<2>("0xabcdef"), None);
    }
}
