//! [`CircuitBreaker`]: too many venue rejects or timeouts in a window stop order entry for a
//! backoff that doubles while failures go on.

use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakerConfig {
    /// Failures within `window_ms` that open the breaker (≥ 1).
    pub threshold: u32,
    /// The window failures are counted in, ms.
    pub window_ms: u64,
    /// How long the first opening lasts, ms.
    pub backoff_ms: u64,
    /// The longest opening, ms (each reopening without a success in between doubles it).
    pub max_backoff_ms: u64,
}

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Orders flow.
    Closed,
    /// No orders until `until`.
    Open {
        /// When order entry may be tried again.
        until: UnixNanos,
    },
    /// The backoff ran out: orders are tried; one failure reopens with a longer backoff, one
    /// success closes.
    HalfOpen,
}

/// Counts venue failures; pure, the caller passes the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    failures: VecDeque<UnixNanos>,
    open_until: Option<UnixNanos>,
    /// Openings since the last success.
    openings: u32,
}

use crate::time::NANOS_PER_MILLI as MS;

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        CircuitBreaker {
            config,
            failures: VecDeque::new(),
            open_until: None,
            openings: 0,
        }
    }

    /// The state at `now`.
    pub fn state(&self, now: UnixNanos) -> BreakerState {
        match self.open_until {
            Some(until) if now < until => BreakerState::Open { until },
            Some(_) => BreakerState::HalfOpen,
            None => BreakerState::Closed,
        }
    }

    /// Whether an order may be sent at `now`.
    pub fn allows(&self, now: UnixNanos) -> bool {
        !matches!(self.state(now), BreakerState::Open { .. })
    }

    /// Records a reject or timeout; returns `true` when this failure opened the breaker.
    pub fn record_failure(&mut self, now: UnixNanos) -> bool {
        match self.state(now) {
            BreakerState::Open { .. } => return false,
            BreakerState::HalfOpen => return self.open(now),
            BreakerState::Closed => {}
        }
        let window = i64::try_from(self.config.window_ms)
            .unwrap_or(i64::MAX)
            .saturating_mul(MS);
        self.failures.push_back(now);
        while let Some(&first) = self.failures.front() {
            if now.since(first) > window {
                self.failures.pop_front();
            } else {
                break;
            }
        }
        if self.failures.len() >= self.config.threshold.max(1) as usize {
            return self.open(now);
        }
        false
    }

    /// Records an accepted request: a half-open breaker closes and the backoff resets.
    pub fn record_success(&mut self, now: UnixNanos) {
        if !matches!(self.state(now), BreakerState::Open { .. }) {
            self.open_until = None;
            self.openings = 0;
        }
    }

    fn open(&mut self, now: UnixNanos) -> bool {
        let factor = 1u64 << self.openings.min(20);
        let backoff = self
            .config
            .backoff_ms
            .saturating_mul(factor)
            .min(self.config.max_backoff_ms.max(self.config.backoff_ms));
        let backoff_ns = i64::try_from(backoff)
            .unwrap_or(i64::MAX)
            .saturating_mul(MS);
        self.open_until = Some(UnixNanos(now.0.saturating_add(backoff_ns)));
        self.openings = self.openings.saturating_add(1);
        self.failures.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            threshold: 3,
            window_ms: 1_000,
            backoff_ms: 500,
            max_backoff_ms: 1_500,
        })
    }

    #[test]
    fn burst_opens_then_backs_off_longer() {
        let mut b = breaker();
        assert!(!b.record_failure(UnixNanos(0)));
        assert!(!b.record_failure(UnixNanos(MS)));
        // The first failure left the window: still two.
        assert!(!b.record_failure(UnixNanos(1_001 * MS)));
        assert!(b.record_failure(UnixNanos(1_001 * MS)), "three within 1 s");
        assert!(!b.allows(UnixNanos(1_500 * MS)));
        assert_eq!(b.state(UnixNanos(1_501 * MS)), BreakerState::HalfOpen);
        // One failure half-open reopens for twice as long.
        assert!(b.record_failure(UnixNanos(1_600 * MS)));
        assert_eq!(
            b.state(UnixNanos(1_600 * MS)),
            BreakerState::Open {
                until: UnixNanos(2_600 * MS)
            }
        );
        assert!(b.record_failure(UnixNanos(2_600 * MS)));
        assert_eq!(
            b.state(UnixNanos(2_600 * MS)),
            BreakerState::Open {
                until: UnixNanos(4_100 * MS)
            },
            "capped at max_backoff_ms"
        );
        b.record_success(UnixNanos(4_100 * MS));
        assert_eq!(b.state(UnixNanos(4_100 * MS)), BreakerState::Closed);
        assert!(!b.record_failure(UnixNanos(5_000 * MS)));
    }
}
