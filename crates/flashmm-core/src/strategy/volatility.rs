//! [`VolatilityEstimator`]: σ of the mid's log-returns, per second, estimated online.

use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

const NANOS_PER_SEC: f64 = crate::time::NANOS_PER_SEC as f64;

/// An online estimate of the mid's volatility in bps per √second.
///
/// Each sample is the log-return from the previous sample, taken at least `min_interval`
/// later (mids arriving sooner are folded into the next sample), scaled to one second:
/// `r² / Δt`. Samples feed an EWMA whose weight decays with time (half-life `halflife`), so
/// bursts of events do not outweigh quiet periods. Until `min_samples` samples the default
/// is reported, and the output is always clamped to `[floor, cap]`: sparse data, a frozen
/// mid or one wild print cannot produce σ = 0 or ∞.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolatilityEstimator {
    halflife_secs: f64,
    min_interval_ns: i64,
    default_bps: f64,
    floor_bps: f64,
    cap_bps: f64,
    min_samples: u32,
    anchor: Option<(UnixNanos, f64)>,
    /// EWMA of per-second squared log-returns (fraction², not bps²).
    variance: f64,
    samples: u32,
}

impl VolatilityEstimator {
    /// A fresh estimator; the parameters are those of [`RawQuoteParams`](super::RawQuoteParams)
    /// and assumed checked by [`QuoteParams`](super::QuoteParams).
    pub fn new(
        halflife_secs: f64,
        min_interval_ms: u64,
        default_bps: f64,
        floor_bps: f64,
        cap_bps: f64,
        min_samples: u32,
    ) -> Self {
        VolatilityEstimator {
            halflife_secs,
            min_interval_ns: i64::try_from(min_interval_ms.saturating_mul(1_000_000))
                .unwrap_or(i64::MAX),
            default_bps,
            floor_bps,
            cap_bps,
            min_samples,
            anchor: None,
            variance: 0.0,
            samples: 0,
        }
    }

    /// Feeds the mid (any positive unit, e.g. ticks) observed at `now`. Non-positive or
    /// non-finite mids and time going backwards are ignored.
    pub fn observe(&mut self, now: UnixNanos, mid: f64) {
        if !(mid.is_finite() && mid > 0.0) {
            return;
        }
        let Some((t0, m0)) = self.anchor else {
            self.anchor = Some((now, mid));
            return;
        };
        let dt_ns = now.since(t0);
        if dt_ns < self.min_interval_ns {
            return;
        }
        let dt = dt_ns as f64 / NANOS_PER_SEC;
        let r = (mid / m0).ln();
        let sample = r * r / dt;
        if sample.is_finite() {
            let w = 1.0 - (-dt * std::f64::consts::LN_2 / self.halflife_secs).exp();
            self.variance = if self.samples == 0 {
                sample
            } else {
                self.variance + w * (sample - self.variance)
            };
            self.samples = self.samples.saturating_add(1);
        }
        self.anchor = Some((now, mid));
    }

    /// σ in bps per √second, clamped to `[floor, cap]`; the default until warmed up.
    pub fn sigma_bps(&self) -> f64 {
        let raw = if self.samples < self.min_samples {
            self.default_bps
        } else {
            self.variance.sqrt() * 1e4
        };
        if raw.is_finite() {
            raw.clamp(self.floor_bps, self.cap_bps)
        } else {
            self.cap_bps
        }
    }

    /// Returns folded into the estimate so far.
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// Whether enough samples were seen for the estimate to replace the default.
    pub fn is_warm(&self) -> bool {
        self.samples >= self.min_samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::time::NANOS_PER_MILLI as MS;

    fn est(min_samples: u32) -> VolatilityEstimator {
        VolatilityEstimator::new(30.0, 100, 2.0, 0.2, 500.0, min_samples)
    }

    #[test]
    fn default_until_warm_then_estimate() {
        let mut e = est(5);
        assert_eq!(e.sigma_bps(), 2.0);
        // Alternating ±10 bps moves every second: per-second σ of 10 bps.
        let up = 1.001f64;
        let mut mid = 10_000.0;
        for i in 0..=40 {
            e.observe(UnixNanos(i * 1_000 * MS), mid);
            mid = if i % 2 == 0 { mid * up } else { mid / up };
        }
        assert!(e.is_warm());
        assert!(
            (e.sigma_bps() - up.ln() * 1e4).abs() < 1e-6,
            "{}",
            e.sigma_bps()
        );
    }

    #[test]
    fn per_second_scaling_of_faster_samples() {
        let mut e = est(1);
        let step = 1.0001f64; // 1 bp every 250 ms: 4 bp² per second → 2 bps per √s
        let mut mid = 5_000.0;
        for i in 0..=200 {
            e.observe(UnixNanos(i * 250 * MS), mid);
            mid = if i % 2 == 0 { mid * step } else { mid / step };
        }
        assert!((e.sigma_bps() - 2.0 * step.ln() * 1e4).abs() < 1e-6);
    }

    #[test]
    fn sparse_and_bad_data_are_robust() {
        let mut e = est(1);
        e.observe(UnixNanos(0), 100.0);
        // Too soon, bad values, time backwards: no sample.
        e.observe(UnixNanos(50 * MS), 200.0);
        e.observe(UnixNanos(200 * MS), f64::NAN);
        e.observe(UnixNanos(200 * MS), -1.0);
        assert_eq!(e.samples(), 0);
        assert_eq!(e.sigma_bps(), 2.0);
        // A frozen mid gives zero variance: the floor is reported.
        for i in 1..10 {
            e.observe(UnixNanos(i * 1_000 * MS), 100.0);
        }
        assert_eq!(e.sigma_bps(), 0.2);
        // A wild jump is capped.
        e.observe(UnixNanos(10_001 * MS), 1_000.0);
        assert_eq!(e.sigma_bps(), 500.0);
    }
}
