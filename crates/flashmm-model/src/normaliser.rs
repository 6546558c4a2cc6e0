//! Feature normalisation as the training script did it: `clip((x − mean) / std, ±clip)` in f32.

use crate::error::ModelError;

/// Per-feature z-scoring with the training set's mean and standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct Normaliser {
    mean: Vec<f32>,
    std: Vec<f32>,
    clip: f32,
}

impl Normaliser {
    /// A normaliser; refuses unequal lengths, non-finite values, a standard deviation ≤ 0 and
    /// a clip bound ≤ 0.
    pub fn new(mean: Vec<f32>, std: Vec<f32>, clip: f32) -> Result<Self, ModelError> {
        let invalid = |reason: String| ModelError::InvalidField {
            field: "normalisation",
            reason,
        };
        if mean.len() != std.len() {
            return Err(invalid(format!(
                "{} means but {} standard deviations",
                mean.len(),
                std.len()
            )));
        }
        if let Some(i) = mean.iter().position(|m| !m.is_finite()) {
            return Err(invalid(format!("mean[{i}] is not finite")));
        }
        if let Some(i) = std.iter().position(|s| !s.is_finite() || *s <= 0.0) {
            return Err(invalid(format!("std[{i}] is not a positive number")));
        }
        if !clip.is_finite() || clip <= 0.0 {
            return Err(invalid(format!("clip {clip} is not a positive number")));
        }
        Ok(Normaliser { mean, std, clip })
    }

    /// The number of features.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// True when there are no features.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// Writes the normalised `values` into `out`; refuses a length mismatch and non-finite
    /// values (infinities included: a finite model input must come from a finite feature).
    pub fn apply(&self, values: &[f32], out: &mut [f32]) -> Result<(), ModelError> {
        if values.len() != self.mean.len() || out.len() != self.mean.len() {
            return Err(ModelError::VectorLength {
                expected: self.mean.len(),
                found: values.len(),
            });
        }
        for (i, (((o, &x), &m), &s)) in out
            .iter_mut()
            .zip(values)
            .zip(&self.mean)
            .zip(&self.std)
            .enumerate()
        {
            if !x.is_finite() {
                return Err(ModelError::NonFiniteInput { index: i });
            }
            *o = ((x - m) / s).clamp(-self.clip, self.clip);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_and_clips() {
        let n = Normaliser::new(vec![1.0, -2.0, 0.0], vec![2.0, 0.5, 1.0], 10.0).unwrap();
        let mut out = [0.0; 3];
        n.apply(&[3.0, -2.0, 1e9], &mut out).unwrap();
        assert_eq!(out, [1.0, 0.0, 10.0]);
        n.apply(&[3.0, -2.0, -1e9], &mut out).unwrap();
        assert_eq!(out[2], -10.0);
    }

    #[test]
    fn refuses_bad_parameters_and_inputs() {
        assert!(Normaliser::new(vec![0.0], vec![0.0], 1.0).is_err());
        assert!(Normaliser::new(vec![0.0], vec![-1.0], 1.0).is_err());
        assert!(Normaliser::new(vec![f32::NAN], vec![1.0], 1.0).is_err());
        assert!(Normaliser::new(vec![0.0, 1.0], vec![1.0], 1.0).is_err());
        assert!(Normaliser::new(vec![0.0], vec![1.0], 0.0).is_err());
        let n = Normaliser::new(vec![0.0, 0.0], vec![1.0, 1.0], 5.0).unwrap();
        let mut out = [0.0; 2];
        assert!(matches!(
            n.apply(&[0.0, f32::NAN], &mut out),
            Err(ModelError::NonFiniteInput { index: 1 })
        ));
        assert!(matches!(
            n.apply(&[f32::INFINITY, 0.0], &mut out),
            Err(ModelError::NonFiniteInput { index: 0 })
        ));
        assert!(matches!(
            n.apply(&[0.0], &mut out),
            Err(ModelError::VectorLength {
                expected: 2,
                found: 1
            })
        ));
    }
}
