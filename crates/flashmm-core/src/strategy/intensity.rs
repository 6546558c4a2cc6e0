//! [`IntensityEstimator`]: κ, how fast order arrival decays with distance from the mid.

use serde::{Deserialize, Serialize};

/// An online estimate of κ in the arrival model λ(δ) = A·e^(−κδ), δ in bps from the mid.
///
/// Under that model the distance from the mid at which trades print is exponentially
/// distributed with rate κ, so κ's maximum-likelihood estimate is 1 / mean distance. The
/// mean is an EWMA over trades (weight `alpha` per trade). Until `min_samples` trades the
/// default is used, and the result is clamped to `[min, max]`; a trade at the mid (distance
/// zero) counts as a quarter of a bp so one print cannot send κ to infinity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntensityEstimator {
    alpha: f64,
    default: f64,
    min: f64,
    max: f64,
    min_samples: u32,
    mean_distance_bps: f64,
    samples: u32,
}

/// The smallest distance counted, in bps.
const MIN_DISTANCE_BPS: f64 = 0.25;

impl IntensityEstimator {
    /// A fresh estimator; parameters as in [`RawQuoteParams`](super::RawQuoteParams).
    pub fn new(alpha: f64, default: f64, min: f64, max: f64, min_samples: u32) -> Self {
        IntensityEstimator {
            alpha,
            default,
            min,
            max,
            min_samples,
            mean_distance_bps: 0.0,
            samples: 0,
        }
    }

    /// Feeds one trade that printed `distance_bps` away from the mid (sign ignored).
    /// Non-finite distances are ignored.
    pub fn observe(&mut self, distance_bps: f64) {
        if !distance_bps.is_finite() {
            return;
        }
        let d = distance_bps.abs().max(MIN_DISTANCE_BPS);
        self.mean_distance_bps = if self.samples == 0 {
            d
        } else {
            self.mean_distance_bps + self.alpha * (d - self.mean_distance_bps)
        };
        self.samples = self.samples.saturating_add(1);
    }

    /// κ per bps, clamped to `[min, max]`; the default until warmed up.
    pub fn kappa(&self) -> f64 {
        if self.samples < self.min_samples {
            return self.default;
        }
        (1.0 / self.mean_distance_bps).clamp(self.min, self.max)
    }

    /// Trades folded in so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_mean_distance() {
        let mut e = IntensityEstimator::new(1.0 / 4.0, 0.5, 0.01, 100.0, 4);
        assert_eq!(e.kappa(), 0.5);
        for _ in 0..3 {
            e.observe(4.0);
        }
        assert_eq!(e.kappa(), 0.5, "still the default before min_samples");
        e.observe(-4.0);
        assert!((e.kappa() - 0.25).abs() < 1e-12);
        for _ in 0..200 {
            e.observe(1.0);
        }
        assert!((e.kappa() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn clamped_and_robust() {
        let mut e = IntensityEstimator::new(0.5, 0.5, 0.01, 2.0, 1);
        e.observe(f64::NAN);
        assert_eq!(e.samples(), 0);
        e.observe(0.0);
        assert_eq!(e.kappa(), 2.0, "zero distance is floored then κ capped");
        for _ in 0..100 {
            e.observe(1e9);
        }
        assert_eq!(e.kappa(), 0.01);
    }
}
