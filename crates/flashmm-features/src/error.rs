//! Errors raised by the feature crate: a refused configuration or a refused event.

use flashmm_core::market::{MarketId, Price, Qty};
use thiserror::Error;

/// Why a configuration, an event or a throttle setting was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FeatureError {
    /// A [`FeatureConfig`](crate::FeatureConfig) field is out of range.
    #[error("invalid feature config `{field}`: {reason}")]
    InvalidConfig {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A book or trade of another market was fed to an engine.
    #[error("event for {got} fed to the feature engine of {expected}")]
    MarketMismatch {
        /// The engine's market.
        expected: MarketId,
        /// The event's market.
        got: MarketId,
    },
    /// A trade with a non-positive price or quantity; it is ignored.
    #[error("trade with non-positive price {price} or quantity {qty}")]
    InvalidTrade {
        /// The trade's price.
        price: Price,
        /// The trade's quantity.
        qty: Qty,
    },
    /// A throttle rate that is not a positive finite number of hertz.
    #[error("invalid max rate {0} Hz: must be finite, > 0 and <= 1e9")]
    InvalidRate(f64),
}
