//! The feature vector message.

use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Model inputs computed for one market at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureVector {
    /// The market.
    pub market: MarketId,
    /// Hash of the ordered feature names and definitions; a model trained on another schema
    /// must refuse the vector.
    pub schema_hash: u64,
    /// Feature values, in schema order.
    pub values: Vec<f32>,
    /// When the vector was computed.
    pub ts: UnixNanos,
    /// When ingest received the venue message that caused it.
    pub origin_ts: UnixNanos,
}

impl StreamMessage for FeatureVector {
    const TYPE: &'static str = "features";
    const VERSION: u16 = 1;
}
