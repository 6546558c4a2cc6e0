//! The model's inputs and outputs: the [`FeatureVector`] computed from market data and the
//! [`Prediction`] inferred from it (both f32 model data, never money), and the model's state
//! per market ([`ModelState`]: health and live hit rate), and the [`DriftMonitor`] that scores
//! predictions against the realised move into that hit rate (inference publishes it; the
//! backtester computes it the same way).

pub mod drift;
mod features;
mod model_state;
mod prediction;

pub use drift::{DriftMonitor, Outcome, PendingPrediction};
pub use features::FeatureVector;
pub use model_state::{LiveHitRate, ModelHealth, ModelState, MODEL_STATE};
pub use prediction::Prediction;
