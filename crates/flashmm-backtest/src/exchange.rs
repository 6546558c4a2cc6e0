//! [`FillSimulator`]: the venue side of a backtest, the recorded book with our resting orders
//! in it. It lives in [`flashmm_sim::queue`], shared with the simulator's replay mode.

pub use flashmm_sim::queue::{FillSimulator, RestingOrder};
