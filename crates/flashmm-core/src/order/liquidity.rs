//! Whether a fill added or took liquidity.

use serde::{Deserialize, Serialize};

/// The liquidity role of a fill, which decides its fee rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liquidity {
    /// Our resting order was hit.
    Maker,
    /// Our order crossed the spread.
    Taker,
}
