//! Why a model could not be found, loaded, checked or run.

use std::path::PathBuf;

/// Everything that can go wrong between `models/model.json` and a probability.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No ONNX Runtime shared library could be located.
    #[error(
        "ONNX Runtime library not found ({detail}); run scripts/setup (it installs it into \
         .venv and records the path in .venv/ort-dylib-path) or set ORT_DYLIB_PATH"
    )]
    RuntimeNotFound {
        /// Where it looked.
        detail: String,
    },
    /// The ONNX Runtime shared library was found but could not be loaded or initialised.
    #[error("cannot load ONNX Runtime from {path}: {message}; run scripts/setup")]
    RuntimeLoad {
        /// The library tried.
        path: PathBuf,
        /// What ONNX Runtime or the loader said.
        message: String,
    },
    /// A model file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `model.json` is not valid JSON of the expected shape.
    #[error("{path}: {message}")]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A metadata field holds a value the crate refuses.
    #[error("model.json field `{field}`: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The model was trained on another feature schema than the one it is asked to serve.
    #[error(
        "feature schema mismatch: the model was trained on schema {model}, the feature engine \
         produces {expected}; retrain the model or fix the feature configuration"
    )]
    SchemaMismatch {
        /// The schema hash the caller serves, as `0x…`.
        expected: String,
        /// The schema hash in `model.json`.
        model: String,
    },
    /// The model takes another number of features than the schema has.
    #[error("feature count mismatch: the model takes {model} features, the schema has {expected}")]
    FeatureCount {
        /// The schema's feature count.
        expected: usize,
        /// The model's feature count.
        model: usize,
    },
    /// The ONNX file is not the one `model.json` describes (e.g. caught mid-write).
    #[error("{path}: sha256 {found} differs from model.json's onnx_sha256 {expected}")]
    Digest {
        /// The ONNX file.
        path: PathBuf,
        /// The digest in `model.json`.
        expected: String,
        /// The digest of the file.
        found: String,
    },
    /// ONNX Runtime refused to create the session or to run it.
    #[error("ONNX Runtime: {0}")]
    Session(String),
    /// The ONNX graph's inputs or outputs are not what `model.json` says.
    #[error("ONNX graph: {0}")]
    Graph(String),
    /// A feature vector carries another schema hash than the model's.
    #[error("feature vector schema {found} differs from the model's {expected}")]
    VectorSchema {
        /// The model's schema hash, as `0x…`.
        expected: String,
        /// The vector's schema hash, as `0x…`.
        found: String,
    },
    /// A feature vector has another length than the model's input.
    #[error("feature vector has {found} values, the model takes {expected}")]
    VectorLength {
        /// The model's feature count.
        expected: usize,
        /// The vector's length.
        found: usize,
    },
    /// A feature value is NaN or infinite.
    #[error("feature {index} is not finite")]
    NonFiniteInput {
        /// Position of the value in the vector.
        index: usize,
    },
    /// The model produced probabilities that are not finite or not in [0, 1].
    #[error("model output is not a probability vector: {0:?}")]
    BadOutput([f32; 3]),
}

impl ModelError {
    /// A short, stable label for metrics (`reason` label values).
    pub fn label(&self) -> &'static str {
        match self {
            ModelError::RuntimeNotFound { .. } => "runtime_not_found",
            ModelError::RuntimeLoad { .. } => "runtime_load",
            ModelError::Io { .. } => "io",
            ModelError::Metadata { .. } => "metadata",
            ModelError::InvalidField { .. } => "invalid_field",
            ModelError::SchemaMismatch { .. } => "schema_mismatch",
            ModelError::FeatureCount { .. } => "feature_count",
            ModelError::Digest { .. } => "digest",
            ModelError::Session(_) => "session",
            ModelError::Graph(_) => "graph",
            ModelError::VectorSchema { .. } => "vector_schema",
            ModelError::VectorLength { .. } => "vector_length",
            ModelError::NonFiniteInput { .. } => "non_finite_input",
            ModelError::BadOutput(_) => "bad_output",
        }
    }
}
