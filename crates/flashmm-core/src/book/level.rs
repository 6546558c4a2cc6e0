//! One price level of a book side.

use crate::market::{Price, Qty};
use serde::{Deserialize, Serialize};

/// A price and the total quantity resting at it. In a delta, a zero quantity removes the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BookLevel {
    /// The level's price.
    pub price: Price,
    /// The quantity resting at the price.
    pub qty: Qty,
}

impl BookLevel {
    /// A level of `qty` at `price`.
    #[inline]
    pub const fn new(price: Price, qty: Qty) -> Self {
        BookLevel { price, qty }
    }
}
