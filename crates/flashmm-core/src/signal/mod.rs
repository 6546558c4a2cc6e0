//! The model's inputs and outputs: the [`FeatureVector`] computed from market data and the
//! [`Prediction`] inferred from it (both f32 model data, never money), and the model's state
//! per market ([`ModelState`]: health and live hit rate), and the [`DriftMonitor`] that scores
//! predictions against the realised move into that hit rate (inference publishes it; the
//! backtester computes it the same way), and feeds the [`FlatRate`] that moves each market's
//! flat probability to the share of flat outcomes it sees.

pub mod drift;
mod features;
pub mod flat_rate;
mod model_state;
mod prediction;

pub use drift::{DriftMonitor, Outcome, PendingPrediction};
pub use features::FeatureVector;
pub use flat_rate::{FlatRate, FlatRateConfig};
pub use model_state::{LiveHitRate, ModelHealth, ModelState, MODEL_STATE};
pub use prediction::Prediction;
