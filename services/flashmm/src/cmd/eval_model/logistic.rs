//! Multinomial logistic regression on one feature (the level-1 book imbalance), fitted by
//! Newton's method: the reference baseline `imbalance_logistic`.
//!
//! The objective is scikit-learn's `LogisticRegression(C=1)`: the weighted cross-entropy
//! `Σ s_i · −ln p(y_i | x_i)` plus `½‖w‖²` on the slopes (not the intercepts), with balanced
//! sample weights `s_i = n / (3 · n_{y_i})`. Softmax intercepts are defined up to a common
//! shift; a vanishing penalty on them picks the centred one without changing a probability.

/// Classes: down, flat, up.
const K: usize = 3;
/// Parameters: a slope and an intercept per class.
const P: usize = 2 * K;
/// L2 penalty on the slopes (scikit-learn's `1 / C` with C = 1).
const SLOPE_PENALTY: f64 = 1.0;
/// Penalty on the intercepts: only removes the shift freedom.
const INTERCEPT_PENALTY: f64 = 1e-9;

/// A fitted model: `p_c ∝ exp(slope_c · x + intercept_c)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logistic {
    /// Slope per class.
    pub slope: [f64; K],
    /// Intercept per class.
    pub intercept: [f64; K],
}

impl Logistic {
    /// Fits on `(x, label)` pairs with balanced class weights.
    pub fn fit(x: &[f64], labels: &[u8]) -> Logistic {
        let mut counts = [0usize; K];
        for &y in labels {
            counts[usize::from(y.min(2))] += 1;
        }
        let n = labels.len() as f64;
        let class_weight = counts.map(|c| {
            if c == 0 {
                0.0
            } else {
                n / (K as f64 * c as f64)
            }
        });
        let mut model = Logistic {
            slope: [0.0; K],
            intercept: [0.0; K],
        };
        let mut objective = model.objective(x, labels, &class_weight);
        for _ in 0..100 {
            let (gradient, hessian) = model.derivatives(x, labels, &class_weight);
            let Some(step) = solve(hessian, gradient) else {
                break;
            };
            // Backtracking: Newton's step, halved until the objective falls.
            let mut t = 1.0;
            let mut improved = None;
            for _ in 0..30 {
                let candidate = model.moved(&step, -t);
                let value = candidate.objective(x, labels, &class_weight);
                if value <= objective {
                    improved = Some((candidate, value));
                    break;
                }
                t /= 2.0;
            }
            let Some((candidate, value)) = improved else {
                break;
            };
            let converged = step.iter().all(|s| (s * t).abs() < 1e-12);
            model = candidate;
            objective = value;
            if converged {
                break;
            }
        }
        model
    }

    /// Class probabilities `[down, flat, up]` at `x`.
    pub fn proba(&self, x: f64) -> [f64; K] {
        let z: [f64; K] = std::array::from_fn(|c| self.slope[c] * x + self.intercept[c]);
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e = z.map(|v| (v - max).exp());
        let total: f64 = e.iter().sum();
        e.map(|v| v / total)
    }

    fn moved(&self, step: &[f64; P], t: f64) -> Logistic {
        Logistic {
            slope: std::array::from_fn(|c| self.slope[c] + t * step[c]),
            intercept: std::array::from_fn(|c| self.intercept[c] + t * step[K + c]),
        }
    }

    fn penalty(&self) -> f64 {
        0.5 * SLOPE_PENALTY * self.slope.iter().map(|w| w * w).sum::<f64>()
            + 0.5 * INTERCEPT_PENALTY * self.intercept.iter().map(|b| b * b).sum::<f64>()
    }

    fn objective(&self, x: &[f64], labels: &[u8], class_weight: &[f64; K]) -> f64 {
        let loss: f64 = x
            .iter()
            .zip(labels)
            .map(|(&xi, &y)| {
                let y = usize::from(y.min(2));
                -class_weight[y] * self.proba(xi)[y].max(f64::MIN_POSITIVE).ln()
            })
            .sum();
        loss + self.penalty()
    }

    /// Gradient and Hessian of the objective; parameters ordered slopes, then intercepts.
    fn derivatives(
        &self,
        x: &[f64],
        labels: &[u8],
        class_weight: &[f64; K],
    ) -> ([f64; P], [[f64; P]; P]) {
        let mut g = [0.0; P];
        let mut h = [[0.0; P]; P];
        for (&xi, &y) in x.iter().zip(labels) {
            let y = usize::from(y.min(2));
            let s = class_weight[y];
            if s == 0.0 {
                continue;
            }
            let p = self.proba(xi);
            let phi = [xi, 1.0];
            for c in 0..K {
                let r = p[c] - if c == y { 1.0 } else { 0.0 };
                for (a, &fa) in phi.iter().enumerate() {
                    g[a * K + c] += s * r * fa;
                    for d in 0..K {
                        let curvature = p[c] * (if c == d { 1.0 } else { 0.0 } - p[d]);
                        for (b, &fb) in phi.iter().enumerate() {
                            h[a * K + c][b * K + d] += s * curvature * fa * fb;
                        }
                    }
                }
            }
        }
        for c in 0..K {
            g[c] += SLOPE_PENALTY * self.slope[c];
            h[c][c] += SLOPE_PENALTY;
            g[K + c] += INTERCEPT_PENALTY * self.intercept[c];
            h[K + c][K + c] += INTERCEPT_PENALTY;
        }
        (g, h)
    }
}

/// Solves `a · s = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve(mut a: [[f64; P]; P], mut b: [f64; P]) -> Option<[f64; P]> {
    for col in 0..P {
        let pivot = (col..P).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 || !a[pivot][col].is_finite() {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut s = [0.0; P];
    for row in (0..P).rev() {
        let tail: f64 = (row + 1..P).map(|k| a[row][k] * s[k]).sum();
        s[row] = (b[row] - tail) / a[row][row];
    }
    s.iter().all(|v| v.is_finite()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_classes_by_the_feature() {
        // Down at negative x, up at positive x, flat near zero, with some overlap.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..300 {
            let v = (i as f64 / 299.0) * 2.0 - 1.0;
            x.push(v);
            y.push(if v < -0.3 {
                0
            } else if v > 0.3 {
                2
            } else {
                1
            });
        }
        let m = Logistic::fit(&x, &y);
        assert!(m.slope[2] > m.slope[1] && m.slope[1] > m.slope[0], "{m:?}");
        let p = m.proba(-0.9);
        assert!(p[0] > 0.6, "{p:?}");
        let p = m.proba(0.9);
        assert!(p[2] > 0.6, "{p:?}");
        let p = m.proba(0.0);
        assert!(p[1] > p[0] && p[1] > p[2], "{p:?}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_gradient_vanishes_at_the_fit() {
        let x: Vec<f64> = (0..200)
            .map(|i| ((i * 37) % 101) as f64 / 50.0 - 1.0)
            .collect();
        let y: Vec<u8> = (0..200).map(|i| ((i * 7) % 3) as u8).collect();
        let m = Logistic::fit(&x, &y);
        let mut counts = [0usize; K];
        y.iter().for_each(|&c| counts[usize::from(c)] += 1);
        let w = counts.map(|c| 200.0 / (3.0 * c as f64));
        let (g, _) = m.derivatives(&x, &y, &w);
        assert!(g.iter().all(|v| v.abs() < 1e-8), "{g:?}");
    }

    #[test]
    fn a_constant_feature_gives_the_balanced_prior() {
        let x = vec![0.5; 40];
        let y: Vec<u8> = (0..40).map(|i| if i < 30 { 1 } else { 0 }).collect();
        let m = Logistic::fit(&x, &y);
        let p = m.proba(0.5);
        // Balanced weights make both present classes equally likely; up never occurs.
        assert!((p[0] - p[1]).abs() < 1e-6 && p[2] < 1e-3, "{p:?}");
    }
}
