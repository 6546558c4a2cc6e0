//! Reads what execution, inference and the services keep in Redis: the `{ns}:state:*` hashes
//! and the newest entries of the prediction, fill, risk and audit streams.
//!
//! An entry that does not decode is not fatal: it is left out, reported as an [`Invalid`] and
//! counted in `flashmm_api_bad_state_total{source}`, so one bad value never hides the rest.

use std::collections::BTreeMap;
use std::sync::Arc;

use flashmm_bus::{Bus, BusError, Namespace, Payload, Range, StreamName};
use flashmm_core::control::AuditEntry;
use flashmm_core::market::MarketSpec;
use flashmm_core::message::StreamMessage;
use flashmm_core::order::Fill;
use flashmm_core::risk::RiskEvent;
use flashmm_core::signal::Prediction;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contract::{Latency, Pnl, Position, Quotes, TradingState};
use crate::fill_view::FillView;
use crate::telemetry;

/// A state value or stream entry that did not decode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
    /// Where it was read: `state:positions`, `fills:SEI-USDC`, ...
    pub source: String,
    /// The hash field or stream entry id.
    pub key: String,
    /// Why it did not decode.
    pub error: String,
}

/// Reads the state of one namespace.
#[derive(Clone)]
pub struct StateReader {
    bus: Arc<dyn Bus>,
    ns: Namespace,
    markets: Arc<[MarketSpec]>,
    venue: Arc<str>,
}

impl StateReader {
    /// A reader of namespace `ns` for the configured `markets`.
    pub fn new(bus: Arc<dyn Bus>, ns: Namespace, markets: Vec<MarketSpec>) -> Self {
        StateReader {
            bus,
            ns,
            markets: markets.into(),
            venue: Arc::from("sim"),
        }
    }

    /// The reader naming the venue `venue` (`VenueConfig::describe`: `sim`, `paper (binance
    /// spot: BTCUSDT)`, `hyperliquid testnet`) in the status.
    pub fn with_venue(mut self, venue: &str) -> Self {
        self.venue = Arc::from(venue);
        self
    }

    /// What the venue is.
    pub fn venue(&self) -> &str {
        &self.venue
    }

    /// The configured markets.
    pub fn markets(&self) -> &[MarketSpec] {
        &self.markets
    }

    /// The bus, to write commands and audit entries.
    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.bus
    }

    /// The namespace read.
    pub fn namespace(&self) -> &Namespace {
        &self.ns
    }

    async fn hash(&self, name: &str) -> Result<BTreeMap<String, String>, BusError> {
        let key = self.ns.state(name)?;
        self.bus.get_state(&key).await
    }

    /// `{ns}:state:heartbeat`: each service's last heartbeat, UTC ns.
    pub async fn heartbeats(
        &self,
        invalid: &mut Vec<Invalid>,
    ) -> Result<BTreeMap<String, i64>, BusError> {
        let mut out = BTreeMap::new();
        for (service, value) in self.hash("heartbeat").await? {
            match value.trim().parse::<i64>() {
                Ok(ts) => {
                    out.insert(service, ts);
                }
                Err(e) => note(invalid, "state:heartbeat", &service, e),
            }
        }
        Ok(out)
    }

    /// `{ns}:state:trading`.
    pub async fn trading(&self) -> Result<TradingState, BusError> {
        Ok(TradingState::from_fields(&self.hash("trading").await?))
    }

    /// `{ns}:state:latency`.
    pub async fn latency(&self) -> Result<Latency, BusError> {
        Ok(Latency::from_fields(&self.hash("latency").await?))
    }

    /// `{ns}:state:model` as written by inference (`healthy:{mkt}`, `model_id:{mkt}`, ...).
    pub async fn model(&self) -> Result<BTreeMap<String, String>, BusError> {
        self.hash(flashmm_core::signal::MODEL_STATE).await
    }

    /// `{ns}:state:positions`, by market symbol.
    pub async fn positions(
        &self,
        invalid: &mut Vec<Invalid>,
    ) -> Result<BTreeMap<String, Position>, BusError> {
        self.json_hash("positions", invalid).await
    }

    /// `{ns}:state:quotes`, by market symbol.
    pub async fn quotes(
        &self,
        invalid: &mut Vec<Invalid>,
    ) -> Result<BTreeMap<String, Quotes>, BusError> {
        self.json_hash("quotes", invalid).await
    }

    /// `{ns}:state:pnl`, by market symbol and `total`.
    pub async fn pnl(&self, invalid: &mut Vec<Invalid>) -> Result<BTreeMap<String, Pnl>, BusError> {
        self.json_hash("pnl", invalid).await
    }

    /// `{ns}:state:orders`: the open orders by client order id, as execution wrote them.
    pub async fn orders(
        &self,
        invalid: &mut Vec<Invalid>,
    ) -> Result<BTreeMap<String, serde_json::Value>, BusError> {
        let orders: BTreeMap<String, serde_json::Value> = self.json_hash("orders", invalid).await?;
        let mut out = BTreeMap::new();
        for (id, order) in orders {
            if order.is_object() {
                out.insert(id, order);
            } else {
                note(invalid, "state:orders", &id, "not a JSON object");
            }
        }
        Ok(out)
    }

    async fn json_hash<T: DeserializeOwned>(
        &self,
        name: &str,
        invalid: &mut Vec<Invalid>,
    ) -> Result<BTreeMap<String, T>, BusError> {
        let mut out = BTreeMap::new();
        for (field, value) in self.hash(name).await? {
            match serde_json::from_str(&value) {
                Ok(v) => {
                    out.insert(field, v);
                }
                Err(e) => note(invalid, &format!("state:{name}"), &field, e),
            }
        }
        Ok(out)
    }

    /// The newest entry of `{ns}:pred:{mkt}`.
    pub async fn last_prediction(
        &self,
        spec: &MarketSpec,
        invalid: &mut Vec<Invalid>,
    ) -> Result<Option<Prediction>, BusError> {
        let stream = self.ns.pred(&spec.id().stream_key())?;
        Ok(self.newest(&stream, 1, invalid).await?.into_iter().next())
    }

    /// The newest `n` fills of a market, newest first.
    pub async fn fills(
        &self,
        spec: &MarketSpec,
        n: usize,
        invalid: &mut Vec<Invalid>,
    ) -> Result<Vec<FillView>, BusError> {
        let stream = self.ns.fills(&spec.id().stream_key())?;
        let fills: Vec<Fill> = self.newest(&stream, n, invalid).await?;
        Ok(fills.iter().map(|f| FillView::new(f, spec)).collect())
    }

    /// The newest `n` risk events, newest first.
    pub async fn risk(
        &self,
        n: usize,
        invalid: &mut Vec<Invalid>,
    ) -> Result<Vec<RiskEvent>, BusError> {
        self.newest(&self.ns.risk(), n, invalid).await
    }

    /// The newest `n` audit entries, newest first.
    pub async fn audit(
        &self,
        n: usize,
        invalid: &mut Vec<Invalid>,
    ) -> Result<Vec<AuditEntry>, BusError> {
        self.newest(&self.ns.audit(), n, invalid).await
    }

    async fn newest<T: StreamMessage>(
        &self,
        stream: &StreamName,
        n: usize,
        invalid: &mut Vec<Invalid>,
    ) -> Result<Vec<T>, BusError> {
        let mut out = Vec::new();
        for delivery in self.bus.range(stream, Range::Newest(n)).await? {
            let decoded = match &delivery.payload {
                Payload::Envelope(envelope) => envelope.decode::<T>().map_err(|e| e.to_string()),
                Payload::Malformed { error, .. } => Err(error.to_string()),
            };
            match decoded {
                Ok(msg) => out.push(msg),
                Err(e) => note(invalid, stream.short(), delivery.id.as_str(), e),
            }
        }
        Ok(out)
    }
}

fn note(invalid: &mut Vec<Invalid>, source: &str, key: &str, error: impl ToString) {
    metrics::counter!(telemetry::BAD_STATE, "source" => source.to_owned()).increment(1);
    invalid.push(Invalid {
        source: source.to_owned(),
        key: key.to_owned(),
        error: error.to_string(),
    });
}
