//! The order-arrival model λ(δ) = A·e^(−κδ), estimated online from public trades:
//! [`IntensityEstimator`] (κ, how fast arrival decays with distance from the mid) and
//! [`ArrivalRateEstimator`] (A, how often trades arrive).

use crate::time::UnixNanos;
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

/// An online estimate of A in the arrival model λ(δ) = A·e^(−κδ): public trades per second.
///
/// Under that model every trade prints at some distance δ ≥ 0 from the mid, so A is the rate
/// of all public trades (both sides, as in hftbacktest's GLFT example). Its estimate is
/// 1 / mean inter-arrival time, the mean an EWMA over trades (weight `alpha` per interval
/// between consecutive trade times). Trades with the same time (one aggressor's prints) are
/// intervals of zero; a time earlier than the latest seen counts as zero too. Until
/// `min_samples` intervals the default is used, and the result is clamped to `[min, max]`.
/// A quiet spell counts once the next trade closes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivalRateEstimator {
    alpha: f64,
    default: f64,
    min: f64,
    max: f64,
    min_samples: u32,
    last: Option<UnixNanos>,
    mean_interval_secs: f64,
    samples: u32,
}

impl ArrivalRateEstimator {
    /// A fresh estimator; parameters as in [`RawQuoteParams`](super::RawQuoteParams)
    /// (`a_alpha`, `a_default`, `a_min`, `a_max`, `a_min_samples`).
    pub fn new(alpha: f64, default: f64, min: f64, max: f64, min_samples: u32) -> Self {
        ArrivalRateEstimator {
            alpha,
            default,
            min,
            max,
            min_samples,
            last: None,
            mean_interval_secs: 0.0,
            samples: 0,
        }
    }

    /// Feeds one trade at `now`: the interval since the previous trade.
    pub fn observe(&mut self, now: UnixNanos) {
        let Some(last) = self.last else {
            self.last = Some(now);
            return;
        };
        let dt = now.0.saturating_sub(last.0).max(0) as f64 * 1e-9;
        self.mean_interval_secs = if self.samples == 0 {
            dt
        } else {
            self.mean_interval_secs + self.alpha * (dt - self.mean_interval_secs)
        };
        self.samples = self.samples.saturating_add(1);
        self.last = Some(last.max(now));
    }

    /// A in trades per second, clamped to `[min, max]`; the default until warmed up.
    pub fn rate(&self) -> f64 {
        if self.samples < self.min_samples {
            return self.default;
        }
        if self.mean_interval_secs <= 0.0 {
            return self.max;
        }
        (1.0 / self.mean_interval_secs).clamp(self.min, self.max)
    }

    /// Intervals between trades folded in so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    #[test]
    fn inverse_mean_interval() {
        let mut e = ArrivalRateEstimator::new(0.25, 1.0, 0.01, 1_000.0, 4);
        assert_eq!(e.rate(), 1.0);
        e.observe(UnixNanos(0));
        assert_eq!(e.samples(), 0, "the first trade opens the first interval");
        for i in 1..=3 {
            e.observe(UnixNanos(i * 500 * MS));
        }
        assert_eq!(e.rate(), 1.0, "still the default before min_samples");
        e.observe(UnixNanos(2_000 * MS));
        assert!((e.rate() - 2.0).abs() < 1e-12, "every 500 ms: {}", e.rate());
        // One 100 ms interval: mean = 0.5 + 0.25 × (0.1 − 0.5) = 0.4 s.
        e.observe(UnixNanos(2_100 * MS));
        assert!((e.rate() - 2.5).abs() < 1e-12, "{}", e.rate());
        trades_every(&mut e, 2_100 * MS, 100 * MS, 200);
        assert!((e.rate() - 10.0).abs() < 1e-6, "{}", e.rate());
    }

    #[test]
    fn arrival_rate_clamped_and_robust() {
        let mut e = ArrivalRateEstimator::new(0.5, 1.0, 0.1, 50.0, 1);
        e.observe(UnixNanos(1_000 * MS));
        e.observe(UnixNanos(1_000 * MS));
        assert_eq!(e.rate(), 50.0, "same-time prints: capped, not infinite");
        e.observe(UnixNanos(500 * MS));
        assert_eq!(
            e.samples(),
            2,
            "a time going back counts as an interval of zero"
        );
        assert_eq!(e.rate(), 50.0);
        // The latest time (1 s) stays the reference: mean = 0 + 0.5 × (1 − 0) = 0.5 s.
        e.observe(UnixNanos(2_000 * MS));
        assert!((e.rate() - 2.0).abs() < 1e-12, "{}", e.rate());
        trades_every(&mut e, 2_000 * MS, 1_000_000 * MS, 100);
        assert_eq!(e.rate(), 0.1, "a dead market: floored");
    }

    /// `n` trades `step` ns apart after `from`.
    fn trades_every(e: &mut ArrivalRateEstimator, from: i64, step: i64, n: i64) {
        for i in 1..=n {
            e.observe(UnixNanos(from + i * step));
        }
    }

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
