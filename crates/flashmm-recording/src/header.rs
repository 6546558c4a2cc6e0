//! The recording header and the constants of the byte layout.

use flashmm_core::market::MarketSpec;
use serde::{Deserialize, Serialize};

/// The first eight bytes of every (decompressed) recording.
pub const MAGIC: [u8; 8] = *b"FLASHMMR";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The largest frame body accepted, so a corrupt length cannot ask for a huge allocation.
pub const MAX_FRAME_LEN: u32 = 64 * 1024 * 1024;

/// What a recording holds: the specs of its markets (every event's market is one of them)
/// and a free-text note of where the data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingHeader {
    /// The markets recorded, with the tick and lot sizes their prices and sizes are counted in.
    pub markets: Vec<MarketSpec>,
    /// Where the data came from, e.g. `binance spot import of btcusdt_20240808.gz`.
    pub source: String,
}

impl RecordingHeader {
    /// The spec of the market with symbol `symbol`, if recorded.
    pub fn market(&self, symbol: &str) -> Option<&MarketSpec> {
        self.markets.iter().find(|m| m.id().as_str() == symbol)
    }
}
