//! [`ExtremeMoveDetector`]: the mid moving more than k σ of one-second returns within a
//! second (and more than a floor in bps, so a quiet market's tiny σ does not make one tick
//! extreme) trips the kill switch.

use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A detected extreme move.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExtremeMove {
    /// The largest move within the window, in bps (absolute).
    pub move_bps: f64,
    /// The threshold it exceeded, in bps: `max(sigmas × σ, min_bps)`.
    pub threshold_bps: f64,
}

/// Keeps the lowest and highest mid of the last window and compares the widest log-move to
/// `sigmas × σ`: O(1) amortised per mid, whatever the event rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtremeMoveDetector {
    sigmas: f64,
    min_bps: f64,
    window_ns: i64,
    /// Mids of the window that no later mid undercuts, oldest (the lowest) first.
    lows: VecDeque<(UnixNanos, f64)>,
    /// Mids of the window that no later mid exceeds, oldest (the highest) first.
    highs: VecDeque<(UnixNanos, f64)>,
}

impl ExtremeMoveDetector {
    /// Trips beyond `sigmas` σ within `window_ms` (the spec: 5 σ of 1 s returns within 1 s),
    /// and never for a move of `min_bps` or less.
    pub fn new(sigmas: f64, window_ms: u64, min_bps: f64) -> Self {
        ExtremeMoveDetector {
            sigmas,
            min_bps,
            window_ns: i64::try_from(window_ms)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000),
            lows: VecDeque::new(),
            highs: VecDeque::new(),
        }
    }

    /// Feeds the mid at `now` (any positive unit) with the current σ of one-second returns
    /// in bps; returns the move when it is extreme. Non-finite or non-positive input is ignored.
    pub fn observe(&mut self, now: UnixNanos, mid: f64, sigma_bps: f64) -> Option<ExtremeMove> {
        if !(mid.is_finite() && mid > 0.0) {
            return None;
        }
        let window = self.window_ns;
        for q in [&mut self.lows, &mut self.highs] {
            while q.front().is_some_and(|&(t, _)| now.since(t) > window) {
                q.pop_front();
            }
        }
        let lo = self.lows.front().map_or(mid, |&(_, m)| m.min(mid));
        let hi = self.highs.front().map_or(mid, |&(_, m)| m.max(mid));
        while self.lows.back().is_some_and(|&(_, m)| m >= mid) {
            self.lows.pop_back();
        }
        self.lows.push_back((now, mid));
        while self.highs.back().is_some_and(|&(_, m)| m <= mid) {
            self.highs.pop_back();
        }
        self.highs.push_back((now, mid));
        let move_bps = (mid / lo).ln().max((hi / mid).ln()) * 1e4;
        let threshold_bps = (self.sigmas * sigma_bps).max(self.min_bps);
        (sigma_bps.is_finite() && sigma_bps > 0.0 && move_bps > threshold_bps).then_some(
            ExtremeMove {
                move_bps,
                threshold_bps,
            },
        )
    }

    /// The floor: no move of this many bps or less is extreme.
    pub fn min_bps(&self) -> f64 {
        self.min_bps
    }

    /// Forgets the history (after a reconnect or a resync, the next mid starts afresh).
    pub fn reset(&mut self) {
        self.lows.clear();
        self.highs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::time::NANOS_PER_MILLI as MS;

    #[test]
    fn running_extremes_match_a_scan_of_the_window() {
        // A pseudo-random walk with irregular spacing; the detector's move must equal the
        // widest move over a plain scan of the mids still in the window.
        let mut d = ExtremeMoveDetector::new(1.0, 50, 0.0);
        let (mut state, mut t, mut mid) = (0x2545_f491_4f6c_dd1d_u64, 0_i64, 100.0_f64);
        let mut seen: Vec<(i64, f64)> = Vec::new();
        for _ in 0..5_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            t += i64::try_from(state % 20).unwrap_or(0) * MS;
            mid *= 1.0 + ((state >> 20) % 201) as f64 / 1e4 - 0.01;
            let (lo, hi) = seen
                .iter()
                .filter(|(ts, _)| t - ts <= 50 * MS)
                .fold((mid, mid), |(lo, hi), &(_, m)| (lo.min(m), hi.max(m)));
            let want = (mid / lo).ln().max((hi / mid).ln()) * 1e4;
            let got = d
                .observe(UnixNanos(t), mid, 1e-9)
                .map_or(0.0, |e| e.move_bps);
            assert!((got - want).abs() < 1e-9 || want <= 1e-9, "{got} vs {want}");
            seen.push((t, mid));
        }
    }

    #[test]
    fn five_sigma_within_a_second_trips() {
        let mut d = ExtremeMoveDetector::new(5.0, 1_000, 5.0);
        // σ = 2 bps: the threshold is 10 bps.
        assert!(d.observe(UnixNanos(0), 10_000.0, 2.0).is_none());
        assert!(d.observe(UnixNanos(500 * MS), 10_009.0, 2.0).is_none());
        let m = d.observe(UnixNanos(900 * MS), 9_989.0, 2.0).unwrap();
        assert!((m.move_bps - (10_009.0f64 / 9_989.0).ln() * 1e4).abs() < 1e-9);
        assert_eq!(m.threshold_bps, 10.0);
        // The same 20 bps spread over more than a second is not extreme.
        let mut slow = ExtremeMoveDetector::new(5.0, 1_000, 5.0);
        for i in 0..=20 {
            let mid = 10_000.0 * (1.0 + 1e-4 * f64::from(i));
            assert!(slow
                .observe(UnixNanos(i64::from(i) * 200 * MS), mid, 2.0)
                .is_none());
        }
        assert!(d.observe(UnixNanos(0), f64::NAN, 2.0).is_none());
        // With a tiny σ the floor decides: 8 bps is not extreme under a 10 bps floor.
        let mut quiet = ExtremeMoveDetector::new(5.0, 1_000, 10.0);
        assert!(quiet.observe(UnixNanos(0), 10_000.0, 0.2).is_none());
        assert!(quiet.observe(UnixNanos(MS), 10_008.0, 0.2).is_none());
        assert!(quiet.observe(UnixNanos(2 * MS), 10_011.0, 0.2).is_some());
    }
}
