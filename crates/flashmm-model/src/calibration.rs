//! [`Calibration`]: the map from the network's class probabilities to calibrated ones, fitted
//! by `scripts/train_model.py` on the validation part and stored in `model.json`.

use serde::{Deserialize, Serialize};

/// `p' = softmax(ln p / temperature + flat_bias · [class = flat])`.
///
/// One temperature scales every log-probability, so the classes keep their order, and the bias
/// touches only "flat": the predicted direction (the sign of `p_up − p_down`) never changes,
/// only how sure the model is. Balanced class weights in training make the network over-state
/// moves; the fitted bias gives "flat" back its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The method's name; must be `temperature_flat_bias`.
    pub method: String,
    /// Divides the log-probabilities; finite and positive.
    pub temperature: f64,
    /// Added to the flat class's scaled log-probability; finite.
    pub flat_bias: f64,
}

/// The one method this build knows.
pub const METHOD: &str = "temperature_flat_bias";

/// The floor of a probability before its logarithm (as the training script's).
const FLOOR: f64 = 1e-7;

impl Calibration {
    /// Why the calibration cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.method != METHOD {
            return Err(format!(
                "method {:?}, this build knows {METHOD:?}",
                self.method
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(format!(
                "temperature {} is not finite and positive",
                self.temperature
            ));
        }
        if !self.flat_bias.is_finite() {
            return Err(format!("flat_bias {} is not finite", self.flat_bias));
        }
        Ok(())
    }

    /// The calibrated probabilities of `p` (`[down, flat, up]`).
    pub fn apply(&self, p: [f32; 3]) -> [f32; 3] {
        let mut z = p.map(|v| f64::from(v).max(FLOOR).ln() / self.temperature);
        z[1] += self.flat_bias;
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e = z.map(|v| (v - max).exp());
        let sum: f64 = e.iter().sum();
        e.map(|v| (v / sum) as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(temperature: f64, flat_bias: f64) -> Calibration {
        Calibration {
            method: METHOD.to_owned(),
            temperature,
            flat_bias,
        }
    }

    #[test]
    fn identity_at_unit_temperature_and_no_bias() {
        let p = cal(1.0, 0.0).apply([0.2, 0.5, 0.3]);
        for (a, b) in p.iter().zip([0.2, 0.5, 0.3]) {
            assert!((a - b).abs() < 1e-6, "{p:?}");
        }
    }

    #[test]
    fn a_flat_bias_moves_weight_to_flat_and_keeps_the_direction() {
        let raw = [0.45, 0.10, 0.45];
        let p = cal(2.0, 1.5).apply([0.5, 0.1, 0.4]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > 0.1, "{p:?}");
        assert!(p[0] > p[2], "direction kept: {p:?}");
        let q = cal(2.0, 1.5).apply(raw);
        assert!((q[0] - q[2]).abs() < 1e-6);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(cal(0.0, 0.0).check().is_err());
        assert!(cal(f64::NAN, 0.0).check().is_err());
        assert!(cal(1.0, f64::INFINITY).check().is_err());
        let mut other = cal(1.0, 0.0);
        other.method = "isotonic".into();
        assert!(other.check().is_err());
        assert!(cal(1.3, -0.2).check().is_ok());
    }
}
