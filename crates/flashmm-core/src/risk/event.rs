//! The message that reports a risk violation.

use super::{RiskViolation, RiskViolationKind};
use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// A risk limit was broken, published on the risk stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEvent {
    /// The market concerned, `None` for account-wide limits.
    pub market: Option<MarketId>,
    /// Which limit.
    pub kind: RiskViolationKind,
    /// A human-readable account of the values involved.
    pub detail: String,
    /// When it was detected.
    pub ts: UnixNanos,
}

impl RiskEvent {
    /// The event that reports `violation`.
    pub fn new(violation: &RiskViolation, market: Option<MarketId>, ts: UnixNanos) -> Self {
        RiskEvent {
            market,
            kind: violation.kind(),
            detail: violation.to_string(),
            ts,
        }
    }
}

impl StreamMessage for RiskEvent {
    const TYPE: &'static str = "risk_event";
    const VERSION: u16 = 1;
}
