//! [`Asset`]: Hyperliquid's asset number, the `a` of an order.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Hyperliquid's asset number: a perp is its index in `meta.universe`; a spot pair is
/// `10000 +` its index in `spotMeta.universe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Asset(pub u32);

impl Asset {
    /// The first spot asset number.
    pub const SPOT_OFFSET: u32 = 10_000;

    /// The perp at `index` in `meta.universe`.
    pub const fn perp(index: u32) -> Self {
        Asset(index)
    }

    /// The spot pair at `index` in `spotMeta.universe` (its `index` field), or `None` when the
    /// number would overflow.
    pub const fn spot(index: u32) -> Option<Self> {
        match Self::SPOT_OFFSET.checked_add(index) {
            Some(n) => Some(Asset(n)),
            None => None,
        }
    }

    /// Whether this is a spot pair (numbers from 10000 on).
    pub const fn is_spot(self) -> bool {
        self.0 >= Self::SPOT_OFFSET
    }
}

impl fmt::Display for Asset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perp_and_spot_numbers() {
        assert_eq!(Asset::perp(0), Asset(0));
        assert!(!Asset::perp(9_999).is_spot());
        assert_eq!(Asset::spot(107), Some(Asset(10_107)));
        assert!(Asset::spot(0).is_some_and(Asset::is_spot));
        assert_eq!(Asset::spot(u32::MAX), None);
    }
}
