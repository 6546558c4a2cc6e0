//! [`FlatRate`]: the market's recent share of flat outcomes against the share the model
//! predicted, as a shift of the flat class's log-odds applied to the next predictions.
//!
//! The calibration in `model.json` is fitted once, on the validation parts of all training
//! files together; a market whose moves are rarer (or more frequent) than that mix gets
//! probabilities that over- (or under-) state moves. This estimator corrects it per market
//! from the predictions already scored (the drift monitor's outcomes): over the predictions
//! made in the last `window_ns` before the latest scored one, with `n` of them, `flat` of them
//! flat outcomes and `pred` the sum of their flat probabilities before the shift,
//!
//! ```text
//! r_flat  = (flat       + prior · pred / n)       / (pred       + prior · pred / n)
//! r_moved = ((n − flat) + prior · (n − pred) / n) / ((n − pred) + prior · (n − pred) / n)
//! shift   = ln(r_flat / r_moved)
//! ```
//!
//! and a prediction's probabilities become `p_flat · r_flat` and `p_down, p_up · r_moved`,
//! normalised: the flat class's log-odds move by `shift`. `prior` pseudo-outcomes that agree
//! with the model pull the ratios toward 1 while few outcomes are in. Down and up are scaled
//! alike, so the predicted direction (and the hit rate) never changes, as with the
//! calibration itself. The shift is computed from the probabilities before any shift, so it
//! does not feed on itself.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The window of scored predictions by default, in seconds (chosen on the validation parts,
/// docs/model.md, "The market's own flat rate").
pub const DEFAULT_WINDOW_SECS: u64 = 180;

/// The pseudo-outcomes agreeing with the model by default.
pub const DEFAULT_PRIOR: f64 = 2000.0;

/// The largest shift applied either way (log-odds): a market flat 99.9 % of a window still
/// leaves the model's view of a move a say.
pub const MAX_SHIFT: f64 = 5.0;

/// How the flat rate is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlatRateConfig {
    /// Scored predictions made within this many nanoseconds before the latest one count;
    /// 0 turns the adaptation off.
    pub window_ns: i64,
    /// Pseudo-outcomes agreeing with the model (finite, at least 0).
    pub prior: f64,
}

impl Default for FlatRateConfig {
    fn default() -> Self {
        FlatRateConfig::from_secs(DEFAULT_WINDOW_SECS, DEFAULT_PRIOR)
    }
}

impl FlatRateConfig {
    /// A window of `window_secs` seconds (as `[model] flat_rate_window_secs`) and `prior`.
    pub fn from_secs(window_secs: u64, prior: f64) -> Self {
        FlatRateConfig {
            window_ns: i64::try_from(window_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000_000),
            prior,
        }
    }

    /// No adaptation: the shift stays 0.
    pub const OFF: FlatRateConfig = FlatRateConfig {
        window_ns: 0,
        prior: 0.0,
    };
}

/// One scored prediction in the window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    origin_ts: i64,
    p_flat: f64,
    flat: bool,
}

/// The rolling flat rate of one market's scored predictions.
#[derive(Debug, Clone)]
pub struct FlatRate {
    config: FlatRateConfig,
    window: VecDeque<Scored>,
    flat: usize,
    pred: f64,
    latest: i64,
}

impl FlatRate {
    /// An estimator with no outcome yet (shift 0).
    pub fn new(config: FlatRateConfig) -> Self {
        let prior = if config.prior.is_finite() {
            config.prior.max(0.0)
        } else {
            0.0
        };
        FlatRate {
            config: FlatRateConfig {
                window_ns: config.window_ns.max(0),
                prior,
            },
            window: VecDeque::new(),
            flat: 0,
            pred: 0.0,
            latest: i64::MIN,
        }
    }

    /// Whether the adaptation is on.
    pub fn enabled(&self) -> bool {
        self.config.window_ns > 0
    }

    /// A prediction made at `origin_ts` with flat probability `p_flat` (before any shift)
    /// turned out flat (`flat`) or not. Outcomes older than the window before the latest
    /// one leave it. A non-finite `p_flat` is ignored.
    pub fn on_outcome(&mut self, origin_ts: i64, p_flat: f64, flat: bool) {
        if !self.enabled() || !p_flat.is_finite() {
            return;
        }
        let p_flat = p_flat.clamp(0.0, 1.0);
        self.window.push_back(Scored {
            origin_ts,
            p_flat,
            flat,
        });
        self.pred += p_flat;
        self.flat += usize::from(flat);
        self.latest = self.latest.max(origin_ts);
        let cutoff = self.latest.saturating_sub(self.config.window_ns);
        while self.window.front().is_some_and(|s| s.origin_ts < cutoff) {
            if let Some(old) = self.window.pop_front() {
                self.pred -= old.p_flat;
                self.flat -= usize::from(old.flat);
            }
        }
        if self.window.is_empty() {
            self.pred = 0.0;
        }
    }

    /// Scored predictions in the window.
    pub fn len(&self) -> usize {
        self.window.len()
    }

    /// Whether no scored prediction is in the window.
    pub fn is_empty(&self) -> bool {
        self.window.is_empty()
    }

    /// The shift of the flat class's log-odds: 0 with no outcome in the window.
    pub fn shift(&self) -> f64 {
        let n = self.window.len() as f64;
        if n == 0.0 {
            return 0.0;
        }
        let pred = self.pred.clamp(0.0, n);
        let moved_pred = n - pred;
        let flat = self.flat as f64;
        let ratio = |obs: f64, pred: f64| {
            let pseudo = self.config.prior * pred / n;
            let den = pred + pseudo;
            if den > 0.0 {
                (obs + pseudo) / den
            } else {
                f64::NAN
            }
        };
        let shift = (ratio(flat, pred) / ratio(n - flat, moved_pred)).ln();
        if shift.is_finite() {
            shift.clamp(-MAX_SHIFT, MAX_SHIFT)
        } else if shift == f64::INFINITY {
            MAX_SHIFT
        } else if shift == f64::NEG_INFINITY {
            -MAX_SHIFT
        } else {
            0.0
        }
    }
}

/// `p` (`[down, flat, up]`) with the flat class's log-odds moved by `shift`.
pub fn shift_flat(p: [f32; 3], shift: f64) -> [f32; 3] {
    if shift == 0.0 || !shift.is_finite() {
        return p;
    }
    let w = shift.exp();
    let [down, flat, up] = p.map(f64::from);
    let sum = down + flat * w + up;
    if !(sum.is_finite() && sum > 0.0) {
        return p;
    }
    [down / sum, flat * w / sum, up / sum].map(|v| v as f32)
}

/// The flat probability before a shift of `shift`: the inverse of [`shift_flat`] on "flat".
pub fn unshift_flat(p_flat: f64, shift: f64) -> f64 {
    if shift == 0.0 || !shift.is_finite() {
        return p_flat;
    }
    let w = (-shift).exp();
    let den = p_flat * w + (1.0 - p_flat);
    if den > 0.0 {
        p_flat * w / den
    } else {
        p_flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn rate(window_secs: i64, prior: f64) -> FlatRate {
        FlatRate::new(FlatRateConfig {
            window_ns: window_secs * S,
            prior,
        })
    }

    #[test]
    fn no_outcome_no_shift() {
        assert_eq!(rate(60, 10.0).shift(), 0.0);
        let mut off = FlatRate::new(FlatRateConfig::OFF);
        off.on_outcome(0, 0.5, true);
        assert!(off.is_empty());
        assert_eq!(off.shift(), 0.0);
    }

    #[test]
    fn a_flatter_market_than_predicted_shifts_toward_flat() {
        // The model says 80 % flat; 95 of 100 outcomes are flat.
        let mut r = rate(60, 0.0);
        for i in 0..100 {
            r.on_outcome(i * S / 10, 0.8, i % 20 != 0);
        }
        // r_flat = 95/80, r_moved = 5/20: shift = ln(4.75).
        assert!((r.shift() - (95.0_f64 / 80.0 / (5.0 / 20.0)).ln()).abs() < 1e-9);
        let p = shift_flat([0.1, 0.8, 0.1], r.shift());
        assert!((f64::from(p[1]) - 0.95).abs() < 1e-6, "{p:?}");
        assert_eq!(p[0], p[2]);
    }

    #[test]
    fn outcomes_agreeing_with_the_model_leave_it_alone() {
        let mut r = rate(60, 0.0);
        for i in 0..100 {
            r.on_outcome(i * S / 10, 0.75, i % 4 != 0);
        }
        assert!(r.shift().abs() < 1e-9);
    }

    #[test]
    fn the_prior_pulls_toward_no_shift() {
        let mut weak = rate(60, 0.0);
        let mut strong = rate(60, 1000.0);
        for i in 0..100 {
            weak.on_outcome(i * S / 10, 0.5, true);
            strong.on_outcome(i * S / 10, 0.5, true);
        }
        assert!(weak.shift() > strong.shift());
        assert!(strong.shift() > 0.0);
        // All flat, no prior: the ratio of moves is 0, clamped.
        assert_eq!(weak.shift(), MAX_SHIFT);
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let mut r = rate(10, 0.0);
        for i in 0..10 {
            r.on_outcome(i * S, 0.5, false);
        }
        assert!(r.shift() < 0.0);
        // 11 s later only outcomes from the last 10 s count.
        for i in 21..31 {
            r.on_outcome(i * S, 0.5, i % 2 == 0);
        }
        assert_eq!(r.len(), 10);
        assert!(r.shift().abs() < 1e-9);
    }

    #[test]
    fn shift_keeps_the_direction_and_unshift_inverts_it() {
        let p = [0.3, 0.5, 0.2];
        for shift in [-2.0, -0.3, 0.7, 3.0] {
            let q = shift_flat(p, shift);
            assert!(q[0] > q[2]);
            assert!((f64::from(q[0]) / f64::from(q[2]) - 1.5).abs() < 1e-5);
            assert!((q.iter().map(|v| f64::from(*v)).sum::<f64>() - 1.0).abs() < 1e-6);
            assert!((unshift_flat(f64::from(q[1]), shift) - 0.5).abs() < 1e-6);
        }
        assert_eq!(shift_flat(p, 0.0), p);
        assert_eq!(shift_flat(p, f64::NAN), p);
    }
}
