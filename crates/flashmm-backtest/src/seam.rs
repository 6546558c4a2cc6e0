//! [`BusSeam`]: the `feature → inference → execution` hops of a backtest over the in-memory
//! bus, as the services make them over Redis.
//!
//! Each feature vector the strategy lets through its throttle is published as an envelope on
//! `{ns}:feat:{mkt}`; the inference step reads it through its consumer group, predicts, and
//! publishes the prediction on `{ns}:pred:{mkt}`, acking the feature entry only after; the
//! execution step reads the prediction through its own group and acks it. The bus is a
//! [`MemoryBus`]: the hops are synchronous, ordered and lossless, so a run stays
//! deterministic, while the messages are encoded and decoded exactly as on the wire.

use std::time::Duration;

use flashmm_bus::{Bus, Envelope, MemoryBus, Namespace, Payload, StreamName};
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use futures_executor::block_on;

use crate::error::BacktestError;
use crate::predictor::Predictor;

const INFERENCE_GROUP: &str = "inference";
const EXECUTION_GROUP: &str = "execution";

/// The two stream hops between the strategy's features and its predictions.
pub struct BusSeam {
    bus: MemoryBus,
    mkt: String,
    feat: StreamName,
    pred: StreamName,
    predictor: Box<dyn Predictor>,
    published: u64,
}

impl std::fmt::Debug for BusSeam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusSeam")
            .field("feat", &self.feat)
            .field("pred", &self.pred)
            .field("model", &self.predictor.model_id())
            .field("published", &self.published)
            .finish()
    }
}

fn bus_err(e: impl std::fmt::Display) -> BacktestError {
    BacktestError::Bus(e.to_string())
}

impl BusSeam {
    /// The seam of market stream key `mkt` (e.g. `BTC-USDT`) under namespace `ns` of `bus`.
    pub fn new(
        bus: MemoryBus,
        ns: &str,
        mkt: &str,
        predictor: Box<dyn Predictor>,
    ) -> Result<Self, BacktestError> {
        let namespace = Namespace::new(ns).map_err(bus_err)?;
        let feat = namespace.feat(mkt).map_err(bus_err)?;
        let pred = namespace.pred(mkt).map_err(bus_err)?;
        block_on(async {
            bus.ensure_group(&feat, INFERENCE_GROUP).await?;
            bus.ensure_group(&pred, EXECUTION_GROUP).await
        })
        .map_err(bus_err)?;
        Ok(BusSeam {
            bus,
            mkt: mkt.to_owned(),
            feat,
            pred,
            predictor,
            published: 0,
        })
    }

    /// The model's id.
    pub fn model_id(&self) -> &str {
        self.predictor.model_id()
    }

    /// Half-width of the model's flat band, in bps.
    pub fn dead_band_bps(&self) -> f64 {
        self.predictor.dead_band_bps()
    }

    /// Predictions published so far.
    pub fn published(&self) -> u64 {
        self.published
    }

    /// Sends `vector` through `feat`, inference (with the market's flat-rate shift
    /// `flat_shift`) and `pred` at `now`; returns the prediction the execution side received.
    pub fn round_trip(
        &mut self,
        vector: &FeatureVector,
        now: UnixNanos,
        flat_shift: f64,
    ) -> Result<Option<Prediction>, BacktestError> {
        let envelope = Envelope::new(&self.mkt, now, vector.origin_ts, vector).map_err(bus_err)?;
        let bus = &self.bus;
        block_on(bus.publish(&self.feat, &envelope)).map_err(bus_err)?;
        let entries =
            block_on(bus.read_group(&self.feat, INFERENCE_GROUP, "backtest", 16, Duration::ZERO))
                .map_err(bus_err)?;
        for entry in entries {
            let Payload::Envelope(env) = &entry.payload else {
                return Err(BacktestError::Bus("malformed feature entry".into()));
            };
            let v: FeatureVector = env.decode().map_err(bus_err)?;
            let p = self.predictor.predict(&v, now, flat_shift)?;
            let out = Envelope::new(&self.mkt, now, env.origin_ts, &p).map_err(bus_err)?;
            block_on(async {
                bus.publish(&self.pred, &out).await?;
                bus.ack(&self.feat, INFERENCE_GROUP, &[entry.id]).await
            })
            .map_err(bus_err)?;
            self.published += 1;
        }
        let mut latest = None;
        let entries =
            block_on(bus.read_group(&self.pred, EXECUTION_GROUP, "backtest", 16, Duration::ZERO))
                .map_err(bus_err)?;
        for entry in entries {
            let Payload::Envelope(env) = &entry.payload else {
                return Err(BacktestError::Bus("malformed prediction entry".into()));
            };
            latest = Some(env.decode::<Prediction>().map_err(bus_err)?);
            block_on(bus.ack(&self.pred, EXECUTION_GROUP, &[entry.id])).map_err(bus_err)?;
        }
        Ok(latest)
    }

    /// Trims both streams to about `maxlen` entries, as the services' `MAXLEN ~` does.
    pub fn trim(&self, maxlen: usize) -> Result<(), BacktestError> {
        block_on(async {
            self.bus.trim(&self.feat, maxlen).await?;
            self.bus.trim(&self.pred, maxlen).await
        })
        .map_err(bus_err)?;
        Ok(())
    }
}
