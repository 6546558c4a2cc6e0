//! Hot reload: a watcher thread polls the model files and loads a changed model off the
//! request path; the owner swaps it in between two requests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::error::ModelError;
use crate::metadata::ModelMetadata;
use crate::model::Model;
use crate::schema::FeatureSchema;

/// What a reload attempt came to.
#[derive(Debug)]
pub enum ReloadEvent {
    /// A new model was loaded, checked, warmed up and is now serving.
    Loaded {
        /// The id of the model served before.
        previous: String,
        /// The id of the model served now.
        current: String,
    },
    /// The changed files did not load; the previous model keeps serving.
    Failed(ModelError),
}

/// A [`Model`] that follows its files.
///
/// A background thread polls the modification time and length of `model.json` and of the
/// ONNX file every `poll`; once a change has stayed unchanged for one more poll (so a file
/// being written is not read half-way), it loads the new model completely (metadata and
/// schema checks, digest, session, warm-up) and hands it over. [`HotModel::poll_reload`]
/// swaps it in: requests are served by the old model up to that call and by the new one
/// after it, none is dropped or delayed by the load. A change that does not load is reported
/// once and the old model keeps serving; the next change is tried again.
pub struct HotModel {
    current: Model,
    updates: Receiver<Result<Model, ModelError>>,
    stop: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HotModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotModel")
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl HotModel {
    /// Loads the model at `metadata_path` (see [`Model::load`]) and starts watching it.
    pub fn load(
        metadata_path: &Path,
        expected: FeatureSchema,
        poll: Duration,
    ) -> Result<Self, ModelError> {
        // Stamps taken before loading, so a change made while loading is seen.
        let onnx_path = ModelMetadata::read(metadata_path)?.onnx_path(metadata_path);
        let stamps = (stamp(metadata_path), stamp(&onnx_path));
        let current = Model::load(metadata_path, &expected)?;
        let (tx, updates) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let watch = Watch {
            metadata_path: metadata_path.to_path_buf(),
            onnx_path,
            expected,
            poll,
            stop: Arc::clone(&stop),
            tx,
        };
        let watcher = std::thread::Builder::new()
            .name("model-watch".to_owned())
            .spawn(move || watch.run(stamps))
            .map_err(|source| ModelError::Io {
                path: metadata_path.to_path_buf(),
                source,
            })?;
        Ok(HotModel {
            current,
            updates,
            stop,
            watcher: Some(watcher),
        })
    }

    /// The model serving now, read-only.
    pub fn current(&self) -> &Model {
        &self.current
    }

    /// The model serving now.
    pub fn model(&mut self) -> &mut Model {
        &mut self.current
    }

    /// Swaps in a model the watcher has loaded since the last call, if any; never blocks.
    pub fn poll_reload(&mut self) -> Option<ReloadEvent> {
        let mut event = None;
        loop {
            match self.updates.try_recv() {
                Ok(Ok(model)) => {
                    let previous = std::mem::replace(&mut self.current, model);
                    event = Some(ReloadEvent::Loaded {
                        previous: previous.id().to_owned(),
                        current: self.current.id().to_owned(),
                    });
                }
                Ok(Err(error)) => event = Some(ReloadEvent::Failed(error)),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return event,
            }
        }
    }
}

impl Drop for HotModel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(watcher) = self.watcher.take() {
            watcher.thread().unpark();
            let _ = watcher.join();
        }
    }
}

/// Modification time and length of a file, or `None` when it cannot be read.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

struct Watch {
    metadata_path: PathBuf,
    onnx_path: PathBuf,
    expected: FeatureSchema,
    poll: Duration,
    stop: Arc<AtomicBool>,
    tx: Sender<Result<Model, ModelError>>,
}

impl Watch {
    fn stamps(&self) -> (Stamp, Stamp) {
        (stamp(&self.metadata_path), stamp(&self.onnx_path))
    }

    fn run(mut self, loaded: (Stamp, Stamp)) {
        let mut tried = loaded;
        let mut seen = tried;
        while !self.stop.load(Ordering::Relaxed) {
            std::thread::park_timeout(self.poll);
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let now = self.stamps();

            let settled = now == seen;
            seen = now;
            if now == tried || !settled {
                continue;
            }
            tried = now;
            let outcome = Model::load(&self.metadata_path, &self.expected);
            if let Ok(model) = &outcome {
                self.onnx_path = model.onnx_path().to_path_buf();
                tried = self.stamps();
                seen = tried;
            }
            if self.tx.send(outcome).is_err() {
                return;
            }
        }
    }
}
