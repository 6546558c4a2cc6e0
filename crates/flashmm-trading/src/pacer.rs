//! Paces venue requests to the venue's budget for the trading key.
//!
//! The venue charges every signed request of a key (places, cancels, listings) to one token
//! bucket and refuses what goes over. A refused cancel leaves a quote we meant to pull resting
//! on the book, and counting as open, until it is sent again. The pacer keeps a bucket of the
//! same shape on this side, shared by every market: a decision sends only what the bucket
//! holds, cancels before places, and what it could not send it derives again at the next
//! decision (the working orders still differ from the target). Requests that must go whatever
//! the budget (a cancel-all, the sweep) are charged too, so later decisions wait for them.

use flashmm_core::time::MonoNanos;

/// Venue requests a second the trading key is paced to, unless configured.
pub const DEFAULT_REQUESTS_PER_SEC: u32 = 16;

/// Venue requests at once, unless configured.
pub const DEFAULT_REQUEST_BURST: u32 = 40;

/// A token bucket of venue requests: `per_sec` refill, `burst` capacity.
#[derive(Debug, Clone)]
pub struct Pacer {
    per_sec: f64,
    burst: f64,
    /// May go below zero: requests sent whatever the budget are owed.
    tokens: f64,
    last: MonoNanos,
}

impl Pacer {
    /// A full bucket of `burst` requests refilled at `per_sec` a second (both at least 1).
    pub fn new(per_sec: u32, burst: u32, now: MonoNanos) -> Self {
        let burst = f64::from(burst.max(1));
        Pacer {
            per_sec: f64::from(per_sec.max(1)),
            burst,
            tokens: burst,
            last: now,
        }
    }

    fn refill(&mut self, now: MonoNanos) {
        let elapsed = now.since(self.last) as f64 / 1e9;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        self.last = now;
    }

    /// How many requests may go now.
    pub fn available(&mut self, now: MonoNanos) -> usize {
        self.refill(now);
        if self.tokens < 1.0 {
            0
        } else {
            // Bounded by `burst`, a u32.
            self.tokens.floor() as usize
        }
    }

    /// Charges `n` requests sent now; past the budget they are owed by later ones.
    pub fn spend(&mut self, n: usize, now: MonoNanos) {
        self.refill(now);
        self.tokens -= n as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_the_burst_then_refills_at_the_rate() {
        let t0 = MonoNanos(5_000_000_000);
        let mut p = Pacer::new(20, 5, t0);
        assert_eq!(p.available(t0), 5);
        p.spend(5, t0);
        assert_eq!(p.available(t0), 0);
        // 20 a second: one more every 50 ms.
        assert_eq!(p.available(MonoNanos(t0.0 + 49_000_000)), 0);
        assert_eq!(p.available(MonoNanos(t0.0 + 51_000_000)), 1);
        assert_eq!(p.available(MonoNanos(t0.0 + 160_000_000)), 3);
        // Never above the burst however long it rests.
        assert_eq!(p.available(MonoNanos(t0.0 + 60_000_000_000)), 5);
    }

    #[test]
    fn requests_sent_past_the_budget_are_owed() {
        let t0 = MonoNanos(5_000_000_000);
        let mut p = Pacer::new(10, 2, t0);
        p.spend(5, t0);
        // 3 owed, then 1 to have: 400 ms at 10 a second.
        assert_eq!(p.available(MonoNanos(t0.0 + 350_000_000)), 0);
        assert_eq!(p.available(MonoNanos(t0.0 + 410_000_000)), 1);
    }
}
