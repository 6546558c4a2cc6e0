//! Model inference for FlashMM: loads the ONNX model exported by `scripts/train_model.py`
//! with its `model.json`, refuses one trained on another feature schema, normalises feature
//! vectors and runs ONNX Runtime, producing the class probabilities and expected move of a
//! [`Prediction`](flashmm_core::signal::Prediction).
//!
//! - [`schema`] — [`FeatureSchema`], the hash and width a model must match.
//! - [`metadata`] — [`ModelMetadata`], `model.json`, validated field by field.
//! - [`normaliser`] — [`Normaliser`], the training set's z-scoring, clipped.
//! - [`runtime`] — the ONNX Runtime library (`ORT_DYLIB_PATH` or `.venv/ort-dylib-path`) and
//!   the process-wide environment.
//! - [`calibration`] — [`Calibration`], the fitted map to calibrated probabilities.
//! - [`model`] — [`Model`], a checked, warmed-up session.
//! - [`output`] — [`ModelOutput`], probabilities and expected move.
//! - [`hot`] — [`HotModel`], a model that reloads when its files change.
//! - [`split`] — [`SplitSpec`], the time split of dataset files shared with the training
//!   script.
//! - [`error`] — [`ModelError`].

#![warn(missing_docs)]

pub mod calibration;
pub mod error;
#[cfg(feature = "fixture")]
pub mod fixture;
pub mod hot;
pub mod metadata;
pub mod model;
pub mod normaliser;
pub mod output;
pub mod runtime;
pub mod schema;
pub mod split;

pub use calibration::Calibration;
pub use error::ModelError;
pub use hot::{HotModel, ReloadEvent};
pub use metadata::{ModelMetadata, NormalisationSpec, CLASSES, FORMAT_VERSION, METADATA_FILE};
pub use model::Model;
pub use normaliser::Normaliser;
pub use output::ModelOutput;
pub use schema::{format_schema_hash, parse_schema_hash, FeatureSchema};
pub use split::{Part, SplitSpec, TimeSplit};
