//! Liveness messages from services.

use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// A periodic "still alive" from one service instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The service, e.g. `ingest`.
    pub service: String,
    /// The instance, unique among that service's replicas.
    pub instance: String,
    /// When it was sent.
    pub ts: UnixNanos,
}

impl StreamMessage for Heartbeat {
    const TYPE: &'static str = "heartbeat";
    const VERSION: u16 = 1;
}
