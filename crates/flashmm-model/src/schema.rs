//! The feature schema a model must match: the schema hash and the feature count.

use crate::error::ModelError;

/// What the feature engine produces, which a model must have been trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeatureSchema {
    /// The schema hash (`flashmm_features::schema_hash` of the engine's configuration).
    pub hash: u64,
    /// The number of features per vector.
    pub num_features: usize,
}

impl FeatureSchema {
    /// A schema of `num_features` features with hash `hash`.
    pub const fn new(hash: u64, num_features: usize) -> Self {
        FeatureSchema { hash, num_features }
    }

    /// The hash as written in `model.json`, e.g. `0xfa5aacba1c801b80`.
    pub fn hash_hex(&self) -> String {
        format_schema_hash(self.hash)
    }
}

/// Writes a schema hash as `0x` and 16 lowercase hex digits.
pub fn format_schema_hash(hash: u64) -> String {
    format!("{hash:#018x}")
}

/// Reads a schema hash written as `0x…` (1 to 16 hex digits, either case).
pub fn parse_schema_hash(text: &str) -> Result<u64, ModelError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| ModelError::InvalidField {
            field: "schema_hash",
            reason: format!("{text:?} does not start with 0x"),
        })?;
    if digits.is_empty() || digits.len() > 16 {
        return Err(ModelError::InvalidField {
            field: "schema_hash",
            reason: format!("{text:?} is not 1 to 16 hex digits"),
        });
    }
    u64::from_str_radix(digits, 16).map_err(|e| ModelError::InvalidField {
        field: "schema_hash",
        reason: format!("{text:?}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trips() {
        let h = 0xfa5a_acba_1c80_1b80_u64;
        assert_eq!(format_schema_hash(h), "0xfa5aacba1c801b80");
        assert_eq!(format_schema_hash(1), "0x0000000000000001");
        assert_eq!(parse_schema_hash("0xfa5aacba1c801b80").unwrap(), h);
        assert_eq!(parse_schema_hash("0XFA5AACBA1C801B80").unwrap(), h);
        assert_eq!(parse_schema_hash("0x1").unwrap(), 1);
    }

    #[test]
    fn bad_hashes_are_refused() {
        for bad in ["", "fa5a", "0x", "0xg1", "0x11112222333344445", "0x-1"] {
            assert!(parse_schema_hash(bad).is_err(), "{bad}");
        }
    }
}
