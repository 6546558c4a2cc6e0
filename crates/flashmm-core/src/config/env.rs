//! Environment overrides: each variable replaces one key of the file.

use std::str::FromStr;

use super::{Config, ConfigError, Secret};

/// One environment variable and the config key it overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvOverride {
    /// The variable's name.
    pub var: &'static str,
    /// The dotted config key it replaces.
    pub key: &'static str,
    /// True when the value is a secret.
    pub secret: bool,
}

const fn o(var: &'static str, key: &'static str, secret: bool) -> EnvOverride {
    EnvOverride { var, key, secret }
}

/// Every environment variable FlashMM reads, in the order they are applied.
pub const ENV_OVERRIDES: [EnvOverride; 23] = [
    o("ENVIRONMENT", "environment", false),
    o("LOG_LEVEL", "log_level", false),
    o("FLASHMM_NAMESPACE", "namespace", false),
    o("REDIS_URL", "redis.url", true),
    o("INFLUXDB_URL", "influxdb.url", false),
    o("INFLUXDB_TOKEN", "influxdb.token", true),
    o("MAX_POSITION_USDC", "risk.max_position_usdc", false),
    o("QUOTE_FREQUENCY_HZ", "trading.quote_frequency_hz", false),
    o("VENUE", "venue.kind", false),
    o("PAPER_SYMBOLS", "venue.paper.symbols", false),
    o("PAPER_LEDGER_FILE", "venue.paper.ledger_file", false),
    o("SEI_RPC_URL", "venue.sei_rpc_url", false),
    o("SEI_WS_URL", "venue.sei_ws_url", false),
    o("SEI_CHAIN_ID", "venue.sei_chain_id", false),
    o("HYPERLIQUID_NETWORK", "venue.hyperliquid.network", false),
    o("HYPERLIQUID_API_URL", "venue.hyperliquid.api_url", false),
    o("HYPERLIQUID_WS_URL", "venue.hyperliquid.ws_url", false),
    o("HYPERLIQUID_ACCOUNT", "venue.hyperliquid.account", false),
    o("TRADING_PRIVATE_KEY", "venue.private_key", true),
    o("TRADING_KEY_FILE", "venue.key_file", false),
    o("API_ADMIN_TOKEN", "api.admin_token", true),
    o("SECRET_KEY", "api.secret_key", true),
    o("TWITTER_BEARER_TOKEN", "social.twitter_bearer_token", true),
];

fn parse<T: FromStr>(o: &EnvOverride, raw: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    raw.trim().parse::<T>().map_err(|e| ConfigError::Env {
        var: o.var,
        key: o.key,
        message: if o.secret {
            format!("invalid value: {e}")
        } else {
            format!("invalid value {raw:?}: {e}")
        },
    })
}

/// Applies every set variable of [`ENV_OVERRIDES`] to `config`.
pub(super) fn apply(
    config: &mut Config,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for o in &ENV_OVERRIDES {
        let Some(raw) = env(o.var) else { continue };
        match o.var {
            "ENVIRONMENT" => config.environment = raw,
            "LOG_LEVEL" => config.log_level = raw,
            "FLASHMM_NAMESPACE" => config.namespace = raw,
            "REDIS_URL" => config.redis.url = raw,
            "INFLUXDB_URL" => config.influxdb.url = raw,
            "INFLUXDB_TOKEN" => config.influxdb.token = Secret::new(raw),
            "MAX_POSITION_USDC" => config.risk.max_position_usdc = parse(o, &raw)?,
            "QUOTE_FREQUENCY_HZ" => config.trading.quote_frequency_hz = parse(o, &raw)?,
            "VENUE" => {
                config.venue.kind = match raw.trim() {
                    "sim" => super::VenueKind::Sim,
                    "paper" => super::VenueKind::Paper,
                    "hyperliquid" => super::VenueKind::Hyperliquid,
                    // Refused with the reason when the configuration is validated.
                    "sei" => super::VenueKind::Sei,
                    _ => {
                        return Err(ConfigError::Env {
                            var: o.var,
                            key: o.key,
                            message: format!(
                                "expected `sim`, `paper` or `hyperliquid`, got {raw:?}"
                            ),
                        })
                    }
                }
            }
            "PAPER_SYMBOLS" => {
                config.venue.paper.symbols = raw
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            "HYPERLIQUID_NETWORK" => {
                config.venue.hyperliquid.network = match raw.trim() {
                    "testnet" => super::HyperliquidNetwork::Testnet,
                    "mainnet" => super::HyperliquidNetwork::Mainnet,
                    _ => {
                        return Err(ConfigError::Env {
                            var: o.var,
                            key: o.key,
                            message: format!("expected `testnet` or `mainnet`, got {raw:?}"),
                        })
                    }
                }
            }
            "PAPER_LEDGER_FILE" => config.venue.paper.ledger_file = raw,
            "HYPERLIQUID_API_URL" => config.venue.hyperliquid.api_url = raw,
            "HYPERLIQUID_WS_URL" => config.venue.hyperliquid.ws_url = raw,
            "HYPERLIQUID_ACCOUNT" => config.venue.hyperliquid.account = raw,
            "SEI_RPC_URL" => config.venue.sei_rpc_url = raw,
            "SEI_WS_URL" => config.venue.sei_ws_url = raw,
            "SEI_CHAIN_ID" => config.venue.sei_chain_id = raw,
            "TRADING_PRIVATE_KEY" => config.venue.private_key = Secret::new(raw),
            "TRADING_KEY_FILE" => config.venue.key_file = raw,
            "API_ADMIN_TOKEN" => config.api.admin_token = Secret::new(raw),
            "SECRET_KEY" => config.api.secret_key = Secret::new(raw),
            "TWITTER_BEARER_TOKEN" => config.social.twitter_bearer_token = Secret::new(raw),
            _ => {}
        }
    }
    Ok(())
}
