//! Fixed-point prices: a whole number of the market's ticks.

use serde::{Deserialize, Serialize};

/// A price as a whole number of ticks of its market's [`MarketSpec`](super::MarketSpec).
///
/// The tick size is not stored: convert through the spec (`spec.price("0.4123")`,
/// `spec.price_to_decimal(p)`). Prices compare and subtract as plain integers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Price(i64);

impl Price {
    /// A price of `ticks` ticks.
    #[inline]
    pub const fn from_ticks(ticks: i64) -> Self {
        Price(ticks)
    }

    /// The price in ticks.
    #[inline]
    pub const fn ticks(self) -> i64 {
        self.0
    }

    /// This price moved by `ticks` (negative moves down), or `None` on overflow.
    #[inline]
    pub const fn offset(self, ticks: i64) -> Option<Price> {
        match self.0.checked_add(ticks) {
            Some(t) => Some(Price(t)),
            None => None,
        }
    }
}

impl std::fmt::Display for Price {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}t", self.0)
    }
}
