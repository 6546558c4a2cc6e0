//! Classification scores of class probabilities against labels, computed as
//! `scripts/train_model.py` does with scikit-learn.

use serde::Serialize;

/// Probabilities below this are raised to it (then rows renormalised) for the log-loss.
const LOG_LOSS_FLOOR: f64 = 1e-7;

/// Scores of one predictor on one set of rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Rows scored.
    pub rows: usize,
    /// Share of rows whose most probable class is the label.
    pub accuracy: f64,
    /// Mean of the per-class F1 over down, flat and up (0 for a class never seen nor predicted).
    pub macro_f1: f64,
    /// Mean negative log-probability of the label.
    pub log_loss: f64,
    /// On rows labelled down or up: share where `sign(p_up − p_down)` is the label's sign;
    /// `None` without such rows.
    pub hit_rate: Option<f64>,
    /// Rows labelled down or up.
    pub non_flat_rows: usize,
}

/// How well the model's expected move (`Σ p_c · mean move of c`, bps) estimates the realised
/// move over the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MoveError {
    /// Mean absolute error of the expected move, bps.
    pub mae_bps: f64,
    /// Mean absolute error of predicting no move at all, bps (the bar to beat).
    pub zero_mae_bps: f64,
    /// Mean of expected − realised, bps (its bias).
    pub bias_bps: f64,
    /// Pearson correlation of expected and realised moves (0 when either is constant).
    pub correlation: f64,
}

/// One bin of one class's predicted probability: how often the class happened there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// The class: `down`, `flat` or `up`.
    pub class: &'static str,
    /// The bin, `[lower, upper)` of the predicted probability (the last one closed).
    pub bin: [f64; 2],
    /// Rows whose probability of the class falls in it.
    pub rows: usize,
    /// Their mean predicted probability of the class.
    pub predicted: f64,
    /// The share of them labelled the class.
    pub observed: f64,
}

/// Bins of the reliability table: tenths of the probability, as `scripts/train_model.py`'s.
const RELIABILITY_BINS: usize = 10;

/// Predicted against observed frequency of each class by tenths of predicted probability
/// (empty bins left out), as `scripts/train_model.py` writes it into `model.json`.
pub fn reliability(labels: &[u8], proba: &[[f64; 3]]) -> Vec<ReliabilityBin> {
    let mut out = Vec::new();
    for (class, name) in ["down", "flat", "up"].into_iter().enumerate() {
        let mut bins = [(0usize, 0.0f64, 0usize); RELIABILITY_BINS];
        for (p, &y) in proba.iter().zip(labels) {
            let k = ((p[class] * RELIABILITY_BINS as f64) as usize).min(RELIABILITY_BINS - 1);
            let bin = &mut bins[k];
            bin.0 += 1;
            bin.1 += p[class];
            bin.2 += usize::from(usize::from(y) == class);
        }
        for (k, (rows, sum, hits)) in bins.into_iter().enumerate() {
            if rows == 0 {
                continue;
            }
            out.push(ReliabilityBin {
                class: name,
                bin: [
                    k as f64 / RELIABILITY_BINS as f64,
                    (k + 1) as f64 / RELIABILITY_BINS as f64,
                ],
                rows,
                predicted: sum / rows as f64,
                observed: hits as f64 / rows as f64,
            });
        }
    }
    out
}

/// Compares expected moves with realised ones, row by row.
pub fn move_error(expected: &[f64], realised: &[f64]) -> MoveError {
    let n = expected.len().min(realised.len());
    if n == 0 {
        return MoveError {
            mae_bps: 0.0,
            zero_mae_bps: 0.0,
            bias_bps: 0.0,
            correlation: 0.0,
        };
    }
    let pairs = || expected.iter().zip(realised).take(n);
    let mean = |v: f64| v / n as f64;
    let (me, mr) = (
        mean(expected.iter().take(n).sum()),
        mean(realised.iter().take(n).sum()),
    );
    let (mut cov, mut ve, mut vr) = (0.0, 0.0, 0.0);
    for (e, r) in pairs() {
        cov += (e - me) * (r - mr);
        ve += (e - me) * (e - me);
        vr += (r - mr) * (r - mr);
    }
    MoveError {
        mae_bps: mean(pairs().map(|(e, r)| (e - r).abs()).sum()),
        zero_mae_bps: mean(realised.iter().take(n).map(|r| r.abs()).sum()),
        bias_bps: me - mr,
        correlation: if ve > 0.0 && vr > 0.0 {
            cov / (ve * vr).sqrt()
        } else {
            0.0
        },
    }
}

/// Scores probabilities `proba` (`[down, flat, up]` per row) against `labels` (0, 1, 2).
pub fn score(labels: &[u8], proba: &[[f64; 3]]) -> Scores {
    let rows = labels.len().min(proba.len());
    let mut confusion = [[0usize; 3]; 3]; // [truth][predicted]
    let (mut log_loss, mut hits, mut non_flat) = (0.0, 0usize, 0usize);
    for (&y, p) in labels.iter().zip(proba) {
        let y = usize::from(y.min(2));
        confusion[y][argmax(p)] += 1;
        let clipped = p.map(|v| v.clamp(LOG_LOSS_FLOOR, 1.0));
        let total: f64 = clipped.iter().sum();
        log_loss -= (clipped[y] / total).ln();
        if y != 1 {
            non_flat += 1;
            let predicted = if p[2] > p[0] {
                2
            } else if p[0] > p[2] {
                0
            } else {
                1
            };
            if predicted == y {
                hits += 1;
            }
        }
    }
    let correct: usize = (0..3).map(|c| confusion[c][c]).sum();
    let f1: f64 = (0..3)
        .map(|c| {
            let tp = confusion[c][c];
            let fp: usize = (0..3).filter(|&t| t != c).map(|t| confusion[t][c]).sum();
            let fn_: usize = (0..3).filter(|&p| p != c).map(|p| confusion[c][p]).sum();
            let denominator = 2 * tp + fp + fn_;
            if denominator == 0 {
                0.0
            } else {
                2.0 * tp as f64 / denominator as f64
            }
        })
        .sum();
    let per_row = |v: f64| if rows == 0 { 0.0 } else { v / rows as f64 };
    Scores {
        rows,
        accuracy: per_row(correct as f64),
        macro_f1: f1 / 3.0,
        log_loss: per_row(log_loss),
        hit_rate: (non_flat > 0).then(|| hits as f64 / non_flat as f64),
        non_flat_rows: non_flat,
    }
}

/// The index of the largest probability; ties go to the lower index.
pub fn argmax(p: &[f64; 3]) -> usize {
    let mut best = 0;
    for i in 1..3 {
        if p[i] > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_hand_computed_values() {
        // Truth:     down, flat, up,   up,   flat
        // Predicted: down, flat, down, up,   up
        let labels = [0, 1, 2, 2, 1];
        let proba = [
            [0.8, 0.1, 0.1],
            [0.2, 0.6, 0.2],
            [0.5, 0.2, 0.3],
            [0.1, 0.2, 0.7],
            [0.1, 0.3, 0.6],
        ];
        let s = score(&labels, &proba);
        assert_eq!(s.rows, 5);
        assert!((s.accuracy - 0.6).abs() < 1e-12);
        // F1: down 2/(2+1+0) = 2/3, flat 2/(2+0+1) = 2/3, up 2/(2+1+1) = 1/2.
        assert!((s.macro_f1 - (2.0 / 3.0 + 2.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
        let ll = -(0.8f64.ln() + 0.6f64.ln() + 0.3f64.ln() + 0.7f64.ln() + 0.3f64.ln()) / 5.0;
        assert!((s.log_loss - ll).abs() < 1e-12);
        // Non-flat rows: down (hit), up predicted down (miss), up (hit).
        assert_eq!(s.non_flat_rows, 3);
        assert_eq!(s.hit_rate, Some(2.0 / 3.0));
    }

    #[test]
    fn ties_miss_and_absent_classes_score_zero() {
        let s = score(&[1, 1], &[[0.3, 0.4, 0.3], [0.0, 1.0, 0.0]]);
        assert_eq!(s.hit_rate, None);
        assert!((s.macro_f1 - 1.0 / 3.0).abs() < 1e-12); // flat F1 1, down and up 0
        assert!(s.log_loss.is_finite());
        let s = score(&[2], &[[0.25, 0.5, 0.25]]);
        assert_eq!(s.hit_rate, Some(0.0));
    }

    #[test]
    fn reliability_bins_each_class_by_tenths() {
        // Flat predicted 0.95 twice (one flat), down 0.05 and 0.35, up 0.0 and 0.9.
        let labels = [1, 0];
        let proba = [[0.05, 0.95, 0.0], [0.35, 0.05, 0.6]];
        let bins = reliability(&labels, &proba);
        let find = |class: &str, lower: f64| {
            bins.iter()
                .find(|b| b.class == class && (b.bin[0] - lower).abs() < 1e-12)
                .unwrap_or_else(|| panic!("{class} {lower}: {bins:?}"))
        };
        let down_low = find("down", 0.0);
        assert_eq!((down_low.rows, down_low.observed), (1, 0.0));
        let down_mid = find("down", 0.3);
        assert_eq!((down_mid.rows, down_mid.observed), (1, 1.0));
        assert!((down_mid.predicted - 0.35).abs() < 1e-12);
        let flat_top = find("flat", 0.9);
        assert_eq!((flat_top.rows, flat_top.observed), (1, 1.0));
        assert_eq!(find("up", 0.6).rows, 1);
        // Two rows, three classes: six rows in all, none in an empty bin.
        assert_eq!(bins.iter().map(|b| b.rows).sum::<usize>(), 6);
        assert!(bins.iter().all(|b| b.rows > 0));
        // A probability of 1 falls in the last bin.
        assert_eq!(reliability(&[1], &[[0.0, 1.0, 0.0]])[1].bin, [0.9, 1.0]);
    }

    #[test]
    fn move_error_against_the_zero_forecast() {
        let realised = [1.0, -2.0, 0.0, 3.0];
        let perfect = move_error(&realised, &realised);
        assert_eq!(perfect.mae_bps, 0.0);
        assert!((perfect.zero_mae_bps - 1.5).abs() < 1e-12);
        assert!((perfect.correlation - 1.0).abs() < 1e-12);
        let shifted = move_error(&[2.0, -1.0, 1.0, 4.0], &realised);
        assert!((shifted.bias_bps - 1.0).abs() < 1e-12);
        assert!((shifted.mae_bps - 1.0).abs() < 1e-12);
        assert_eq!(move_error(&[0.0; 4], &realised).correlation, 0.0);
    }
}
