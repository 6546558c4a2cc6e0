//! One market's feature pipeline: `md:{mkt}` in, `feat:{mkt}` out.

use flashmm_bus::{Bus, Consumer, ConsumerConfig, Envelope, Namespace, Received};
use flashmm_core::book::BookUpdate;
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_features::{FeatureConfig, FeatureStep, MarketFeatures};
use metrics::{counter, histogram};

/// A market's features (`flashmm_features::MarketFeatures`) and the service's metrics of
/// what they did with each entry.
pub struct MarketPipeline {
    label: String,
    features: MarketFeatures,
}

impl MarketPipeline {
    /// A pipeline publishing at most `max_rate_hz` vectors per second.
    pub fn new(market: MarketId, max_rate_hz: f64) -> anyhow::Result<Self> {
        Ok(MarketPipeline {
            label: market.to_string(),
            features: MarketFeatures::new(market, FeatureConfig::default(), Some(max_rate_hz))?,
        })
    }

    /// Applies one market event received at `origin_ts`; returns a feature vector to publish
    /// when it was a book event, the book is in sync and the throttle allows one.
    pub fn on_event(
        &mut self,
        event: &MarketEvent,
        origin_ts: UnixNanos,
    ) -> Option<flashmm_core::signal::FeatureVector> {
        let label = self.label.clone();
        match self.features.on_event(event, origin_ts) {
            Ok(FeatureStep::Publish) => Some(self.features.vector(origin_ts)),
            Ok(FeatureStep::Held | FeatureStep::Trade) => None,
            Ok(FeatureStep::RefusedTrade(e)) => {
                counter!("flashmm_feature_rejected_total", "market" => label, "reason" => "trade")
                    .increment(1);
                tracing::debug!(market = %self.label, error = %e, "trade refused");
                None
            }
            Ok(FeatureStep::Book(BookUpdate::AwaitingSnapshot)) => {
                counter!("flashmm_feature_skipped_total", "market" => label, "reason" => "awaiting_snapshot").increment(1);
                None
            }
            Ok(FeatureStep::Book(BookUpdate::Stale(_))) => {
                counter!("flashmm_feature_skipped_total", "market" => label, "reason" => "stale")
                    .increment(1);
                None
            }
            Ok(FeatureStep::Book(update)) => {
                counter!("flashmm_feature_rejected_total", "market" => label, "reason" => "book")
                    .increment(1);
                tracing::warn!(market = %self.label, ?update, "book update refused; waiting for a snapshot");
                None
            }
            Err(e) => {
                tracing::warn!(market = %self.label, error = %e, "feature update refused");
                None
            }
        }
    }
}

/// Runs one market until the bus fails for good or `stop` fires.
pub async fn run<B: Bus + Clone + 'static>(
    bus: B,
    namespace: Namespace,
    market: MarketId,
    instance: String,
    max_rate_hz: f64,
    maxlen: usize,
) -> anyhow::Result<()> {
    let mkt = market.stream_key();
    let out = namespace.feat(&mkt)?;
    let mut state = MarketPipeline::new(market.clone(), max_rate_hz)?;
    let mut consumer = loop {
        match Consumer::<MarketEvent, B>::start(
            bus.clone(),
            namespace.md(&mkt)?,
            ConsumerConfig {
                // A dead predecessor's entries are taken over within about 3 s.
                min_idle: std::time::Duration::from_secs(2),
                claim_every: std::time::Duration::from_secs(1),
                ..ConsumerConfig::new("feature", instance.clone())
            },
        )
        .await
        {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(%market, error = %e, "cannot join md group; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    };
    loop {
        let batch: Vec<Received<MarketEvent>> = match consumer.next_batch().await {
            Ok(batch) => batch,
            Err(e) => {
                counter!("flashmm_feature_bus_errors_total").increment(1);
                tracing::warn!(%market, error = %e, "reading md failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                continue;
            }
        };
        if batch.is_empty() {
            continue;
        }
        let mut outputs = Vec::new();
        for received in &batch {
            if let Some(vector) = state.on_event(&received.msg, received.meta.origin_ts) {
                outputs.push(Envelope::new(
                    &mkt,
                    flashmm_runtime::now(),
                    received.meta.origin_ts,
                    &vector,
                )?);
            }
        }
        if !outputs.is_empty() {
            if let Err(e) = bus.publish_batch(&out, &outputs, Some(maxlen)).await {
                // Not acked: the entries stay pending and are claimed again after a restart.
                counter!("flashmm_feature_bus_errors_total").increment(1);
                tracing::warn!(%market, error = %e, "publishing features failed");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                continue;
            }
            let now = flashmm_runtime::now();
            for e in &outputs {
                histogram!("flashmm_feature_latency_seconds", "market" => market.to_string())
                    .record(now.since(e.origin_ts) as f64 / 1e9);
            }
            counter!("flashmm_feature_published_total", "market" => market.to_string())
                .increment(outputs.len() as u64);
        }
        // Acked in the background (gathered with the next ones): the features are out.
        consumer.ack_in_background(batch.into_iter().map(|r| r.id).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
    use flashmm_core::market::{Price, Qty};

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    fn sei() -> MarketId {
        MarketId::new("SEI/USDC").unwrap()
    }

    #[test]
    fn vectors_follow_book_events_once_in_sync_and_are_throttled() {
        let mut f = MarketPipeline::new(sei(), 10.0).unwrap();
        let delta = |seq: u64| {
            MarketEvent::Delta(BookDelta {
                market: sei(),
                seq,
                prev_seq: Some(seq - 1),
                bids: vec![lv(100, seq as i64)],
                asks: vec![],
                ts: UnixNanos(0),
            })
        };
        assert!(
            f.on_event(&delta(2), UnixNanos(1_000)).is_none(),
            "no snapshot yet"
        );
        let snap = MarketEvent::Snapshot(BookSnapshot {
            market: sei(),
            seq: 2,
            bids: vec![lv(100, 5)],
            asks: vec![lv(102, 5)],
            ts: UnixNanos(0),
        });
        let v = f
            .on_event(&snap, UnixNanos(1_000_000_000))
            .expect("first vector");
        assert_eq!(v.origin_ts, UnixNanos(1_000_000_000));
        assert_eq!(v.values.len(), flashmm_features::NUM_FEATURES);
        // 10 Hz: a delta 50 ms later applies but publishes nothing; 150 ms later it does.
        assert!(f.on_event(&delta(3), UnixNanos(1_050_000_000)).is_none());
        assert!(f.on_event(&delta(4), UnixNanos(1_150_000_000)).is_some());
        // A gap breaks sync until the next snapshot.
        assert!(f.on_event(&delta(9), UnixNanos(2_000_000_000)).is_none());
        assert!(f.on_event(&delta(10), UnixNanos(3_000_000_000)).is_none());
        assert!(!f.features.is_synced());
    }
}
