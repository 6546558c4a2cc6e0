//! Errors of the quoting strategy.

use thiserror::Error;

/// Why a set of [`QuoteParams`](super::QuoteParams) was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum QuoteParamsError {
    /// A parameter is outside its allowed range (or not a finite number).
    #[error("quote parameter `{field}` = {value} is invalid: expected {expected}")]
    OutOfRange {
        /// The parameter's name, as in the configuration file.
        field: &'static str,
        /// The refused value, as text.
        value: String,
        /// The allowed range, in words.
        expected: &'static str,
    },
}

/// Why no quote could be formed for a book.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum QuoteError {
    /// The book has no best bid or no best ask, so it has no mid to quote around.
    #[error("the book is not two-sided")]
    NoTwoSidedBook,
    /// The book is hollow: its spread is wider than twice `max_quote_offset_bps` (one side
    /// swept down to a stray far order), so its mid is no price to quote around.
    #[error("the book is hollow: spread {spread_bps:.1} bps")]
    HollowBook {
        /// The spread, in bps of the mid.
        spread_bps: f64,
    },
    /// The maths produced a price that is not finite or does not fit in ticks (e.g. an
    /// absurd parameter combination with an extreme σ).
    #[error("quote price out of range: {0}")]
    PriceOutOfRange(f64),
    /// The market's minimum notional cannot be expressed in tick×lot units.
    #[error("min notional of the market cannot be converted to tick×lot units")]
    MinNotional,
    /// `inventory_fraction` cannot be represented as an exact decimal.
    #[error("inventory_fraction cannot be represented as a decimal")]
    InventoryFraction,
}
