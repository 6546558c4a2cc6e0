//! The model prediction message.

use crate::market::MarketId;
use crate::message::StreamMessage;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// The model's view of the next price move in one market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The market.
    pub market: MarketId,
    /// Version of the model that produced it.
    pub model_version: String,
    /// How far ahead the prediction looks, in milliseconds.
    pub horizon_ms: u32,
    /// Probability that the mid falls over the horizon.
    pub p_down: f32,
    /// Probability that the mid stays within the flat band.
    pub p_flat: f32,
    /// Probability that the mid rises.
    pub p_up: f32,
    /// Expected mid move over the horizon, in basis points.
    pub expected_move_bps: f32,
    /// When the prediction was made.
    pub ts: UnixNanos,
    /// When ingest received the venue message that caused it.
    pub origin_ts: UnixNanos,
    /// How long the model took to produce it (normalisation, session run, output checks), in
    /// nanoseconds of the monotonic clock; 0 when not measured (entries written before the
    /// field existed decode with 0).
    #[serde(default)]
    pub inference_ns: u64,
}

impl StreamMessage for Prediction {
    const TYPE: &'static str = "prediction";
    const VERSION: u16 = 1;
}
