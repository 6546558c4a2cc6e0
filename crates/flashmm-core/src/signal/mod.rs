//! The model's inputs and outputs: the [`FeatureVector`] computed from market data and the
//! [`Prediction`] inferred from it. Both are f32 model data, never money.

mod features;
mod prediction;

pub use features::FeatureVector;
pub use prediction::Prediction;
