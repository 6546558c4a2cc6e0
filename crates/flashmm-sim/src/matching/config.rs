//! Engine options.

use serde::{Deserialize, Serialize};

/// What happens when an incoming order would match a resting order of the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfTradePrevention {
    /// The orders trade with each other like any two orders.
    Allow,
    /// The resting order is cancelled ([`CancelReason::SelfTrade`](super::CancelReason)) and
    /// the incoming order goes on matching deeper in the book.
    #[default]
    CancelResting,
}

/// Options of a [`MatchingEngine`](super::MatchingEngine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Self-trade prevention mode.
    pub self_trade: SelfTradePrevention,
}
