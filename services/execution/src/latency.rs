//! [`LatencyWindow`]: the most recent latency samples and their percentiles.

use std::collections::VecDeque;

/// The last `capacity` samples in microseconds.
#[derive(Debug, Clone)]
pub struct LatencyWindow {
    capacity: usize,
    samples: VecDeque<u64>,
}

impl LatencyWindow {
    /// An empty window of `capacity` samples.
    pub fn new(capacity: usize) -> Self {
        LatencyWindow {
            capacity: capacity.max(1),
            samples: VecDeque::with_capacity(capacity.max(1)),
        }
    }

    /// Adds a sample, dropping the oldest when full.
    pub fn record(&mut self, micros: u64) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(micros);
    }

    /// The `q` quantile (0..=1) by nearest rank, `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.samples.is_empty() {
            return None;
        }
        let mut v: Vec<u64> = self.samples.iter().copied().collect();
        v.sort_unstable();
        let rank = ((q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v.get(rank - 1).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_over_the_window() {
        let mut w = LatencyWindow::new(100);
        assert_eq!(w.quantile(0.5), None);
        for i in 1..=200 {
            w.record(i);
        }
        assert_eq!(w.quantile(0.5), Some(150));
        assert_eq!(w.quantile(0.99), Some(199));
        assert_eq!(w.quantile(1.0), Some(200));
    }
}
