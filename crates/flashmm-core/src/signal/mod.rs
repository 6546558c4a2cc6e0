//! The model's inputs and outputs: the [`FeatureVector`] computed from market data and the
//! [`Prediction`] inferred from it (both f32 model data, never money), and the model's state
//! per market ([`ModelState`]: health and live hit rate).

mod features;
mod model_state;
mod prediction;

pub use features::FeatureVector;
pub use model_state::{LiveHitRate, ModelHealth, ModelState, MODEL_STATE};
pub use prediction::Prediction;
