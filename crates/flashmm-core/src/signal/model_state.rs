//! [`ModelState`]: one market's record in the `{ns}:state:model` hash, which inference writes
//! and execution and the API read.
//!
//! Fields, `{mkt}` in stream form (`SEI-USDC`):
//! - `healthy:{mkt}`: `1` while a model serves the market, `0` otherwise;
//! - `model_id:{mkt}`: the model serving (empty when none);
//! - `error:{mkt}`: why no model serves, or the last failed reload (empty when none);
//! - `updated_ts:{mkt}`: UTC ns of the last health change;
//! - `hit_rate:{mkt}`, `hit_rate_n:{mkt}`, `scored:{mkt}`, `hit_rate_ts:{mkt}`: the rolling
//!   direction hit rate, the non-flat outcomes it covers, the predictions scored so far and
//!   when it was written.

use std::collections::BTreeMap;

use crate::time::UnixNanos;

/// The state hash's name under the namespace (`{ns}:state:model`).
pub const MODEL_STATE: &str = "model";

/// Whether a model serves a market: written by inference at each change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelHealth {
    /// Whether a model serves the market.
    pub healthy: bool,
    /// The model serving (empty when none).
    pub model_id: String,
    /// Why none serves, or the last failed reload (empty when none).
    pub error: String,
    /// When the health last changed.
    pub updated_ts: Option<UnixNanos>,
}

/// The model's rolling direction hit rate on a market.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveHitRate {
    /// The share of non-flat outcomes whose direction was predicted; `None` before the first.
    pub rate: Option<f64>,
    /// How many non-flat outcomes the rate covers.
    pub window: u64,
    /// How many predictions were scored so far.
    pub scored: u64,
    /// When it was written.
    pub ts: Option<UnixNanos>,
}

/// One market's whole record in `{ns}:state:model`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelState {
    /// The model's health.
    pub health: ModelHealth,
    /// The live hit rate.
    pub hit_rate: LiveHitRate,
}

fn field(name: &str, mkt: &str) -> String {
    format!("{name}:{mkt}")
}

impl ModelHealth {
    /// The hash fields of market `mkt` (stream form).
    pub fn to_fields(&self, mkt: &str) -> Vec<(String, String)> {
        vec![
            (
                field("healthy", mkt),
                if self.healthy { "1" } else { "0" }.to_owned(),
            ),
            (field("model_id", mkt), self.model_id.clone()),
            (field("error", mkt), self.error.clone()),
            (
                field("updated_ts", mkt),
                self.updated_ts.map(|t| t.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// The field of a failed reload (the previous model keeps serving).
    pub fn reload_failed_fields(mkt: &str, error: &str) -> Vec<(String, String)> {
        vec![(field("error", mkt), error.to_owned())]
    }
}

impl LiveHitRate {
    /// The hash fields of market `mkt` (stream form); the rate with four decimals.
    pub fn to_fields(&self, mkt: &str) -> Vec<(String, String)> {
        vec![
            (
                field("hit_rate", mkt),
                self.rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
            ),
            (field("hit_rate_n", mkt), self.window.to_string()),
            (field("scored", mkt), self.scored.to_string()),
            (
                field("hit_rate_ts", mkt),
                self.ts.map(|t| t.to_string()).unwrap_or_default(),
            ),
        ]
    }
}

impl ModelState {
    /// Market `mkt`'s record in the hash `fields`; a field that is missing or does not parse
    /// reads as its default (unhealthy, no rate), never as a guess.
    pub fn from_fields(fields: &BTreeMap<String, String>, mkt: &str) -> Self {
        let get = |name: &str| fields.get(&field(name, mkt)).map(String::as_str);
        let ts = |name: &str| get(name).and_then(|v| v.parse::<i64>().ok()).map(UnixNanos);
        let count = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ModelState {
            health: ModelHealth {
                healthy: get("healthy") == Some("1"),
                model_id: get("model_id").unwrap_or_default().to_owned(),
                error: get("error").unwrap_or_default().to_owned(),
                updated_ts: ts("updated_ts"),
            },
            hit_rate: LiveHitRate {
                rate: get("hit_rate")
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|r| (0.0..=1.0).contains(r)),
                window: count("hit_rate_n"),
                scored: count("scored"),
                ts: ts("hit_rate_ts"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(parts: &[Vec<(String, String)>]) -> BTreeMap<String, String> {
        parts.iter().flatten().cloned().collect()
    }

    #[test]
    fn what_inference_writes_reads_back_per_market() {
        let health = ModelHealth {
            healthy: true,
            model_id: "mlp-3".into(),
            error: String::new(),
            updated_ts: Some(UnixNanos(7)),
        };
        let rate = LiveHitRate {
            rate: Some(0.5625),
            window: 400,
            scored: 1_000,
            ts: Some(UnixNanos(9)),
        };
        let other = ModelHealth {
            error: "no model".into(),
            ..ModelHealth::default()
        };
        let fields = hash(&[
            health.to_fields("SEI-USDC"),
            rate.to_fields("SEI-USDC"),
            other.to_fields("ETH-USDC"),
        ]);
        let sei = ModelState::from_fields(&fields, "SEI-USDC");
        assert_eq!(sei.health, health);
        assert_eq!(sei.hit_rate, rate);
        let eth = ModelState::from_fields(&fields, "ETH-USDC");
        assert!(!eth.health.healthy);
        assert_eq!(eth.health.error, "no model");
        assert_eq!(eth.hit_rate, LiveHitRate::default());
    }

    #[test]
    fn a_missing_or_garbled_field_reads_as_unknown() {
        let mut fields = BTreeMap::new();
        fields.insert("healthy:SEI-USDC".to_owned(), "yes".to_owned());
        fields.insert("hit_rate:SEI-USDC".to_owned(), "NaN".to_owned());
        fields.insert("hit_rate_n:SEI-USDC".to_owned(), "-3".to_owned());
        let s = ModelState::from_fields(&fields, "SEI-USDC");
        assert!(!s.health.healthy);
        assert_eq!(s.hit_rate.rate, None);
        assert_eq!(s.hit_rate.window, 0);
        let mut fields = BTreeMap::new();
        fields.insert("hit_rate:SEI-USDC".to_owned(), "1.5".to_owned());
        assert_eq!(
            ModelState::from_fields(&fields, "SEI-USDC").hit_rate.rate,
            None
        );
    }

    #[test]
    fn a_failed_reload_touches_only_the_error() {
        let fields = ModelHealth::reload_failed_fields("SEI-USDC", "bad file");
        assert_eq!(
            fields,
            vec![("error:SEI-USDC".to_owned(), "bad file".to_owned())]
        );
    }
}
