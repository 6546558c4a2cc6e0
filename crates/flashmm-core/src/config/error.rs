//! Configuration errors: one line each, naming the key at fault.

/// Why a configuration was refused. `Display` is a single line that names the offending key
/// (and the environment variable, when the value came from one).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML text could not be parsed or a key has the wrong type or is unknown.
    #[error("config key `{key}`: {message}")]
    Parse {
        /// Dotted path of the key, e.g. `trading.max_position_usdc`.
        key: String,
        /// What was wrong with it.
        message: String,
    },
    /// An environment override could not be parsed.
    #[error("env {var} (config key `{key}`): {message}")]
    Env {
        /// The environment variable.
        var: &'static str,
        /// The config key it overrides.
        key: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// A value parsed but breaks a rule.
    #[error("config key `{key}`: {message}")]
    Invalid {
        /// Dotted path of the key.
        key: String,
        /// The rule it breaks.
        message: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}
