//! What one inference yields: class probabilities and the expected move.

use flashmm_core::market::MarketId;
use flashmm_core::signal::Prediction;
use flashmm_core::time::UnixNanos;

/// The model's view of the next move, ready to become a [`Prediction`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelOutput {
    /// Probability that the mid falls by more than the dead band.
    pub p_down: f32,
    /// Probability that the mid stays within the dead band.
    pub p_flat: f32,
    /// Probability that the mid rises by more than the dead band.
    pub p_up: f32,
    /// `Σ p_class · mean move of the class` (bps), the class means from the training set.
    pub expected_move_bps: f32,
}

impl ModelOutput {
    /// The output of probabilities `[down, flat, up]` and per-class mean moves (bps).
    pub fn from_probabilities(p: [f32; 3], class_mean_move_bps: &[f32; 3]) -> Self {
        let expected_move_bps = p.iter().zip(class_mean_move_bps).map(|(p, m)| p * m).sum();
        ModelOutput {
            p_down: p[0],
            p_flat: p[1],
            p_up: p[2],
            expected_move_bps,
        }
    }

    /// The predicted direction: +1 when `p_up > p_down`, −1 when `p_down > p_up`, else 0.
    pub fn direction(&self) -> i8 {
        if self.p_up > self.p_down {
            1
        } else if self.p_down > self.p_up {
            -1
        } else {
            0
        }
    }

    /// The most probable class: 0 down, 1 flat, 2 up (ties go to the lower index).
    pub fn class(&self) -> usize {
        let p = [self.p_down, self.p_flat, self.p_up];
        let mut best = 0;
        for (i, v) in p.iter().enumerate() {
            if *v > p[best] {
                best = i;
            }
        }
        best
    }

    /// The stream message for this output.
    pub fn to_prediction(
        &self,
        market: MarketId,
        model_version: &str,
        horizon_ms: u32,
        ts: UnixNanos,
        origin_ts: UnixNanos,
    ) -> Prediction {
        Prediction {
            market,
            model_version: model_version.to_owned(),
            horizon_ms,
            p_down: self.p_down,
            p_flat: self.p_flat,
            p_up: self.p_up,
            expected_move_bps: self.expected_move_bps,
            ts,
            origin_ts,
            inference_ns: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_move_weights_class_means() {
        let o = ModelOutput::from_probabilities([0.2, 0.5, 0.3], &[-4.0, 0.0, 6.0]);
        assert!((o.expected_move_bps - (-0.8 + 1.8)).abs() < 1e-6);
        assert_eq!(o.direction(), 1);
        assert_eq!(o.class(), 1);
        let o = ModelOutput::from_probabilities([0.4, 0.2, 0.4], &[-1.0, 0.0, 1.0]);
        assert_eq!(o.direction(), 0);
        assert_eq!(o.class(), 0);
        let m = MarketId::new("SEI/USDC").unwrap();
        let p = o.to_prediction(m.clone(), "v1", 500, UnixNanos(2), UnixNanos(1));
        assert_eq!(p.market, m);
        assert_eq!(p.origin_ts, UnixNanos(1));
        assert_eq!(p.horizon_ms, 500);
        assert_eq!(p.model_version, "v1");
    }
}
