//! The model a market is served by, or why there is none, with retries and hot reload.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use flashmm_model::{FeatureSchema, HotModel, Model, ModelError, ReloadEvent};
use metrics::counter;

use crate::telemetry;

/// A change of the slot the caller reports (health state, logs already written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotChange {
    /// A model now serves (first load, load after a failure, or hot reload).
    Serving {
        /// Its id.
        model_id: String,
    },
    /// No model serves; the reason is new (logged once per distinct reason).
    Down {
        /// Why.
        error: String,
    },
    /// A hot reload failed; the previous model keeps serving.
    ReloadFailed {
        /// Why.
        error: String,
    },
}

/// Holds the market's [`HotModel`] or retries loading it every `retry`.
pub struct ModelSlot {
    market: String,
    path: PathBuf,
    schema: FeatureSchema,
    poll: Duration,
    model: Option<HotModel>,
    next_try: Instant,
    last_error: Option<String>,
}

impl std::fmt::Debug for ModelSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelSlot")
            .field("market", &self.market)
            .field("path", &self.path)
            .field("serving", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

impl ModelSlot {
    /// A slot for `market` loading `path` (a `model.json`), checked against `schema`; files
    /// are polled (and a missing model retried) every `poll`.
    pub fn new(market: &str, path: PathBuf, schema: FeatureSchema, poll: Duration) -> Self {
        ModelSlot {
            market: market.to_owned(),
            path,
            schema,
            poll,
            model: None,
            next_try: Instant::now(),
            last_error: None,
        }
    }

    /// The serving model, if any.
    pub fn model(&mut self) -> Option<&mut Model> {
        self.model.as_mut().map(HotModel::model)
    }

    /// Loads the model when none serves and a retry is due, or swaps in a reloaded one.
    /// Loading runs on the blocking pool; requests are not served meanwhile by this market's
    /// task (a load takes milliseconds), and none is dropped.
    pub async fn refresh(&mut self) -> Option<SlotChange> {
        if let Some(hot) = self.model.as_mut() {
            return match hot.poll_reload()? {
                ReloadEvent::Loaded { previous, current } => {
                    counter!(telemetry::RELOADS_TOTAL, "market" => self.market.clone(), "outcome" => "loaded").increment(1);
                    tracing::info!(market = %self.market, %previous, %current, "model reloaded");
                    Some(SlotChange::Serving { model_id: current })
                }
                ReloadEvent::Failed(error) => {
                    counter!(telemetry::RELOADS_TOTAL, "market" => self.market.clone(), "outcome" => "failed").increment(1);
                    tracing::warn!(market = %self.market, %error, "model reload failed; the previous model keeps serving");
                    Some(SlotChange::ReloadFailed {
                        error: error.to_string(),
                    })
                }
            };
        }
        if Instant::now() < self.next_try {
            return None;
        }
        self.next_try = Instant::now() + self.poll;
        let (path, schema, poll) = (self.path.clone(), self.schema, self.poll);
        let loaded = tokio::task::spawn_blocking(move || HotModel::load(&path, schema, poll))
            .await
            .unwrap_or_else(|join| Err(ModelError::Session(format!("load task: {join}"))));
        match loaded {
            Ok(hot) => {
                let model_id = hot.current().id().to_owned();
                tracing::info!(market = %self.market, %model_id, path = %self.path.display(), "model serving");
                self.model = Some(hot);
                self.last_error = None;
                Some(SlotChange::Serving { model_id })
            }
            Err(error) => {
                let text = error.to_string();
                if self.last_error.as_deref() == Some(text.as_str()) {
                    return None;
                }
                tracing::error!(market = %self.market, %error, "no model: publishing no predictions for this market");
                self.last_error = Some(text.clone());
                Some(SlotChange::Down { error: text })
            }
        }
    }
}
