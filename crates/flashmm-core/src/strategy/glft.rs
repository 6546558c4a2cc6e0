//! The Guéant–Lehalle–Fernandez-Tapia (GLFT) reservation offset and optimal half-spread.
//!
//! The closed-form approximation of GLFT's infinite-horizon solution, as in hftbacktest's GLFT
//! market-making example with ξ = γ and Δ = 1 (one base-size unit per fill). With inventory `q`
//! (in units of the base quote size), risk aversion γ (per bps), volatility σ (bps per √s),
//! trade arrival rate A (trades per second) and order-arrival decay κ (per bps) in the arrival
//! model λ(δ) = A·e^(−κδ):
//!
//! - `c1 = (1/(ξΔ))·ln(1 + ξΔ/κ)`
//! - `c2 = √( γ/(2·A·Δ·κ) · (1 + ξΔ/κ)^(κ/(ξΔ) + 1) )`
//! - half-spread: `δ = c1 + (Δ/2)·c2·σ`
//! - skew per unit of inventory: `c2·σ`, so the bid sits `δ + c2·σ·q` below the mid and the
//!   ask `δ − c2·σ·q` above it, i.e. reservation offset from the mid `r − s = −q·c2·σ`.
//!
//! Everything is in bps of the mid, as in [`AvellanedaStoikov`](super::AvellanedaStoikov): c1
//! is in bps (1/γ and 1/κ are), and `σ²/A` is bps² per trade so `c2·σ` is in bps. Unlike
//! Avellaneda–Stoikov there is no horizon: the inventory penalty is priced per trade
//! opportunity, so a market that trades more often (larger A) skews and widens less for the
//! same σ.

use serde::{Deserialize, Serialize};

/// The GLFT outputs, in bps of the mid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Glft {
    /// `r − s = −q·c2·σ`: where the reservation price sits relative to the mid, in bps.
    pub reservation_offset_bps: f64,
    /// `δ = c1 + c2·σ/2`: the optimal half-spread around the reservation price, in bps.
    pub half_spread_bps: f64,
}

impl Glft {
    /// Computes both terms. Inputs are assumed positive and finite (γ from checked
    /// [`QuoteParams`](super::QuoteParams); σ, A and κ from the clamped estimators).
    #[inline]
    pub fn compute(q: f64, gamma: f64, sigma_bps: f64, a: f64, kappa: f64) -> Self {
        // ξ = γ, Δ = 1.
        let x = gamma / kappa;
        let c1 = x.ln_1p() / gamma;
        let c2 = (gamma / (2.0 * a * kappa) * ((kappa / gamma + 1.0) * x.ln_1p()).exp()).sqrt();
        let skew = c2 * sigma_bps;
        Glft {
            reservation_offset_bps: -q * skew,
            half_spread_bps: c1 + skew / 2.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn closed_form_values() {
        // γ = 0.1, κ = 0.5, A = 1, σ = 2: γ/κ = 0.2, κ/γ + 1 = 6, 1.2⁶ = 2.985984,
        // c1 = 10·ln 1.2, c2 = √(0.1/(2·1·0.5) × 2.985984) = √0.2985984.
        let c1 = 10.0 * (1.2f64).ln();
        let c2 = (0.2985984f64).sqrt();
        let flat = Glft::compute(0.0, 0.1, 2.0, 1.0, 0.5);
        assert_eq!(flat.reservation_offset_bps, 0.0);
        assert!(close(flat.half_spread_bps, c1 + c2), "{flat:?}");
        assert!(
            (flat.half_spread_bps - 2.369657148).abs() < 1e-9,
            "{flat:?}"
        );
        let long = Glft::compute(2.0, 0.1, 2.0, 1.0, 0.5);
        assert!(
            close(long.reservation_offset_bps, -2.0 * 2.0 * c2),
            "{long:?}"
        );
        assert_eq!(long.half_spread_bps, flat.half_spread_bps);
        // γ = 1, κ = 1, A = 4, σ = 3: c1 = ln 2, c2 = √(1/8 × 2²) = √0.5.
        let short = Glft::compute(-1.0, 1.0, 3.0, 4.0, 1.0);
        let c2 = (0.5f64).sqrt();
        assert!(close(short.reservation_offset_bps, 3.0 * c2), "{short:?}");
        assert!(
            close(short.half_spread_bps, (2.0f64).ln() + 1.5 * c2),
            "{short:?}"
        );
    }

    #[test]
    fn monotone_in_sigma_a_kappa_and_q() {
        let h = |sigma: f64, a: f64, kappa: f64| Glft::compute(0.0, 0.1, sigma, a, kappa);
        let base = h(2.0, 1.0, 0.5).half_spread_bps;
        assert!(h(4.0, 1.0, 0.5).half_spread_bps > base, "wider with σ");
        assert!(h(2.0, 10.0, 0.5).half_spread_bps < base, "narrower with A");
        assert!(h(2.0, 1.0, 5.0).half_spread_bps < base, "narrower with κ");
        let skew = |q: f64, a: f64| Glft::compute(q, 0.1, 2.0, a, 0.5).reservation_offset_bps;
        assert!(skew(1.0, 1.0) < 0.0, "long: reservation below the mid");
        assert!(skew(-1.0, 1.0) > 0.0, "short: reservation above the mid");
        assert!(skew(2.0, 1.0) < skew(1.0, 1.0), "more inventory, more skew");
        assert!(
            skew(1.0, 10.0) > skew(1.0, 1.0),
            "less skew with more trades"
        );
    }

    #[test]
    fn extreme_inputs_stay_finite() {
        for (gamma, kappa) in [(1e-6, 100.0), (10.0, 0.01), (1.0, 1e-3)] {
            let g = Glft::compute(5.0, gamma, 500.0, 1e-3, kappa);
            assert!(g.half_spread_bps.is_finite() && g.reservation_offset_bps.is_finite());
        }
    }
}
