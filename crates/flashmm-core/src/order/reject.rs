//! Why a venue refuses an order request.

use crate::market::ConversionError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why an order, cancel or replace request was refused. A refused request changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RejectReason {
    /// The price is zero or negative.
    #[error("price must be positive")]
    NonPositivePrice,
    /// The size is zero or negative.
    #[error("size must be positive")]
    NonPositiveSize,
    /// The price is not a whole number of ticks.
    #[error("price {price} is not a multiple of the tick size {tick}")]
    PriceOffTick {
        /// The price given.
        price: Decimal,
        /// The market's tick size.
        tick: Decimal,
    },
    /// The size is not a whole number of lots.
    #[error("size {size} is not a multiple of the lot size {lot}")]
    SizeOffLot {
        /// The size given.
        size: Decimal,
        /// The market's lot size.
        lot: Decimal,
    },
    /// The price, size or notional is beyond what the venue can represent exactly.
    #[error("price, size or notional out of range")]
    OutOfRange,
    /// The order's notional (`price × size`) is below the market minimum.
    #[error("notional {notional} is below the minimum {min}")]
    BelowMinNotional {
        /// The order's notional in quote currency.
        notional: Decimal,
        /// The market's minimum notional.
        min: Decimal,
    },
    /// A post-only order would have taken liquidity on arrival.
    #[error("post-only order would take liquidity")]
    PostOnlyWouldTake,
    /// The account cannot fund the order (for a buy: notional plus worst-case fee in quote;
    /// for a sell: the size in base).
    #[error("insufficient {asset}: need {required}, available {available}")]
    InsufficientBalance {
        /// The asset short.
        asset: String,
        /// The amount the order needs reserved.
        required: Decimal,
        /// The amount available.
        available: Decimal,
    },
    /// No open order with this id belongs to the account.
    #[error("unknown order")]
    UnknownOrder,
}

impl RejectReason {
    /// Why a price that did not convert to ticks is refused.
    pub fn of_price(e: ConversionError) -> Self {
        Self::of_conversion(e, true)
    }

    /// Why a size that did not convert to lots is refused.
    pub fn of_size(e: ConversionError) -> Self {
        Self::of_conversion(e, false)
    }

    fn of_conversion(e: ConversionError, price: bool) -> Self {
        match e {
            ConversionError::ZeroPrice | ConversionError::Negative(_) if price => {
                Self::NonPositivePrice
            }
            ConversionError::ZeroPrice | ConversionError::Negative(_) => Self::NonPositiveSize,
            ConversionError::OffGrid { value, step } if price => Self::PriceOffTick {
                price: value,
                tick: step,
            },
            ConversionError::OffGrid { value, step } => Self::SizeOffLot {
                size: value,
                lot: step,
            },
            ConversionError::Invalid(_) | ConversionError::Overflow => Self::OutOfRange,
        }
    }
}
