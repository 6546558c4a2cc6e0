//! [`Predictor`]: what turns a feature vector into a prediction in a backtest, and
//! [`ModelPredictor`], the committed ONNX model through `flashmm-model`.

use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use flashmm_model::Model;

use crate::error::BacktestError;

/// The inference step: a feature vector in, a prediction stamped `now` out.
pub trait Predictor {
    /// The model's id (`model_version` of its predictions).
    fn model_id(&self) -> &str;

    /// Half-width of the model's flat band, in bps: a realised move within it scores neither
    /// a hit nor a miss in the live hit rate.
    fn dead_band_bps(&self) -> f64;

    /// Predicts from `vector` at `now`, the flat class's log-odds moved by `flat_shift` (the
    /// market's flat rate, as inference applies it).
    fn predict(
        &mut self,
        vector: &FeatureVector,
        now: UnixNanos,
        flat_shift: f64,
    ) -> Result<Prediction, BacktestError>;
}

/// A loaded ONNX model: the code the `inference` service runs.
#[derive(Debug)]
pub struct ModelPredictor(pub Model);

impl Predictor for ModelPredictor {
    fn model_id(&self) -> &str {
        self.0.id()
    }

    fn dead_band_bps(&self) -> f64 {
        f64::from(self.0.dead_band_bps())
    }

    fn predict(
        &mut self,
        vector: &FeatureVector,
        now: UnixNanos,
        flat_shift: f64,
    ) -> Result<Prediction, BacktestError> {
        Ok(self.0.prediction_shifted(vector, now, flat_shift)?)
    }
}
