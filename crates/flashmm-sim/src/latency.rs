//! [`LatencyModel`]: how long a message takes on one channel (market feed, order entry,
//! order reports), deterministic for a seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A one-way latency: a fixed part plus a uniform jitter, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latency {
    /// The fixed part (≥ 0).
    pub base_ns: i64,
    /// The jitter: each message adds a uniform draw from `0..=jitter_ns` (≥ 0).
    pub jitter_ns: i64,
}

impl Latency {
    /// `base_ms` milliseconds with a jitter of `jitter_ms` (fractions allowed).
    pub fn from_ms(base_ms: f64, jitter_ms: f64) -> Self {
        Latency {
            base_ns: (base_ms * 1e6).round() as i64,
            jitter_ns: (jitter_ms * 1e6).round() as i64,
        }
    }
}

/// The delivery times of one FIFO channel: each message arrives `base + jitter` after it was
/// sent, but never before a message sent earlier on the same channel (a connection does not
/// reorder). The jitter comes from a ChaCha8 generator seeded per channel, so a run is
/// reproducible for a seed.
#[derive(Debug, Clone)]
pub struct LatencyModel {
    latency: Latency,
    rng: ChaCha8Rng,
    last: i64,
}

impl LatencyModel {
    /// A channel with `latency`, its jitter drawn from `seed`.
    pub fn new(latency: Latency, seed: u64) -> Self {
        LatencyModel {
            latency,
            rng: ChaCha8Rng::seed_from_u64(seed),
            last: i64::MIN,
        }
    }

    /// The latency of the channel.
    pub fn latency(&self) -> Latency {
        self.latency
    }

    /// When a message sent at `sent_ns` arrives.
    #[inline]
    pub fn arrival(&mut self, sent_ns: i64) -> i64 {
        let jitter = if self.latency.jitter_ns > 0 {
            self.rng.random_range(0..=self.latency.jitter_ns)
        } else {
            0
        };
        let at = sent_ns
            .saturating_add(self.latency.base_ns)
            .saturating_add(jitter)
            .max(self.last);
        self.last = at;
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_latency_adds_exactly() {
        let mut m = LatencyModel::new(Latency::from_ms(5.0, 0.0), 1);
        assert_eq!(m.arrival(1_000), 5_001_000);
        assert_eq!(m.arrival(2_000), 5_002_000);
    }

    #[test]
    fn jitter_is_bounded_fifo_and_seeded() {
        let lat = Latency::from_ms(1.0, 2.0);
        let run = |seed| {
            let mut m = LatencyModel::new(lat, seed);
            (0..1_000)
                .map(|i| m.arrival(i * 10_000))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7), "same seed, same arrivals");
        assert_ne!(a, run(8), "another seed, other jitter");
        for (i, w) in a.windows(2).enumerate() {
            assert!(w[1] >= w[0], "FIFO at {i}");
        }
        for (i, &t) in a.iter().enumerate() {
            let sent = i as i64 * 10_000;
            assert!(t >= sent + 1_000_000 && t <= sent + 3_000_000 || t == a[i.saturating_sub(1)]);
        }
    }
}
