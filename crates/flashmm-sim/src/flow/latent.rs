//! The latent fair price and its flow-driven dynamics.

use rand::Rng;
use rand_distr::StandardNormal;

/// A latent log-price that drifts with recent signed market-order flow.
///
/// Between events `dt` seconds apart: the imbalance decays by `2^(−dt / half_life)`, then
/// `ln p += impact × imbalance × dt + volatility × √dt × N(0, 1)`. Each executed market
/// order adds its signed size (in units of the mean market order size) to the imbalance, so
/// the price keeps moving for a while in the direction of recent aggression.
#[derive(Debug, Clone, PartialEq)]
pub struct LatentPrice {
    log_price: f64,
    imbalance: f64,
    volatility: f64,
    impact: f64,
    decay_per_s: f64,
}

impl LatentPrice {
    /// Starts at `price` with no imbalance.
    pub fn new(price: f64, volatility: f64, impact: f64, half_life_s: f64) -> Self {
        LatentPrice {
            log_price: price.ln(),
            imbalance: 0.0,
            volatility,
            impact,
            decay_per_s: std::f64::consts::LN_2 / half_life_s,
        }
    }

    /// The latent price.
    pub fn price(&self) -> f64 {
        self.log_price.exp()
    }

    /// The decayed signed flow, in mean market order sizes (positive: net buying).
    pub fn imbalance(&self) -> f64 {
        self.imbalance
    }

    /// Advances the price by `dt` seconds.
    pub fn advance<R: Rng>(&mut self, dt: f64, rng: &mut R) {
        self.imbalance *= (-self.decay_per_s * dt).exp();
        let z: f64 = rng.sample(StandardNormal);
        self.log_price += self.impact * self.imbalance * dt + self.volatility * dt.sqrt() * z;
    }

    /// Records executed market-order flow: `signed_size` in mean market order sizes.
    pub fn record_flow(&mut self, signed_size: f64) {
        self.imbalance += signed_size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn buying_pushes_the_price_up_and_decays() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut quiet = LatentPrice::new(1.0, 0.0, 0.01, 1.0);
        let mut bought = quiet.clone();
        bought.record_flow(10.0);
        for _ in 0..10 {
            quiet.advance(0.1, &mut rng);
            bought.advance(0.1, &mut rng);
        }
        assert_eq!(quiet.price(), 1.0);
        assert!(bought.price() > 1.0);
        assert!((bought.imbalance() - 5.0).abs() < 1e-9, "one half-life");
    }
}
