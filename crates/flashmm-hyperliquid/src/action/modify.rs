//! The `batchModify` action's entries.

use crate::action::OrderWire;
use crate::Cloid;
use serde::{Deserialize, Serialize};

/// Which resting order a modify replaces: the venue's order id (a number on the wire) or the
/// order's cloid (a `0x` string on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OrderRef {
    /// By the venue's order id.
    Oid(u64),
    /// By client order id.
    Cloid(Cloid),
}

/// One modify: `{"oid": oid | cloid, "order": OrderWire}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ModifyWire {
    /// The order replaced.
    pub oid: OrderRef,
    /// Its new terms (a new cloid, if any, in `c`).
    pub order: OrderWire,
}
