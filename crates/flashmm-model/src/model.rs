//! A loaded model: checked metadata, an ONNX Runtime session and the input normaliser.

use std::path::{Path, PathBuf};

use flashmm_core::signal::flat_rate::shift_flat;
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};
use sha2::{Digest, Sha256};

use crate::error::ModelError;
use crate::metadata::{ModelMetadata, METADATA_FILE};
use crate::normaliser::Normaliser;
use crate::output::ModelOutput;
use crate::runtime;
use crate::schema::{format_schema_hash, FeatureSchema};

/// Inferences run on load, so the first live request does not pay for lazy initialisation.
pub const WARM_UP_RUNS: usize = 16;

/// Tolerance on a probability outside [0, 1] before the output is refused.
const PROBABILITY_SLACK: f32 = 1e-4;

/// One model ready to infer: single-threaded, one vector at a time.
///
/// Loading reads `model.json`, refuses a model trained on another feature schema, checks the
/// ONNX file's SHA-256 against the metadata, creates the session from those very bytes,
/// checks the graph's input and output, and warms up. [`Model::predict`] normalises the
/// features into a buffer owned by the model and runs the session; it does not allocate on
/// the Rust side.
pub struct Model {
    session: Session,
    meta: ModelMetadata,
    normaliser: Normaliser,
    schema: FeatureSchema,
    metadata_path: PathBuf,
    onnx_path: PathBuf,
    input: Vec<f32>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.meta.model_id)
            .field("schema", &self.schema)
            .field("metadata_path", &self.metadata_path)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Loads the model of a directory holding `model.json` and the ONNX file it names.
    pub fn load_dir(dir: &Path, expected: &FeatureSchema) -> Result<Self, ModelError> {
        Self::load(&dir.join(METADATA_FILE), expected)
    }

    /// Loads the model described by the metadata file at `metadata_path`, refusing it unless
    /// it was trained on `expected`.
    pub fn load(metadata_path: &Path, expected: &FeatureSchema) -> Result<Self, ModelError> {
        let meta = ModelMetadata::read(metadata_path)?;
        meta.check_schema(expected)?;
        let normaliser = meta.normaliser()?;
        let onnx_path = meta.onnx_path(metadata_path);
        let bytes = std::fs::read(&onnx_path).map_err(|source| ModelError::Io {
            path: onnx_path.clone(),
            source,
        })?;
        let digest = hex_digest(&bytes);
        if !digest.eq_ignore_ascii_case(&meta.onnx_sha256) {
            return Err(ModelError::Digest {
                path: onnx_path,
                expected: meta.onnx_sha256.clone(),
                found: digest,
            });
        }
        let session = build_session(&bytes)?;
        check_graph(&session, &meta)?;
        let mut model = Model {
            session,
            schema: FeatureSchema::new(meta.schema_hash_value()?, meta.num_features()),
            input: vec![0.0; meta.num_features()],
            normaliser,
            meta,
            metadata_path: metadata_path.to_path_buf(),
            onnx_path,
        };
        model.warm_up()?;
        Ok(model)
    }

    fn warm_up(&mut self) -> Result<(), ModelError> {
        let mean = self.meta.normalisation.mean.clone();
        for _ in 0..WARM_UP_RUNS {
            self.predict(&mean)?;
        }
        Ok(())
    }

    /// Infers from raw (not normalised) feature values in schema order.
    pub fn predict(&mut self, values: &[f32]) -> Result<ModelOutput, ModelError> {
        self.normaliser.apply(values, &mut self.input)?;
        let n = self.input.len();
        let tensor = TensorRef::from_array_view(([1usize, n], self.input.as_slice()))
            .map_err(|e| ModelError::Session(e.to_string()))?;
        let outputs = self
            .session
            .run(ort::inputs![tensor])
            .map_err(|e| ModelError::Session(e.to_string()))?;
        let value = outputs
            .get(&self.meta.output_name)
            .ok_or_else(|| ModelError::Graph(format!("no output {}", self.meta.output_name)))?;
        let (_, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| ModelError::Graph(e.to_string()))?;
        let p: [f32; 3] = match data {
            [a, b, c] => [*a, *b, *c],
            _ => {
                return Err(ModelError::Graph(format!(
                    "output has {} values, expected 3",
                    data.len()
                )))
            }
        };
        if p.iter()
            .any(|v| !v.is_finite() || *v < -PROBABILITY_SLACK || *v > 1.0 + PROBABILITY_SLACK)
        {
            return Err(ModelError::BadOutput(p));
        }
        let mut p = p.map(|v| v.clamp(0.0, 1.0));
        if let Some(c) = &self.meta.calibration {
            p = c.apply(p);
        }
        Ok(ModelOutput::from_probabilities(
            p,
            &self.meta.class_mean_move_bps,
        ))
    }

    /// Infers from a feature vector, refusing one of another schema.
    pub fn predict_vector(&mut self, vector: &FeatureVector) -> Result<ModelOutput, ModelError> {
        self.check_vector(vector)?;
        self.predict(&vector.values)
    }

    /// Refuses a vector of another schema hash or length than the model's.
    pub fn check_vector(&self, vector: &FeatureVector) -> Result<(), ModelError> {
        if vector.schema_hash != self.schema.hash {
            return Err(ModelError::VectorSchema {
                expected: self.schema.hash_hex(),
                found: format_schema_hash(vector.schema_hash),
            });
        }
        if vector.values.len() != self.schema.num_features {
            return Err(ModelError::VectorLength {
                expected: self.schema.num_features,
                found: vector.values.len(),
            });
        }
        Ok(())
    }

    /// The prediction message for a vector, stamped `ts` and carrying the vector's origin_ts.
    pub fn prediction(
        &mut self,
        vector: &FeatureVector,
        ts: UnixNanos,
    ) -> Result<Prediction, ModelError> {
        self.prediction_shifted(vector, ts, 0.0)
    }

    /// [`Model::prediction`] with the flat class's log-odds moved by `flat_shift` after the
    /// calibration (the market's [`FlatRate`](flashmm_core::signal::FlatRate)), the expected
    /// move taken from the shifted probabilities.
    pub fn prediction_shifted(
        &mut self,
        vector: &FeatureVector,
        ts: UnixNanos,
        flat_shift: f64,
    ) -> Result<Prediction, ModelError> {
        let mut output = self.predict_vector(vector)?;
        if flat_shift != 0.0 {
            let p = shift_flat([output.p_down, output.p_flat, output.p_up], flat_shift);
            output = ModelOutput::from_probabilities(p, &self.meta.class_mean_move_bps);
        }
        Ok(output.to_prediction(
            vector.market.clone(),
            &self.meta.model_id,
            self.meta.horizon_ms,
            ts,
            vector.origin_ts,
        ))
    }

    /// The model's identity (`model_version` of its predictions).
    pub fn id(&self) -> &str {
        &self.meta.model_id
    }

    /// The label horizon in milliseconds.
    pub fn horizon_ms(&self) -> u32 {
        self.meta.horizon_ms
    }

    /// The flat band half-width in basis points.
    pub fn dead_band_bps(&self) -> f32 {
        self.meta.dead_band_bps
    }

    /// The schema the model was trained on.
    pub fn schema(&self) -> FeatureSchema {
        self.schema
    }

    /// The metadata it was loaded with.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.meta
    }

    /// The metadata file it was loaded from.
    pub fn metadata_path(&self) -> &Path {
        &self.metadata_path
    }

    /// The ONNX file it was loaded from.
    pub fn onnx_path(&self) -> &Path {
        &self.onnx_path
    }
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn build_session(bytes: &[u8]) -> Result<Session, ModelError> {
    let env = runtime::environment()?;
    let session_error = |e: String| ModelError::Session(e);
    Session::builder(env)
        .map_err(|e| session_error(e.to_string()))?
        .with_intra_threads(1)
        .map_err(|e| session_error(e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| session_error(e.to_string()))?
        .with_intra_op_spinning(false)
        .map_err(|e| session_error(e.to_string()))?
        .commit_from_memory(bytes)
        .map_err(|e| session_error(e.to_string()))
}

fn check_graph(session: &Session, meta: &ModelMetadata) -> Result<(), ModelError> {
    let [input] = session.inputs() else {
        return Err(ModelError::Graph(format!(
            "{} inputs, expected 1",
            session.inputs().len()
        )));
    };
    if input.name() != meta.input_name {
        return Err(ModelError::Graph(format!(
            "input is named {:?}, model.json says {:?}",
            input.name(),
            meta.input_name
        )));
    }
    if input.dtype().tensor_type() != Some(TensorElementType::Float32) {
        return Err(ModelError::Graph(format!(
            "input {:?} is not an f32 tensor",
            input.name()
        )));
    }
    if let Some(shape) = input.dtype().tensor_shape() {
        let width = shape.last().copied().unwrap_or(-1);
        if shape.len() != 2 || (width >= 0 && width as usize != meta.num_features()) {
            return Err(ModelError::FeatureCount {
                expected: meta.num_features(),
                model: usize::try_from(width).unwrap_or(0),
            });
        }
    }
    let output = session
        .outputs()
        .iter()
        .find(|o| o.name() == meta.output_name)
        .ok_or_else(|| ModelError::Graph(format!("no output named {:?}", meta.output_name)))?;
    if output.dtype().tensor_type() != Some(TensorElementType::Float32) {
        return Err(ModelError::Graph(format!(
            "output {:?} is not an f32 tensor",
            meta.output_name
        )));
    }
    Ok(())
}
