//! What the trading core takes from the configuration file, read once for every shell (the
//! execution service, the backtester): the per-market risk limits of `[risk]` and the quoting
//! template of `[trading]`.

use flashmm_core::config::Config;
use flashmm_core::risk::RiskLimits;
use flashmm_core::strategy::RawQuoteParams;

/// The per-market limits of `[risk]`.
pub fn risk_limits(config: &Config) -> RiskLimits {
    let r = &config.risk;
    RiskLimits {
        max_position_quote: r.max_position_usdc,
        max_order_notional: r.max_order_notional_usdc,
        max_open_orders: r.max_open_orders,
        daily_loss_limit: r.daily_loss_limit_usdc,
        max_drawdown: r.max_drawdown_usdc,
        stale_data_timeout_ms: r.stale_data_ms,
        max_orders_per_sec: r.max_orders_per_sec,
    }
}

/// The quoting parameters of `[trading]` on top of `[trading.quote]` (default: the strategy
/// defaults); sizes are set per market from notionals at its first mid
/// ([`crate::MarketEngine`]).
pub fn quote_template(config: &Config) -> RawQuoteParams {
    let t = &config.trading;
    RawQuoteParams {
        quote_frequency_hz: t.quote_frequency_hz,
        levels: t.levels as usize,
        min_spread_bps: t.min_spread_bps.try_into().unwrap_or(0.0),
        ..t.quote.clone().unwrap_or_default()
    }
}
