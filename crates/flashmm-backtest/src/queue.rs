//! [`QueuePosition`] and [`CancelModel`]: our place in a level's queue. The one queue model of
//! FlashMM lives in [`flashmm_sim::queue`], shared with the simulator's replay mode.

pub use flashmm_sim::queue::{CancelModel, QueuePosition};
