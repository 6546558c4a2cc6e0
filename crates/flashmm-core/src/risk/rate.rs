//! A token bucket that limits the rate of new orders.

use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// One token in the bucket's fixed-point units (a billionth of a token per unit), so that
/// refilling at `per_sec` tokens per second adds exactly `per_sec` units per nanosecond.
const TOKEN: u64 = 1_000_000_000;

/// A token bucket allowing `per_sec` orders per second with bursts of up to `per_sec`.
///
/// Pure: every call takes the current time. Time that goes backwards refills nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRateLimiter {
    per_sec: u32,
    units: u64,
    last: UnixNanos,
}

impl OrderRateLimiter {
    /// A full bucket at `now`.
    pub fn new(per_sec: u32, now: UnixNanos) -> Self {
        OrderRateLimiter {
            per_sec,
            units: Self::capacity(per_sec),
            last: now,
        }
    }

    fn capacity(per_sec: u32) -> u64 {
        u64::from(per_sec).saturating_mul(TOKEN)
    }

    fn refilled(&self, now: UnixNanos) -> u64 {
        let elapsed = u64::try_from(now.since(self.last)).unwrap_or(0);
        self.units
            .saturating_add(elapsed.saturating_mul(u64::from(self.per_sec)))
            .min(Self::capacity(self.per_sec))
    }

    /// The configured rate.
    pub fn per_sec(&self) -> u32 {
        self.per_sec
    }

    /// Whole orders that may be sent at `now`.
    pub fn available(&self, now: UnixNanos) -> u32 {
        u32::try_from(self.refilled(now) / TOKEN).unwrap_or(u32::MAX)
    }

    /// Takes one token at `now` if there is one; returns whether the order may go.
    pub fn try_acquire(&mut self, now: UnixNanos) -> bool {
        self.units = self.refilled(now);
        self.last = self.last.max(now);
        match self.units.checked_sub(TOKEN) {
            Some(left) => {
                self.units = left;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::time::NANOS_PER_MILLI as MS;

    #[test]
    fn bursts_then_refills() {
        let mut r = OrderRateLimiter::new(4, UnixNanos(0));
        assert_eq!(r.available(UnixNanos(0)), 4);
        assert!((0..4).all(|_| r.try_acquire(UnixNanos(0))));
        assert!(!r.try_acquire(UnixNanos(0)));
        assert!(!r.try_acquire(UnixNanos(249 * MS)));
        assert!(r.try_acquire(UnixNanos(250 * MS)));
        assert_eq!(r.available(UnixNanos(10_000 * MS)), 4);
        // A clock step backwards neither refills nor panics.
        assert!(!r.try_acquire(UnixNanos(0)));
        assert_eq!(r.available(UnixNanos(500 * MS)), 1);
    }

    #[test]
    fn zero_rate_never_allows() {
        let mut r = OrderRateLimiter::new(0, UnixNanos(0));
        assert!(!r.try_acquire(UnixNanos(i64::MAX)));
    }
}
