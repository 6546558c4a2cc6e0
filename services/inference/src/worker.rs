//! One market's inference loop: `feat:{mkt}` → model → `pred:{mkt}`, acking after publishing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use flashmm_bus::{
    Bus, BusError, Consumer, ConsumerConfig, EntryId, Envelope, Namespace, Received,
};
use flashmm_core::market::MarketId;
use flashmm_core::signal::FeatureVector;
use flashmm_model::{FeatureSchema, ModelError};
use flashmm_runtime::{self as runtime, LogLimiter};
use metrics::{counter, histogram};
use tokio::sync::watch;

use crate::health::{HealthWriter, STATE_NAME};
use crate::monitor::{DriftInput, DriftLink};
use crate::slot::{ModelSlot, SlotChange};
use crate::telemetry;
use flashmm_core::signal::PendingPrediction;

/// The consumer group reading `feat:{mkt}`.
pub const GROUP: &str = "inference";

/// How one market is served.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The market.
    pub market: MarketId,
    /// The model's `model.json`.
    pub model_path: PathBuf,
    /// The feature schema the live engine produces.
    pub schema: FeatureSchema,
    /// How often model files are polled (and a missing model retried).
    pub poll: Duration,
    /// `MAXLEN ~` of `pred:{mkt}`.
    pub maxlen: Option<usize>,
    /// This consumer's name in the group.
    pub consumer_name: String,
}

/// Serves one market until `shutdown` turns true. Predictions also go to `drift` (when
/// given) for scoring, and take its flat rate's shift. Returns an error only when the streams
/// cannot be set up.
pub async fn run<B: Bus + Clone + 'static>(
    bus: B,
    namespace: Namespace,
    config: WorkerConfig,
    drift: Option<DriftLink>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BusError> {
    let mkt = config.market.stream_key();
    let feat = namespace.feat(&mkt)?;
    let pred = namespace.pred(&mkt)?;
    let health = HealthWriter::new(namespace.state(STATE_NAME)?, &mkt);
    let mut consumer: Consumer<FeatureVector, B> = Consumer::start(
        bus.clone(),
        feat.clone(),
        ConsumerConfig::new(GROUP, config.consumer_name.clone()),
    )
    .await?;
    let mut slot = ModelSlot::new(&mkt, config.model_path.clone(), config.schema, config.poll);
    let mut limiter = LogLimiter::new(Duration::from_secs(10));
    let mut refused_limiter = LogLimiter::new(Duration::from_secs(10));
    tracing::info!(market = %mkt, stream = %feat, "inference worker started");
    loop {
        if let Some(change) = slot.refresh().await {
            let result = match &change {
                SlotChange::Serving { model_id } => {
                    health.healthy(&bus, model_id, runtime::now()).await
                }
                SlotChange::Down { error } => health.unhealthy(&bus, error, runtime::now()).await,
                SlotChange::ReloadFailed { error } => health.reload_failed(&bus, error).await,
            };
            if let Err(e) = result {
                tracing::warn!(market = %mkt, error = %e, "state:model not written");
            }
        }
        let batch = tokio::select! {
            _ = shutdown.changed() => break,
            batch = consumer.next_batch() => batch,
        };
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                if limiter.allow("read").is_some() {
                    tracing::warn!(market = %mkt, error = %e, "cannot read feature vectors");
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        if batch.is_empty() {
            continue;
        }
        let mut acks: Vec<EntryId> = Vec::with_capacity(batch.len());
        let mut published: Vec<EntryId> = Vec::with_capacity(batch.len());
        let mut envelopes: Vec<Envelope> = Vec::with_capacity(batch.len());
        let mut scored: Vec<PendingPrediction> = Vec::with_capacity(batch.len());
        let flat_shift = drift.as_ref().map_or(0.0, |d| *d.flat_shift.borrow());
        for received in batch {
            let Some(model) = slot.model() else {
                counter!(telemetry::SKIPPED_TOTAL, "market" => mkt.clone(), "reason" => "no_model")
                    .increment(1);
                acks.push(received.id);
                continue;
            };
            let refusal = match model.check_vector(&received.msg) {
                Ok(()) => {
                    let started = Instant::now();
                    let outcome =
                        model.prediction_shifted(&received.msg, runtime::now(), flat_shift);
                    let elapsed = started.elapsed();
                    histogram!(telemetry::LATENCY_SECONDS, "market" => mkt.clone())
                        .record(elapsed.as_secs_f64());
                    match outcome {
                        Ok(mut p) => {
                            p.inference_ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
                            match Envelope::new(&mkt, p.ts, received.msg.origin_ts, &p) {
                                Ok(envelope) => {
                                    envelopes.push(envelope);
                                    published.push(received.id);
                                    scored.push(PendingPrediction::of(
                                        &p,
                                        f64::from(model.dead_band_bps()),
                                        flat_shift,
                                    ));
                                    continue;
                                }
                                Err(e) => Some(("encode", e.to_string())),
                            }
                        }
                        Err(
                            e @ (ModelError::NonFiniteInput { .. }
                            | ModelError::VectorLength { .. }),
                        ) => Some((e.label(), e.to_string())),
                        Err(e) => {
                            counter!(telemetry::SKIPPED_TOTAL, "market" => mkt.clone(), "reason" => e.label())
                                .increment(1);
                            if limiter.allow(e.label()).is_some() {
                                tracing::error!(market = %mkt, error = %e, "inference failed");
                            }
                            acks.push(received.id);
                            continue;
                        }
                    }
                }
                Err(e) => Some((e.label(), e.to_string())),
            };
            if let Some((label, reason)) = refusal {
                refuse(
                    &consumer,
                    &mkt,
                    &received,
                    label,
                    &reason,
                    &mut refused_limiter,
                )
                .await?;
                acks.push(received.id);
            }
        }
        if !envelopes.is_empty() {
            if let Err(e) = bus.publish_batch(&pred, &envelopes, config.maxlen).await {
                // Not acked: the entries stay pending and are claimed again.
                if limiter.allow("publish").is_some() {
                    tracing::warn!(market = %mkt, error = %e, "cannot publish predictions");
                }
                published.clear();
                scored.clear();
            } else {
                counter!(telemetry::PREDICTIONS_TOTAL, "market" => mkt.clone())
                    .increment(envelopes.len() as u64);
            }
        }
        acks.extend(published);
        // Acked in the background (gathered with the next ones): the predictions are out.
        consumer.ack_in_background(acks);
        if let Some(drift) = &drift {
            for p in scored {
                // A full monitor drops the prediction from scoring, never blocks inference.
                let _ = drift.tx.try_send(DriftInput::Prediction(p));
            }
        }
    }
    tracing::info!(market = %mkt, "inference worker stopped");
    Ok(())
}

/// Sends a vector the model refuses to the dead-letter stream with the reason.
async fn refuse<B: Bus>(
    consumer: &Consumer<FeatureVector, B>,
    mkt: &str,
    received: &Received<FeatureVector>,
    label: &'static str,
    reason: &str,
    limiter: &mut LogLimiter,
) -> Result<(), BusError> {
    counter!(telemetry::REFUSED_TOTAL, "market" => mkt.to_owned(), "reason" => label).increment(1);
    if let Some(suppressed) = limiter.allow(label) {
        tracing::warn!(market = %mkt, id = %received.id, reason, suppressed, "feature vector refused");
    }
    let fields = Envelope::new(
        &received.meta.mkt,
        received.meta.ts,
        received.meta.origin_ts,
        &received.msg,
    )
    .map(|e| e.to_fields())
    .unwrap_or_default();
    consumer
        .bus()
        .dead_letter(
            consumer.stream(),
            &received.id,
            &fields,
            &format!("{label}: {reason}"),
        )
        .await
        .map(|_| ())
}
