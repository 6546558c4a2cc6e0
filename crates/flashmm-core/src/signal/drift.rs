//! The drift monitor: scores each prediction once its horizon has passed against the
//! realised mid move, and keeps the rolling direction hit rate on non-flat outcomes.

use std::collections::VecDeque;

use super::flat_rate::{unshift_flat, FlatRate, FlatRateConfig};
use super::Prediction;

/// Non-flat outcomes in the rolling hit-rate window by default.
pub const DEFAULT_HIT_RATE_WINDOW: usize = 500;

/// How long mids are kept back by default (enough for any horizon up to tens of seconds), ns.
pub const DEFAULT_MID_RETAIN_NS: i64 = 60_000_000_000;

/// Predictions waiting for their horizon by default, at most.
pub const DEFAULT_MAX_PENDING: usize = 200_000;

/// What the monitor needs to score one prediction later.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PendingPrediction {
    /// The feature vector's origin_ts (UTC ns, ingest receive time): the prediction's "now".
    pub origin_ts: i64,
    /// The horizon in nanoseconds.
    pub horizon_ns: i64,
    /// The flat band half-width (bps) of the model that made it.
    pub dead_band_bps: f64,
    /// The predicted direction: +1 up, −1 down, 0 none (`sign(p_up − p_down)`).
    pub direction: i8,
    /// The flat probability before the flat-rate shift ([`FlatRate`]).
    pub p_flat: f64,
}

impl PendingPrediction {
    /// What scoring `p` needs, for a model whose flat band is `dead_band_bps`: its origin,
    /// its horizon, the direction it favours and its flat probability before the flat-rate
    /// shift `flat_shift` it was published with.
    pub fn of(p: &Prediction, dead_band_bps: f64, flat_shift: f64) -> Self {
        let direction = if p.p_up > p.p_down {
            1
        } else if p.p_down > p.p_up {
            -1
        } else {
            0
        };
        PendingPrediction {
            origin_ts: p.origin_ts.as_i64(),
            horizon_ns: i64::from(p.horizon_ms).saturating_mul(1_000_000),
            dead_band_bps,
            direction,
            p_flat: unshift_flat(f64::from(p.p_flat), flat_shift),
        }
    }
}

/// How a scored prediction turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The mid moved beyond the dead band in the predicted direction.
    Hit,
    /// The mid moved beyond the dead band against the predicted direction (or none was given).
    Miss,
    /// The mid stayed within the dead band: not counted in the hit rate.
    Flat,
    /// No mid was known at the prediction's time: not scored.
    Unscored,
}

impl Outcome {
    /// The label used in metrics.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Hit => "hit",
            Outcome::Miss => "miss",
            Outcome::Flat => "flat",
            Outcome::Unscored => "unscored",
        }
    }
}

/// Scores predictions against mids observed on `md:{mkt}`, both stamped with origin_ts.
///
/// The realised move of a prediction made at `t` is `mid(t + horizon) / mid(t) − 1` in bps,
/// `mid(x)` the last mid observed at or before `x`; it is scored once a mid later than
/// `t + horizon` has been seen. Memory is bounded: mids older than the oldest pending
/// prediction (and than `retain_ns` before the latest mid) are dropped, and at most
/// `max_pending` predictions wait.
#[derive(Debug)]
pub struct DriftMonitor {
    mids: VecDeque<(i64, f64)>,
    pending: VecDeque<PendingPrediction>,
    window: VecDeque<bool>,
    window_cap: usize,
    hits_in_window: usize,
    retain_ns: i64,
    max_pending: usize,
    dropped: u64,
    flat_rate: FlatRate,
}

impl DriftMonitor {
    /// A monitor with a rolling window of `window` non-flat outcomes, keeping mids for at
    /// least `retain_ns` and at most `max_pending` waiting predictions.
    pub fn new(window: usize, retain_ns: i64, max_pending: usize) -> Self {
        DriftMonitor {
            mids: VecDeque::new(),
            pending: VecDeque::new(),
            window: VecDeque::with_capacity(window.max(1)),
            window_cap: window.max(1),
            hits_in_window: 0,
            retain_ns: retain_ns.max(0),
            max_pending: max_pending.max(1),
            dropped: 0,
            flat_rate: FlatRate::new(FlatRateConfig::OFF),
        }
    }

    /// The monitor, its scored outcomes also feeding a [`FlatRate`] of `config`.
    pub fn with_flat_rate(mut self, config: FlatRateConfig) -> Self {
        self.flat_rate = FlatRate::new(config);
        self
    }

    /// The shift of the flat class's log-odds the outcomes so far call for (0 with the flat
    /// rate off).
    pub fn flat_shift(&self) -> f64 {
        self.flat_rate.shift()
    }

    /// Queues a prediction for scoring; the oldest is dropped (and counted) when full.
    pub fn on_prediction(&mut self, p: PendingPrediction) {
        if self.pending.len() >= self.max_pending {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(p);
    }

    /// Records the mid at `ts` and scores every prediction whose horizon has passed.
    /// Non-finite or non-positive mids are ignored.
    pub fn on_mid(&mut self, ts: i64, mid: f64) -> Vec<Outcome> {
        if !mid.is_finite() || mid <= 0.0 {
            return Vec::new();
        }
        match self.mids.back() {
            Some(&(last, _)) if ts < last => {} // out of order: time never runs backwards
            _ => self.mids.push_back((ts, mid)),
        }
        let now = self.mids.back().map_or(ts, |m| m.0);
        let mut outcomes = Vec::new();
        while let Some(p) = self.pending.front().copied() {
            if now <= p.origin_ts.saturating_add(p.horizon_ns) {
                break;
            }
            self.pending.pop_front();
            let outcome = self.score(&p);
            self.record(outcome);
            match outcome {
                Outcome::Flat => self.flat_rate.on_outcome(p.origin_ts, p.p_flat, true),
                Outcome::Hit | Outcome::Miss => {
                    self.flat_rate.on_outcome(p.origin_ts, p.p_flat, false)
                }
                Outcome::Unscored => {}
            }
            outcomes.push(outcome);
        }
        self.trim(now);
        outcomes
    }

    fn mid_at(&self, ts: i64) -> Option<f64> {
        let idx = self.mids.partition_point(|&(t, _)| t <= ts);
        idx.checked_sub(1)
            .and_then(|i| self.mids.get(i))
            .map(|m| m.1)
    }

    fn score(&self, p: &PendingPrediction) -> Outcome {
        let (Some(start), Some(end)) = (
            self.mid_at(p.origin_ts),
            self.mid_at(p.origin_ts.saturating_add(p.horizon_ns)),
        ) else {
            return Outcome::Unscored;
        };
        let move_bps = (end / start - 1.0) * 1e4;
        if move_bps.abs() <= p.dead_band_bps {
            Outcome::Flat
        } else if (move_bps > 0.0 && p.direction > 0) || (move_bps < 0.0 && p.direction < 0) {
            Outcome::Hit
        } else {
            Outcome::Miss
        }
    }

    fn record(&mut self, outcome: Outcome) {
        let hit = match outcome {
            Outcome::Hit => true,
            Outcome::Miss => false,
            Outcome::Flat | Outcome::Unscored => return,
        };
        if self.window.len() == self.window_cap {
            if let Some(true) = self.window.pop_front() {
                self.hits_in_window -= 1;
            }
        }
        self.window.push_back(hit);
        if hit {
            self.hits_in_window += 1;
        }
    }

    fn trim(&mut self, now: i64) {
        let mut cutoff = now.saturating_sub(self.retain_ns);
        if let Some(p) = self.pending.front() {
            cutoff = cutoff.min(p.origin_ts);
        }
        // Keep the last mid at or before the cutoff: it is the mid "as of" the cutoff.
        while self.mids.len() >= 2 && self.mids.get(1).is_some_and(|m| m.0 <= cutoff) {
            self.mids.pop_front();
        }
    }

    /// Hit rate over the window of non-flat outcomes; `None` before the first one.
    pub fn hit_rate(&self) -> Option<f64> {
        (!self.window.is_empty()).then(|| self.hits_in_window as f64 / self.window.len() as f64)
    }

    /// The number of non-flat outcomes in the window.
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// Predictions waiting for their horizon.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Predictions dropped unscored because too many were waiting.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Mids held.
    pub fn mids_held(&self) -> usize {
        self.mids.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::time::NANOS_PER_MILLI as MS;

    fn p(origin_ms: i64, direction: i8) -> PendingPrediction {
        PendingPrediction {
            origin_ts: origin_ms * MS,
            horizon_ns: 500 * MS,
            dead_band_bps: 1.0,
            direction,
            p_flat: 0.5,
        }
    }

    #[test]
    fn scores_after_the_horizon_against_the_dead_band() {
        let mut m = DriftMonitor::new(100, 10_000 * MS, 1000);
        m.on_mid(0, 100.0);
        m.on_prediction(p(10, 1)); // up; realised +2 bps over 10..510 ms: hit
        m.on_prediction(p(20, -1)); // down; realised +2 bps: miss
        m.on_prediction(p(30, 1)); // up; realised +2 bps: hit
        assert!(m.on_mid(400 * MS, 100.02).is_empty());
        // Each is scored once a mid later than its origin + 500 ms arrives.
        assert_eq!(m.on_mid(515 * MS, 100.02), vec![Outcome::Hit]);
        assert_eq!(m.on_mid(521 * MS, 100.02), vec![Outcome::Miss]);
        assert_eq!(m.on_mid(531 * MS, 100.02), vec![Outcome::Hit]);
        // Over 600..1100 ms the mid stays at 100.02 (the 1101 ms mid is past the horizon).
        m.on_prediction(p(600, 1));
        assert_eq!(m.on_mid(1_101 * MS, 100.5), vec![Outcome::Flat]);
        assert_eq!(m.hit_rate(), Some(2.0 / 3.0));
        assert_eq!(m.window_len(), 3);
        assert_eq!(m.pending(), 0);
    }

    #[test]
    fn unknown_start_mid_is_unscored_and_window_rolls() {
        let mut m = DriftMonitor::new(2, 0, 1000);
        m.on_prediction(p(0, 1));
        m.on_mid(10 * MS, 100.0);
        assert_eq!(m.on_mid(600 * MS, 101.0), vec![Outcome::Unscored]);
        assert_eq!(m.hit_rate(), None);
        for (t, dir, mid) in [(700, 1, 102.0), (1300, 1, 101.0), (1900, 1, 102.0)] {
            m.on_prediction(p(t, dir));
            m.on_mid((t + 1) * MS, mid);
            m.on_mid((t + 501) * MS, mid + if t == 1300 { -1.0 } else { 1.0 });
        }
        // Outcomes: hit, miss, hit; window of 2 keeps miss, hit.
        assert_eq!(m.hit_rate(), Some(0.5));
        assert!(m.mids_held() <= 3, "{}", m.mids_held());
    }

    #[test]
    fn bounded_pending_and_bad_mids() {
        let mut m = DriftMonitor::new(10, 0, 2);
        for t in 0..5 {
            m.on_prediction(p(t, 1));
        }
        assert_eq!(m.pending(), 2);
        assert_eq!(m.dropped(), 3);
        assert!(m.on_mid(0, f64::NAN).is_empty());
        assert!(m.on_mid(0, -1.0).is_empty());
        assert_eq!(m.mids_held(), 0);
    }

    #[test]
    fn scored_outcomes_feed_the_flat_rate() {
        let mut m = DriftMonitor::new(10, 10_000 * MS, 1000).with_flat_rate(FlatRateConfig {
            window_ns: 60_000 * MS,
            prior: 0.0,
        });
        assert_eq!(m.flat_shift(), 0.0);
        m.on_mid(0, 100.0);
        // Predicted flat at 0.5 each time; the mid never moves: every outcome is flat.
        for t in 0..4 {
            m.on_prediction(p(t * 100, 1));
        }
        m.on_mid(2_000 * MS, 100.0);
        assert!(m.flat_shift() > 0.0);
        // A prediction published with a shift is scored with its flat probability before it.
        let published = Prediction {
            market: crate::market::MarketId::new("SEI/USDC").unwrap(),
            model_version: "t".into(),
            horizon_ms: 500,
            p_down: 0.2,
            p_flat: crate::signal::flat_rate::shift_flat([0.25, 0.5, 0.25], 1.0)[1],
            p_up: 0.2,
            expected_move_bps: 0.0,
            ts: crate::time::UnixNanos(0),
            origin_ts: crate::time::UnixNanos(0),
            inference_ns: 0,
        };
        let pending = PendingPrediction::of(&published, 1.0, 1.0);
        assert!((pending.p_flat - 0.5).abs() < 1e-6, "{}", pending.p_flat);
        // Without the flat rate the shift stays 0 whatever the outcomes.
        let mut off = DriftMonitor::new(10, 10_000 * MS, 1000);
        off.on_mid(0, 100.0);
        off.on_prediction(p(0, 1));
        off.on_mid(2_000 * MS, 100.0);
        assert_eq!(off.flat_shift(), 0.0);
    }
}
