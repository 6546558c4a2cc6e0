//! The balance of one asset in one account.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An account's holding of one asset, in exact units of that asset.
///
/// `available` can be spent or reserved by new orders; `reserved` backs open orders. Both are
/// never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balance {
    /// Free to use.
    pub available: Decimal,
    /// Held by open orders.
    pub reserved: Decimal,
}

impl Balance {
    /// `available + reserved`.
    pub fn total(&self) -> Decimal {
        self.available + self.reserved
    }
}
