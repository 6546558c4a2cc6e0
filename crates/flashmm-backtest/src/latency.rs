//! [`Latency`] and [`LatencyModel`]: how long a message takes on one channel. The one latency
//! model of FlashMM lives in [`flashmm_sim::latency`], shared with the simulator, which delays
//! participants' orders with it in paper trading.

pub use flashmm_sim::latency::{Latency, LatencyModel};
