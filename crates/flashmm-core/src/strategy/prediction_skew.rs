//! How a model [`Prediction`] shapes quotes: a skew of the reservation price and a widening
//! with the model's uncertainty, or neither when the prediction cannot be used.

use crate::market::MarketId;
use crate::signal::Prediction;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// Whether the latest prediction was used, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictionStatus {
    /// Fresh and well formed: it skews and widens the quotes.
    Fresh,
    /// The market data it was computed from (its `origin_ts`) is older than its horizon:
    /// ignored, quotes are the wider no-skew base. A prediction made late (a backlog replayed
    /// after a restart) is as old as its market data, not as its inference.
    Stale,
    /// No prediction has arrived for this market yet: the wider no-skew base.
    Missing,
    /// Malformed (non-finite or out-of-range probabilities or move, another market, or an
    /// `origin_ts` further in the future than its horizon): ignored like a stale one.
    Invalid,
}

impl PredictionStatus {
    /// Whether the quotes were formed without a usable prediction: what the service counts
    /// as a stale-prediction quote.
    pub fn is_stale(self) -> bool {
        self != PredictionStatus::Fresh
    }
}

/// The effect of a prediction on the quotes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionSkew {
    /// Whether the prediction was used.
    pub status: PredictionStatus,
    /// Shift of the reservation price in bps (positive moves quotes up).
    pub skew_bps: f64,
    /// Normalised entropy of `p_up/p_flat/p_down` in `[0, 1]` (1 when not used).
    pub entropy: f64,
}

impl PredictionSkew {
    /// Whether `prediction` can skew quotes in `market` at `now` (see [`Self::evaluate`]).
    pub fn status(
        prediction: Option<&Prediction>,
        market: &MarketId,
        now: UnixNanos,
    ) -> PredictionStatus {
        let Some(p) = prediction else {
            return PredictionStatus::Missing;
        };
        let probs = [p.p_up, p.p_flat, p.p_down].map(f64::from);
        let sum: f64 = probs.iter().sum();
        let well_formed = &p.market == market
            && p.expected_move_bps.is_finite()
            && probs
                .iter()
                .all(|x| x.is_finite() && (0.0..=1.0).contains(x))
            && (sum - 1.0).abs() <= 0.05;
        let horizon_ns = i64::from(p.horizon_ms) * 1_000_000;
        let age_ns = now.as_i64().saturating_sub(p.origin_ts.as_i64());
        if !well_formed || age_ns < -horizon_ns {
            PredictionStatus::Invalid
        } else if age_ns > horizon_ns {
            PredictionStatus::Stale
        } else {
            PredictionStatus::Fresh
        }
    }

    /// The skew of `prediction` at `now` for quotes in `market`: `skew_multiple ×
    /// expected_move_bps`, clamped to ±`max_skew_bps`, and the entropy of its probabilities.
    /// A prediction is fresh while `now − origin_ts ≤ horizon`: its age is that of the market
    /// data it was computed from (ingest's receive time), not of when inference ran. An
    /// `origin_ts` slightly in the future (another host's clock) counts as age zero; one
    /// further ahead than the horizon is invalid.
    pub fn evaluate(
        prediction: Option<&Prediction>,
        market: &MarketId,
        now: UnixNanos,
        skew_multiple: f64,
        max_skew_bps: f64,
    ) -> Self {
        let status = Self::status(prediction, market, now);
        let p = match (status, prediction) {
            (PredictionStatus::Fresh, Some(p)) => p,
            _ => {
                return PredictionSkew {
                    status,
                    skew_bps: 0.0,
                    entropy: 1.0,
                }
            }
        };
        let probs = [p.p_up, p.p_flat, p.p_down].map(f64::from);
        let sum: f64 = probs.iter().sum();
        let entropy = -probs
            .iter()
            .map(|&x| x / sum)
            .filter(|&x| x > 0.0)
            .map(|x| x * x.ln())
            .sum::<f64>()
            / 3f64.ln();
        let skew =
            (skew_multiple * f64::from(p.expected_move_bps)).clamp(-max_skew_bps, max_skew_bps);
        PredictionSkew {
            status: PredictionStatus::Fresh,
            skew_bps: skew,
            entropy: entropy.clamp(0.0, 1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction(p_up: f32, p_flat: f32, p_down: f32, mv: f32, ts: i64) -> Prediction {
        Prediction {
            market: MarketId::new("SEI/USDC").unwrap(),
            model_version: "t".into(),
            horizon_ms: 1_000,
            p_down,
            p_flat,
            p_up,
            expected_move_bps: mv,
            ts: UnixNanos(ts),
            origin_ts: UnixNanos(ts),
            inference_ns: 0,
        }
    }

    fn eval(p: Option<&Prediction>, now: i64) -> PredictionSkew {
        PredictionSkew::evaluate(
            p,
            &MarketId::new("SEI/USDC").unwrap(),
            UnixNanos(now),
            0.5,
            3.0,
        )
    }

    #[test]
    fn fresh_skews_and_measures_entropy() {
        let p = prediction(0.8, 0.2, 0.0, 4.0, 0);
        let s = eval(Some(&p), 1_000_000_000);
        assert_eq!(s.status, PredictionStatus::Fresh);
        assert!((s.skew_bps - 2.0).abs() < 1e-6);
        let want = -(0.8f64 * 0.8f64.ln() + 0.2 * 0.2f64.ln()) / 3f64.ln();
        assert!((s.entropy - want).abs() < 1e-6);
        let uniform = prediction(1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, -100.0, 0);
        let u = eval(Some(&uniform), -5);
        assert!((u.entropy - 1.0).abs() < 1e-6);
        assert_eq!(u.skew_bps, -3.0, "clamped to max_skew_bps");
    }

    #[test]
    fn freshness_is_the_age_of_the_market_data_not_of_the_inference() {
        // Made just now from market data received 5 s ago (a backlog replayed): stale.
        let mut late = prediction(0.8, 0.2, 0.0, 4.0, 10_000_000_000);
        late.origin_ts = UnixNanos(5_000_000_000);
        let s = eval(Some(&late), 10_000_000_000);
        assert_eq!(
            (s.status, s.skew_bps, s.entropy),
            (PredictionStatus::Stale, 0.0, 1.0)
        );
        // Made 900 ms after its market data, evaluated at once: fresh until the horizon
        // passes from the market data.
        late.origin_ts = UnixNanos(9_100_000_000);
        assert_eq!(
            eval(Some(&late), 10_000_000_000).status,
            PredictionStatus::Fresh
        );
        assert_eq!(
            eval(Some(&late), 10_100_000_001).status,
            PredictionStatus::Stale
        );
        // Market data stamped beyond the horizon in the future: not usable.
        late.origin_ts = UnixNanos(11_000_000_001);
        assert_eq!(
            eval(Some(&late), 10_000_000_000).status,
            PredictionStatus::Invalid
        );
        late.origin_ts = UnixNanos(10_500_000_000);
        assert_eq!(
            eval(Some(&late), 10_000_000_000).status,
            PredictionStatus::Fresh,
            "slightly ahead counts as age zero"
        );
    }

    #[test]
    fn stale_missing_invalid_are_unused() {
        let p = prediction(0.8, 0.2, 0.0, 4.0, 0);
        let s = eval(Some(&p), 1_000_000_001);
        assert_eq!(
            (s.status, s.skew_bps, s.entropy),
            (PredictionStatus::Stale, 0.0, 1.0)
        );
        assert!(s.status.is_stale());
        assert_eq!(eval(None, 0).status, PredictionStatus::Missing);
        for bad in [
            prediction(f32::NAN, 0.5, 0.5, 1.0, 0),
            prediction(0.5, 0.5, 0.5, 1.0, 0),
            prediction(0.5, 0.5, 0.0, f32::INFINITY, 0),
            prediction(1.5, -0.5, 0.0, 1.0, 0),
        ] {
            assert_eq!(eval(Some(&bad), 0).status, PredictionStatus::Invalid);
        }
        let mut other = p.clone();
        other.market = MarketId::new("ETH/USDC").unwrap();
        assert_eq!(eval(Some(&other), 0).status, PredictionStatus::Invalid);
        assert!(!PredictionStatus::Fresh.is_stale());
    }
}
