//! Connecting a service to the configured Redis.

use flashmm_core::config::Config;

/// The environment variable with about how many entries `{ns}:dlq` keeps.
pub const DLQ_MAXLEN_ENV: &str = "FLASHMM_DLQ_MAXLEN";

/// The dead-letter bound from `FLASHMM_DLQ_MAXLEN` (`get` reads the environment), else
/// [`DEFAULT_DLQ_MAXLEN`](crate::DEFAULT_DLQ_MAXLEN); a value that is not a positive integer is
/// refused.
pub fn dlq_maxlen_from(get: impl Fn(&str) -> Option<String>) -> Result<usize, crate::BusError> {
    match get(DLQ_MAXLEN_ENV) {
        None => Ok(crate::DEFAULT_DLQ_MAXLEN),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(crate::BusError::InvalidArgument(format!(
                "{DLQ_MAXLEN_ENV}={raw:?}: expected a positive integer"
            ))),
        },
    }
}

/// Connects to the configured Redis. Fails when Redis cannot be reached within the bus's
/// command timeout, or when `FLASHMM_DLQ_MAXLEN` is not a positive integer; once connected
/// the client reconnects by itself.
pub async fn connect_bus(
    config: &Config,
) -> Result<(crate::RedisBus, crate::Namespace), crate::BusError> {
    let namespace = crate::Namespace::new(&config.namespace)?;
    let bus = crate::RedisBus::connect(crate::RedisBusConfig {
        dlq_maxlen: dlq_maxlen_from(|key| std::env::var(key).ok())?,
        ..crate::RedisBusConfig::new(config.redis.url.clone())
    })
    .await?;
    Ok((bus, namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlq_bound_from_the_environment() {
        assert_eq!(
            dlq_maxlen_from(|_| None).ok(),
            Some(crate::DEFAULT_DLQ_MAXLEN)
        );
        assert_eq!(dlq_maxlen_from(|_| Some("500".into())).ok(), Some(500));
        assert!(dlq_maxlen_from(|_| Some("0".into())).is_err());
        assert!(dlq_maxlen_from(|_| Some("many".into())).is_err());
    }
}
