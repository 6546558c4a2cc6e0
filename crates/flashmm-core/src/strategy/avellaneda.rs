//! The Avellaneda–Stoikov reservation price and optimal half-spread.
//!
//! With inventory `q` (in units of the base quote size), risk aversion γ (per bps), volatility
//! σ (bps per √s), horizon τ (seconds) and order-arrival decay κ (per bps):
//!
//! - reservation offset from the mid: `r − s = −q·γ·σ²·τ`
//! - optimal half-spread around r:  `δ = γ·σ²·τ / 2 + (1/γ)·ln(1 + γ/κ)`
//!
//! Everything is in bps of the mid, so the same γ and κ suit any tick size; the caller
//! converts to ticks at the very end. τ is a rolling horizon (held constant, not T − t running
//! to zero): market making has no session end, and a constant τ keeps quotes stationary.

use serde::{Deserialize, Serialize};

/// The Avellaneda–Stoikov outputs, in bps of the mid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AvellanedaStoikov {
    /// `r − s`: where the reservation price sits relative to the mid, in bps.
    pub reservation_offset_bps: f64,
    /// δ: the optimal half-spread around the reservation price, in bps.
    pub half_spread_bps: f64,
}

impl AvellanedaStoikov {
    /// Computes both terms. Inputs are assumed positive and finite (γ, κ, τ from checked
    /// [`QuoteParams`](super::QuoteParams); σ and κ from the clamped estimators).
    #[inline]
    pub fn compute(q: f64, gamma: f64, sigma_bps: f64, tau_secs: f64, kappa: f64) -> Self {
        let risk = gamma * sigma_bps * sigma_bps * tau_secs;
        AvellanedaStoikov {
            reservation_offset_bps: -q * risk,
            half_spread_bps: risk / 2.0 + (1.0 + gamma / kappa).ln() / gamma,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_values() {
        // γσ²τ = 0.1 × 4 × 10 = 4 bps.
        let flat = AvellanedaStoikov::compute(0.0, 0.1, 2.0, 10.0, 0.5);
        assert_eq!(flat.reservation_offset_bps, 0.0);
        let want = 2.0 + (1.2f64).ln() / 0.1;
        assert!((flat.half_spread_bps - want).abs() < 1e-12);
        let long = AvellanedaStoikov::compute(2.0, 0.1, 2.0, 10.0, 0.5);
        assert!((long.reservation_offset_bps + 8.0).abs() < 1e-12);
        assert_eq!(long.half_spread_bps, flat.half_spread_bps);
        let short = AvellanedaStoikov::compute(-1.0, 0.1, 2.0, 10.0, 0.5);
        assert!(short.reservation_offset_bps > 0.0);
    }

    #[test]
    fn spread_grows_with_sigma_and_shrinks_with_kappa() {
        let base = AvellanedaStoikov::compute(0.0, 0.1, 2.0, 10.0, 0.5).half_spread_bps;
        assert!(AvellanedaStoikov::compute(0.0, 0.1, 4.0, 10.0, 0.5).half_spread_bps > base);
        assert!(AvellanedaStoikov::compute(0.0, 0.1, 2.0, 10.0, 5.0).half_spread_bps < base);
    }
}
