//! Errors raised when parsing market identifiers, building specs and converting units.

use rust_decimal::Decimal;
use thiserror::Error;

/// Why a string is not a valid [`MarketId`](super::MarketId).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarketIdError {
    /// The separator (`/` in a symbol, `-` in a stream key) is missing or repeated.
    #[error("market id `{0}` must be BASE{1}QUOTE")]
    Separator(String, char),
    /// The base or the quote asset is empty or longer than the maximum.
    #[error("market id `{0}`: each asset must be 1 to {max} characters", max = super::MarketId::MAX_ASSET_LEN)]
    AssetLength(String),
    /// An asset contains a character other than an ASCII letter or digit.
    #[error("market id `{0}`: assets may contain only ASCII letters and digits")]
    Charset(String),
}

/// Why a set of market parameters is not a valid [`MarketSpec`](super::MarketSpec).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    /// The tick size is zero or negative.
    #[error("tick size must be positive, got {0}")]
    TickSize(Decimal),
    /// The lot size is zero or negative.
    #[error("lot size must be positive, got {0}")]
    LotSize(Decimal),
    /// The minimum notional is negative.
    #[error("minimum notional must not be negative, got {0}")]
    MinNotional(Decimal),
    /// Tick and lot sizes need more digits than exact conversions can carry.
    #[error("tick size {tick} and lot size {lot} are too fine for exact conversions")]
    Precision {
        /// The tick size.
        tick: Decimal,
        /// The lot size.
        lot: Decimal,
    },
}

/// Why a decimal string or amount cannot be expressed in a market's ticks or lots.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConversionError {
    /// The input is not a plain decimal number.
    #[error("`{0}` is not a decimal number")]
    Invalid(String),
    /// The value is negative where only non-negative values make sense.
    #[error("{0} must not be negative")]
    Negative(Decimal),
    /// A price is zero.
    #[error("price must be positive")]
    ZeroPrice,
    /// The value is not a whole multiple of the tick or lot size.
    #[error("{value} is not a multiple of {step}")]
    OffGrid {
        /// The value that was given.
        value: Decimal,
        /// The tick or lot size it must be a multiple of.
        step: Decimal,
    },
    /// The value does not fit the fixed-point range (i64 ticks or lots, or an exact decimal).
    #[error("value out of range")]
    Overflow,
}
