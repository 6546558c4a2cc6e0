//! Venue account identifiers.

use serde::{Deserialize, Serialize};

/// An account at the simulated venue (a participant or a background-flow agent).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AccountId(pub u32);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "acct-{}", self.0)
    }
}
