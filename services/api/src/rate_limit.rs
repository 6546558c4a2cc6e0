//! Token buckets: `rate_limit_burst` requests at once, refilled at `rate_limit_per_sec`, one
//! per key. The API keeps one limiter keyed by client address (the TCP peer, or the address a
//! trusted proxy names: [`crate::client`]) for every route but the admin actions, and one keyed
//! by principal for authenticated admin actions, so traffic from an address an admin shares
//! (everyone behind one proxy, say) cannot make their pause answer 429.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle ones are dropped.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets by key: client addresses by default.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash> RateLimiter<K> {
    /// A limiter allowing `burst` requests at once and `per_sec` a second after that.
    pub fn new(per_sec: u32, burst: u32) -> Self {
        RateLimiter {
            per_sec: f64::from(per_sec.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `client` at `now`; `Err` carries how long until one is free.
    pub fn check(&self, client: K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * per_sec < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_sec).min(self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_sec,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_client() {
        let limiter: RateLimiter = RateLimiter::new(2, 3);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(500));
        assert!(
            limiter.check(b, t0).is_ok(),
            "clients have their own buckets"
        );
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn principals_have_their_own_buckets() {
        let limiter = RateLimiter::<String>::new(1, 1);
        let t0 = Instant::now();
        assert!(limiter.check("alice".to_owned(), t0).is_ok());
        assert!(limiter.check("alice".to_owned(), t0).is_err());
        assert!(limiter.check("bob".to_owned(), t0).is_ok());
    }
}
