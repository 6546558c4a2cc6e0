//! The `cancel` and `cancelByCloid` actions' entries.

use crate::{Asset, Cloid};
use serde::{Deserialize, Serialize};

/// One cancel by venue order id: `{"a": asset, "o": oid}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CancelWire {
    /// Asset number.
    pub a: Asset,
    /// The venue's order id.
    pub o: u64,
}

/// One cancel by client order id: `{"asset": asset, "cloid": "0x…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CancelByCloidWire {
    /// Asset number.
    pub asset: Asset,
    /// The order's cloid.
    pub cloid: Cloid,
}
