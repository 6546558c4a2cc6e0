//! The decimal wire format of prices and sizes: the SDK's `float_to_wire`, on exact decimals.

use rust_decimal::Decimal;

/// The most decimals the wire carries: the SDK formats with 8 decimals and refuses a value
/// that this would round.
pub const WIRE_DECIMALS: u32 = 8;

/// A number that the wire cannot carry exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// More than [`WIRE_DECIMALS`] decimals (the SDK's "float_to_wire causes rounding").
    #[error("{0} has more than 8 decimals: round it to the market's tick or lot first")]
    TooManyDecimals(Decimal),
}

/// `value` as the SDK's `float_to_wire` writes it: normalised (no trailing zeros, no trailing
/// point), never an exponent, and zero as `0`. Refuses more than 8 decimals, as the SDK does.
///
/// One deliberate difference: the SDK writes a negative zero as `-0` (its `"-0"` check never
/// matches the 8-decimal string); this writes `0`. Prices and sizes are never negative.
pub fn decimal_to_wire(value: Decimal) -> Result<String, WireError> {
    let normalized = value.normalize();
    if normalized.scale() > WIRE_DECIMALS {
        return Err(WireError::TooManyDecimals(value));
    }
    Ok(normalized.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn wire(s: &str) -> Result<String, WireError> {
        decimal_to_wire(Decimal::from_str(s).expect("decimal"))
    }

    #[test]
    fn normalised_without_exponent() {
        assert_eq!(wire("1.100").as_deref(), Ok("1.1"));
        assert_eq!(wire("100").as_deref(), Ok("100"));
        let hundred = Decimal::from_scientific("1e2").expect("decimal");
        assert_eq!(decimal_to_wire(hundred).as_deref(), Ok("100"));
        assert_eq!(wire("0.00000001").as_deref(), Ok("0.00000001"));
        assert_eq!(wire("0.000").as_deref(), Ok("0"));
        assert_eq!(wire("-0.000").as_deref(), Ok("0"));
        assert_eq!(
            wire("0.123456789"),
            Err(WireError::TooManyDecimals(
                Decimal::from_str("0.123456789").expect("decimal")
            ))
        );
        assert_eq!(wire("0.1234567800").as_deref(), Ok("0.12345678"));
    }
}
