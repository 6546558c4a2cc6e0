//! Options of an [`Exchange`](super::Exchange).

use crate::flow::FlowParams;
use crate::ratelimit::RateLimit;
use flashmm_core::market::MarketSpec;
use flashmm_venue::signing::VerifierConfig;

/// How the exchange is built.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeConfig {
    /// Per-key limit on signed requests.
    pub rate_limit: RateLimit,
    /// Signature expiry and nonce window limits.
    pub verifier: VerifierConfig,
    /// Seed of every market's background flow (market `i` uses `seed + i`).
    pub seed: u64,
    /// Simulated flow time per wall-clock time (1.0: real time).
    pub speed: f64,
    /// Fills kept per account for `GET /api/v1/fills`.
    pub fill_history: usize,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            rate_limit: RateLimit {
                capacity: 50,
                refill_per_sec: 20,
            },
            verifier: VerifierConfig::default(),
            seed: 42,
            speed: 1.0,
            fill_history: 10_000,
        }
    }
}

/// One market to host.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketSetup {
    /// The market's spec.
    pub spec: MarketSpec,
    /// Its background flow; `None` for a quiet book that only participants trade in.
    pub flow: Option<FlowParams>,
}

/// The built-in flow parameters for a market: ETH- and BTC-like prices for those bases, the
/// SEI-like parameters otherwise. A calibrated TOML (`FlowParams::from_toml`) replaces them.
pub fn default_flow_params(spec: &MarketSpec) -> FlowParams {
    match spec.id().base() {
        "ETH" | "WETH" | "BTC" | "WBTC" => FlowParams::eth_usdc(),
        _ => FlowParams::sei_usdc(),
    }
}
