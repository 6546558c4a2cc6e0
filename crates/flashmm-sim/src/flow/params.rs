//! Parameters of the synthetic flow, loadable from TOML.

use super::FlowError;
use serde::{Deserialize, Serialize};

/// Parameters of the background flow of one market. Rates are per second of simulated time;
/// sizes are in base units. Missing TOML keys take the SEI/USDC-like defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowParams {
    /// Starting latent price, in quote per base unit.
    pub initial_price: f64,
    /// Limit order arrivals per second.
    pub limit_rate: f64,
    /// Market order arrivals per second.
    pub market_rate: f64,
    /// Cancel hazard per resting flow order per second.
    pub cancel_rate: f64,
    /// Mean distance of a limit order from the latent price, in ticks (geometric).
    pub distance_mean_ticks: f64,
    /// Mean limit order size in base units (exponential).
    pub limit_size_mean: f64,
    /// Mean market order size in base units (exponential).
    pub market_size_mean: f64,
    /// How far past the latent price a market order may sweep, in ticks.
    pub max_sweep_ticks: i64,
    /// Latent log-price noise per square root of a second.
    pub volatility: f64,
    /// Latent log-price drift per second per unit of flow imbalance.
    pub impact: f64,
    /// Half-life of the flow imbalance memory, in seconds.
    pub imbalance_half_life_s: f64,
    /// How strongly market orders lean towards the latent price: the probability of a buy is
    /// `1 / (1 + exp(-informed × (latent − mid) / tick))`.
    pub informed: f64,
}

impl Default for FlowParams {
    fn default() -> Self {
        Self::sei_usdc()
    }
}

impl FlowParams {
    /// A SEI/USDC-like market: tick 0.0001, price around 0.40.
    pub fn sei_usdc() -> Self {
        FlowParams {
            initial_price: 0.40,
            limit_rate: 40.0,
            market_rate: 4.0,
            cancel_rate: 0.2,
            distance_mean_ticks: 6.0,
            limit_size_mean: 2_000.0,
            market_size_mean: 1_500.0,
            max_sweep_ticks: 40,
            volatility: 0.0002,
            impact: 0.00003,
            imbalance_half_life_s: 5.0,
            informed: 0.5,
        }
    }

    /// An ETH/USDC-like market: tick 0.01, price around 3000.
    pub fn eth_usdc() -> Self {
        FlowParams {
            initial_price: 3_000.0,
            limit_rate: 60.0,
            market_rate: 6.0,
            cancel_rate: 0.3,
            distance_mean_ticks: 25.0,
            limit_size_mean: 0.5,
            market_size_mean: 0.4,
            max_sweep_ticks: 200,
            volatility: 0.0001,
            impact: 0.00002,
            imbalance_half_life_s: 5.0,
            informed: 0.05,
        }
    }

    /// Parses and checks parameters from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, FlowError> {
        let params: FlowParams =
            toml::from_str(text).map_err(|e| FlowError::Toml(e.message().to_owned()))?;
        params.validate()?;
        Ok(params)
    }

    /// Checks every parameter's range.
    pub fn validate(&self) -> Result<(), FlowError> {
        let positive = [
            ("initial_price", self.initial_price),
            ("limit_rate", self.limit_rate),
            ("limit_size_mean", self.limit_size_mean),
            ("market_size_mean", self.market_size_mean),
            ("imbalance_half_life_s", self.imbalance_half_life_s),
        ];
        for (field, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(FlowError::Invalid {
                    field,
                    reason: "must be a positive number",
                });
            }
        }
        let non_negative = [
            ("market_rate", self.market_rate),
            ("cancel_rate", self.cancel_rate),
            ("distance_mean_ticks", self.distance_mean_ticks),
            ("volatility", self.volatility),
            ("impact", self.impact),
            ("informed", self.informed),
        ];
        for (field, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(FlowError::Invalid {
                    field,
                    reason: "must be a non-negative number",
                });
            }
        }
        if self.max_sweep_ticks < 0 {
            return Err(FlowError::Invalid {
                field: "max_sweep_ticks",
                reason: "must not be negative",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid() {
        FlowParams::sei_usdc().validate().unwrap();
        FlowParams::eth_usdc().validate().unwrap();
    }

    #[test]
    fn toml_overrides_defaults_and_is_checked() {
        let p = FlowParams::from_toml("initial_price = 0.5\nmarket_rate = 10.0\n").unwrap();
        assert_eq!(p.initial_price, 0.5);
        assert_eq!(p.market_rate, 10.0);
        assert_eq!(p.limit_rate, FlowParams::sei_usdc().limit_rate);
        let eth = toml::to_string(&FlowParams::eth_usdc()).unwrap();
        assert_eq!(FlowParams::from_toml(&eth).unwrap(), FlowParams::eth_usdc());
        assert!(matches!(
            FlowParams::from_toml("limit_rate = -1.0"),
            Err(FlowError::Invalid {
                field: "limit_rate",
                ..
            })
        ));
        assert!(matches!(
            FlowParams::from_toml("typo_rate = 1.0"),
            Err(FlowError::Toml(_))
        ));
        assert!(FlowParams::from_toml("volatility = nan").is_err());
    }
}
