//! Per-key token-bucket rate limiting, driven by the caller's clock.
//!
//! Pure: every call takes `now` in nanoseconds, so the server passes its monotonic clock and
//! tests pass whatever time they like. Token arithmetic is exact integer arithmetic.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;
use thiserror::Error;

/// Credit units per token: credit is counted in token-nanoseconds per second, so refilling
/// `rate` tokens per second adds exactly `rate` units per nanosecond.
const UNITS_PER_TOKEN: u128 = 1_000_000_000;

/// The shape of a bucket: how many tokens it holds and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// The most tokens a bucket holds (the allowed burst).
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_sec: u32,
}

/// Why a request was refused by the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RateLimitError {
    /// Not enough tokens now; enough will have accrued after `retry_after_ns`.
    #[error("rate limited, retry in {retry_after_ns} ns")]
    Exhausted {
        /// Nanoseconds until the request would succeed (`u64::MAX` if never refilled).
        retry_after_ns: u64,
    },
    /// The request costs more tokens than the bucket can ever hold.
    #[error("request costs {cost} tokens, bucket holds at most {capacity}")]
    ExceedsCapacity {
        /// The request's cost.
        cost: u32,
        /// The bucket's capacity.
        capacity: u32,
    },
}

/// One token bucket. Starts full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    limit: RateLimit,
    credit: u128,
    last_ns: i64,
}

impl TokenBucket {
    /// A full bucket as of `now_ns`.
    pub fn new(limit: RateLimit, now_ns: i64) -> Self {
        TokenBucket {
            limit,
            credit: u128::from(limit.capacity) * UNITS_PER_TOKEN,
            last_ns: now_ns,
        }
    }

    /// Takes `cost` tokens if the bucket holds them at `now_ns`; otherwise takes nothing.
    /// A clock that goes backwards adds no tokens.
    pub fn try_take(&mut self, now_ns: i64, cost: u32) -> Result<(), RateLimitError> {
        if cost > self.limit.capacity {
            return Err(RateLimitError::ExceedsCapacity {
                cost,
                capacity: self.limit.capacity,
            });
        }
        self.refill(now_ns);
        let need = u128::from(cost) * UNITS_PER_TOKEN;
        if self.credit >= need {
            self.credit -= need;
            return Ok(());
        }
        let rate = u128::from(self.limit.refill_per_sec);
        let retry_after_ns = match rate {
            0 => u64::MAX,
            r => u64::try_from((need - self.credit).div_ceil(r)).unwrap_or(u64::MAX),
        };
        Err(RateLimitError::Exhausted { retry_after_ns })
    }

    /// Whole tokens available at `now_ns`.
    pub fn tokens(&mut self, now_ns: i64) -> u32 {
        self.refill(now_ns);
        u32::try_from(self.credit / UNITS_PER_TOKEN).unwrap_or(u32::MAX)
    }

    /// Whether the bucket is full at `now_ns` (an idle key that can be forgotten).
    pub fn is_full(&mut self, now_ns: i64) -> bool {
        self.tokens(now_ns) >= self.limit.capacity
    }

    fn refill(&mut self, now_ns: i64) {
        if now_ns <= self.last_ns {
            return;
        }
        let elapsed = u128::from(now_ns.abs_diff(self.last_ns));
        let cap = u128::from(self.limit.capacity) * UNITS_PER_TOKEN;
        let add = elapsed.saturating_mul(u128::from(self.limit.refill_per_sec));
        self.credit = self.credit.saturating_add(add).min(cap);
        self.last_ns = now_ns;
    }
}

/// A token bucket per key (an account, an API key, an IP address), all with one limit.
#[derive(Debug, Clone)]
pub struct RateLimiter<K> {
    limit: RateLimit,
    buckets: HashMap<K, TokenBucket>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// A limiter giving each new key a full bucket of `limit`.
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: HashMap::new(),
        }
    }

    /// Charges `cost` tokens to `key` at `now_ns`, or refuses and charges nothing.
    pub fn check(&mut self, key: K, now_ns: i64, cost: u32) -> Result<(), RateLimitError> {
        let limit = self.limit;
        self.buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::new(limit, now_ns))
            .try_take(now_ns, cost)
    }

    /// Drops the buckets that are full at `now_ns` (they behave exactly like new ones), so
    /// memory stays bounded by the recently active keys.
    pub fn forget_idle(&mut self, now_ns: i64) {
        self.buckets.retain(|_, b| !b.is_full(now_ns));
    }

    /// The number of keys tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use flashmm_core::time::NANOS_PER_SEC as SEC;

    fn limit() -> RateLimit {
        RateLimit {
            capacity: 5,
            refill_per_sec: 10,
        }
    }

    #[test]
    fn burst_then_refill() {
        let mut b = TokenBucket::new(limit(), 0);
        for _ in 0..5 {
            b.try_take(0, 1).unwrap();
        }
        assert_eq!(
            b.try_take(0, 1),
            Err(RateLimitError::Exhausted {
                retry_after_ns: 100_000_000
            })
        );
        assert!(b.try_take(SEC / 10 - 1, 1).is_err());
        b.try_take(SEC / 10, 1).unwrap();
        assert_eq!(b.tokens(100 * SEC), 5, "refill is capped at capacity");
        assert!(matches!(
            b.try_take(100 * SEC, 6),
            Err(RateLimitError::ExceedsCapacity { .. })
        ));
    }

    #[test]
    fn clock_going_backwards_adds_nothing() {
        let mut b = TokenBucket::new(limit(), 10 * SEC);
        b.try_take(10 * SEC, 5).unwrap();
        assert!(b.try_take(0, 1).is_err());
        assert_eq!(b.tokens(10 * SEC), 0);
    }

    #[test]
    fn zero_refill_never_recovers() {
        let mut b = TokenBucket::new(
            RateLimit {
                capacity: 1,
                refill_per_sec: 0,
            },
            0,
        );
        b.try_take(0, 1).unwrap();
        assert_eq!(
            b.try_take(i64::MAX, 1),
            Err(RateLimitError::Exhausted {
                retry_after_ns: u64::MAX
            })
        );
    }

    #[test]
    fn keys_are_independent_and_idle_ones_forgotten() {
        let mut rl = RateLimiter::new(limit());
        rl.check("a", 0, 5).unwrap();
        assert!(rl.check("a", 0, 1).is_err());
        rl.check("b", 0, 5).unwrap();
        assert_eq!(rl.len(), 2);
        rl.forget_idle(SEC / 10);
        assert_eq!(rl.len(), 2, "buckets refilling are kept");
        rl.forget_idle(SEC);
        assert!(rl.is_empty());
    }
}
