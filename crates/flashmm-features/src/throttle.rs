//! [`Throttle`]: at most `max_rate_hz` publications per second for one market, driven by
//! the caller's clock.

use crate::error::FeatureError;
use flashmm_core::time::UnixNanos;

/// Lets a publication through when at least `1 / max_rate_hz` has passed since the last one
/// let through. The caller passes `now`; the throttle reads no clock.
///
/// The feature service keeps one per market next to its [`FeatureEngine`]: on each book
/// event it asks [`try_acquire`](Self::try_acquire) and publishes the engine's vector only
/// when allowed, so the latest vector always wins and none queue up.
///
/// [`FeatureEngine`]: crate::FeatureEngine
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    interval_ns: i64,
    last: Option<i64>,
}

impl Throttle {
    /// A throttle at `max_rate_hz` (finite, > 0 and at most 1e9). The interval is rounded
    /// up to a whole nanosecond, so the rate is never exceeded.
    pub fn new(max_rate_hz: f64) -> Result<Self, FeatureError> {
        if !max_rate_hz.is_finite() || max_rate_hz <= 0.0 || max_rate_hz > 1e9 {
            return Err(FeatureError::InvalidRate(max_rate_hz));
        }
        let interval = (1e9 / max_rate_hz).ceil();
        Ok(Throttle {
            // At least 1 ns; at most ~1e18 ns for rates down to the smallest positive f64.
            interval_ns: if interval >= i64::MAX as f64 {
                i64::MAX
            } else {
                (interval as i64).max(1)
            },
            last: None,
        })
    }

    /// The minimum time between two publications, in nanoseconds.
    pub fn interval_ns(&self) -> i64 {
        self.interval_ns
    }

    /// Whether a publication at `now` would be let through, without recording it.
    pub fn ready(&self, now: UnixNanos) -> bool {
        match self.last {
            None => true,
            // A clock stepped back resyncs rather than stalling for the length of the step.
            Some(last) if now.0 < last => true,
            Some(last) => now.0.saturating_sub(last) >= self.interval_ns,
        }
    }

    /// Records a publication at `now` and returns `true` when it is let through.
    pub fn try_acquire(&mut self, now: UnixNanos) -> bool {
        let ok = self.ready(now);
        if ok {
            self.last = Some(now.0);
        }
        ok
    }

    /// The earliest time the next publication will be let through (`None` before the
    /// first), for a service that wants to publish the latest vector once the wait is over.
    pub fn next_allowed(&self) -> Option<UnixNanos> {
        self.last
            .map(|last| UnixNanos(last.saturating_add(self.interval_ns)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_never_exceeded() {
        let mut t = Throttle::new(10.0).unwrap();
        assert_eq!(t.interval_ns(), 100_000_000);
        assert!(t.try_acquire(UnixNanos(0)));
        assert!(!t.try_acquire(UnixNanos(99_999_999)));
        assert!(t.try_acquire(UnixNanos(100_000_000)));
        assert_eq!(t.next_allowed(), Some(UnixNanos(200_000_000)));
        // Events every millisecond for one second: exactly 10 let through.
        let mut t = Throttle::new(10.0).unwrap();
        let passed = (0..1_000)
            .filter(|i| t.try_acquire(UnixNanos(i * 1_000_000)))
            .count();
        assert_eq!(passed, 10);
    }

    #[test]
    fn odd_inputs() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 2e9] {
            assert!(matches!(
                Throttle::new(bad),
                Err(FeatureError::InvalidRate(_))
            ));
        }
        assert_eq!(Throttle::new(1e-300).unwrap().interval_ns(), i64::MAX);
        assert_eq!(Throttle::new(1e9).unwrap().interval_ns(), 1);
        // A clock stepped back lets the next one through and restarts from there.
        let mut t = Throttle::new(1.0).unwrap();
        assert!(t.try_acquire(UnixNanos(10_000_000_000)));
        assert!(t.try_acquire(UnixNanos(5_000_000_000)));
        assert!(!t.try_acquire(UnixNanos(5_500_000_000)));
        // Far-future times saturate instead of overflowing.
        assert!(t.try_acquire(UnixNanos(i64::MAX)));
        assert_eq!(t.next_allowed(), Some(UnixNanos(i64::MAX)));
    }
}
