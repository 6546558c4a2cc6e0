//! Fixed-point quantities: a whole number of the market's lots.

use serde::{Deserialize, Serialize};

/// A quantity as a whole number of lots of its market's [`MarketSpec`](super::MarketSpec).
///
/// As an order, fill or level size it is never negative: the spec refuses negative input and
/// the book and order code reject negative values arriving from the wire.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Qty(i64);

impl Qty {
    /// No quantity.
    pub const ZERO: Qty = Qty(0);

    /// A quantity of `lots` lots.
    #[inline]
    pub const fn from_lots(lots: i64) -> Self {
        Qty(lots)
    }

    /// The quantity in lots.
    #[inline]
    pub const fn lots(self) -> i64 {
        self.0
    }

    /// Whether the quantity is zero.
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether the quantity is below zero (never valid as a size).
    #[inline]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `self + other`, or `None` on overflow.
    #[inline]
    pub const fn checked_add(self, other: Qty) -> Option<Qty> {
        match self.0.checked_add(other.0) {
            Some(l) => Some(Qty(l)),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    #[inline]
    pub const fn checked_sub(self, other: Qty) -> Option<Qty> {
        match self.0.checked_sub(other.0) {
            Some(l) => Some(Qty(l)),
            None => None,
        }
    }
}

impl std::fmt::Display for Qty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}l", self.0)
    }
}
