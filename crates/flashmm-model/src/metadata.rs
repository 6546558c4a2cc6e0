//! `model.json`: what the training script knew about the model it exported.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::normaliser::Normaliser;
use crate::schema::{format_schema_hash, parse_schema_hash, FeatureSchema};
use crate::split::SplitSpec;

/// The `model.json` format version this crate reads.
pub const FORMAT_VERSION: u32 = 1;

/// The class order of the model's probability output.
pub const CLASSES: [&str; 3] = ["down", "flat", "up"];

/// The file name of the metadata inside a model directory.
pub const METADATA_FILE: &str = "model.json";

/// Normalisation parameters of the training set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalisationSpec {
    /// Per-feature mean.
    pub mean: Vec<f32>,
    /// Per-feature standard deviation (> 0).
    pub std: Vec<f32>,
    /// Normalised values are clipped to `[-clip, clip]`.
    pub clip: f32,
}

/// The contents of `model.json`, as written by `scripts/train_model.py`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Format version; must be [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Model identity, e.g. `flashmm-mlp-1a2b3c4d5e6f` (name and digest prefix); goes into
    /// every prediction as `model_version`.
    pub model_id: String,
    /// Which candidate won (e.g. `mlp`, `logistic`).
    #[serde(default)]
    pub kind: String,
    /// The ONNX file, relative to the directory of `model.json`.
    pub onnx_file: String,
    /// SHA-256 of the ONNX file, lowercase hex.
    pub onnx_sha256: String,
    /// Name of the graph input (`[batch, features]` f32, normalised).
    pub input_name: String,
    /// Name of the graph output (`[batch, 3]` f32 probabilities in [`CLASSES`] order).
    pub output_name: String,
    /// Feature schema hash the model was trained on, `0x…`.
    pub schema_hash: String,
    /// Feature names in input order.
    pub feature_names: Vec<String>,
    /// Label horizon in milliseconds.
    pub horizon_ms: u32,
    /// Half-width of the flat band, in basis points.
    pub dead_band_bps: f32,
    /// Class names; must equal [`CLASSES`].
    pub classes: Vec<String>,
    /// Mean realised move (bps) of each class in the training set, for the expected move.
    pub class_mean_move_bps: [f32; 3],
    /// The calibration of the output probabilities (none: the network's own).
    #[serde(default)]
    pub calibration: Option<crate::Calibration>,
    /// Normalisation of the inputs.
    pub normalisation: NormalisationSpec,
    /// Test and validation metrics (free form, reported as is).
    #[serde(default)]
    pub metrics: serde_json::Value,
    /// The data the model saw (free form: files, digests, rows, time ranges).
    #[serde(default)]
    pub data: serde_json::Value,
    /// The training seed.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The time split of the training files (the default when absent).
    #[serde(default)]
    pub split: SplitSpec,
}

impl ModelMetadata {
    /// Reads and validates `model.json`.
    pub fn read(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates metadata text; `path` only names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ModelError> {
        let meta: ModelMetadata = serde_json::from_str(text).map_err(|e| ModelError::Metadata {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        meta.validate()?;
        Ok(meta)
    }

    /// Checks the fields against each other; does not look at files.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid =
            |field: &'static str, reason: String| ModelError::InvalidField { field, reason };
        if self.format_version != FORMAT_VERSION {
            return Err(invalid(
                "format_version",
                format!(
                    "{} (this build reads {FORMAT_VERSION})",
                    self.format_version
                ),
            ));
        }
        if self.model_id.trim().is_empty() {
            return Err(invalid("model_id", "empty".to_owned()));
        }
        let onnx = Path::new(&self.onnx_file);
        if self.onnx_file.is_empty()
            || onnx.is_absolute()
            || onnx.components().count() != 1
            || self.onnx_file == ".."
        {
            return Err(invalid(
                "onnx_file",
                format!("{:?} is not a plain file name", self.onnx_file),
            ));
        }
        if self.onnx_sha256.len() != 64 || !self.onnx_sha256.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(invalid("onnx_sha256", "not 64 hex digits".to_owned()));
        }
        parse_schema_hash(&self.schema_hash)?;
        if self.feature_names.is_empty() {
            return Err(invalid("feature_names", "empty".to_owned()));
        }
        if self.horizon_ms == 0 {
            return Err(invalid("horizon_ms", "0".to_owned()));
        }
        if !self.dead_band_bps.is_finite() || self.dead_band_bps < 0.0 {
            return Err(invalid("dead_band_bps", format!("{}", self.dead_band_bps)));
        }
        if self.classes.iter().map(String::as_str).ne(CLASSES) {
            return Err(invalid(
                "classes",
                format!("{:?}, expected {CLASSES:?}", self.classes),
            ));
        }
        if !self.split.is_valid() {
            return Err(invalid(
                "split",
                format!(
                    "val_frac {} and test_frac {} must be in (0, 1) with a sum below 1",
                    self.split.val_frac, self.split.test_frac
                ),
            ));
        }
        if let Some(c) = &self.calibration {
            c.check().map_err(|e| invalid("calibration", e))?;
        }
        if self.class_mean_move_bps.iter().any(|m| !m.is_finite()) {
            return Err(invalid("class_mean_move_bps", "not finite".to_owned()));
        }
        if self.normalisation.mean.len() != self.feature_names.len() {
            return Err(invalid(
                "normalisation",
                format!(
                    "{} means for {} features",
                    self.normalisation.mean.len(),
                    self.feature_names.len()
                ),
            ));
        }
        self.normaliser().map(|_| ())
    }

    /// The schema hash as a number.
    pub fn schema_hash_value(&self) -> Result<u64, ModelError> {
        parse_schema_hash(&self.schema_hash)
    }

    /// The model's feature count.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Refuses a model trained on another schema or feature count than `schema`.
    pub fn check_schema(&self, schema: &FeatureSchema) -> Result<(), ModelError> {
        let hash = self.schema_hash_value()?;
        if hash != schema.hash {
            return Err(ModelError::SchemaMismatch {
                expected: schema.hash_hex(),
                model: format_schema_hash(hash),
            });
        }
        if self.num_features() != schema.num_features {
            return Err(ModelError::FeatureCount {
                expected: schema.num_features,
                model: self.num_features(),
            });
        }
        Ok(())
    }

    /// The input normaliser.
    pub fn normaliser(&self) -> Result<Normaliser, ModelError> {
        Normaliser::new(
            self.normalisation.mean.clone(),
            self.normalisation.std.clone(),
            self.normalisation.clip,
        )
    }

    /// The ONNX file's path, next to `model.json` at `metadata_path`.
    pub fn onnx_path(&self, metadata_path: &Path) -> PathBuf {
        metadata_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(&self.onnx_file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> ModelMetadata {
        ModelMetadata {
            format_version: 1,
            model_id: "m-1".to_owned(),
            kind: "mlp".to_owned(),
            onnx_file: "m.onnx".to_owned(),
            onnx_sha256: "ab".repeat(32),
            input_name: "input".to_owned(),
            output_name: "probabilities".to_owned(),
            schema_hash: "0x00000000000000ff".to_owned(),
            feature_names: vec!["a".to_owned(), "b".to_owned()],
            horizon_ms: 500,
            dead_band_bps: 0.5,
            classes: CLASSES.iter().map(|c| (*c).to_owned()).collect(),
            class_mean_move_bps: [-2.0, 0.0, 2.0],
            calibration: None,
            normalisation: NormalisationSpec {
                mean: vec![0.0, 1.0],
                std: vec![1.0, 2.0],
                clip: 10.0,
            },
            metrics: serde_json::Value::Null,
            data: serde_json::Value::Null,
            seed: Some(7),
            split: SplitSpec::default(),
        }
    }

    #[test]
    fn valid_metadata_round_trips() {
        let m = sample();
        m.validate().unwrap();
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(ModelMetadata::parse(&text, Path::new("x")).unwrap(), m);
        assert_eq!(
            m.onnx_path(Path::new("models/model.json")),
            Path::new("models/m.onnx")
        );
    }

    #[test]
    fn schema_checks_name_both_hashes() {
        let m = sample();
        m.check_schema(&FeatureSchema::new(0xff, 2)).unwrap();
        let err = m.check_schema(&FeatureSchema::new(0xfe, 2)).unwrap_err();
        assert!(matches!(err, ModelError::SchemaMismatch { .. }));
        let text = err.to_string();
        assert!(text.contains("0x00000000000000ff") && text.contains("0x00000000000000fe"));
        assert!(matches!(
            m.check_schema(&FeatureSchema::new(0xff, 3)),
            Err(ModelError::FeatureCount {
                expected: 3,
                model: 2
            })
        ));
    }

    #[test]
    fn invalid_fields_are_named() {
        type Mutation = Box<dyn Fn(&mut ModelMetadata)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("format_version", Box::new(|m| m.format_version = 2)),
            (
                "onnx_file",
                Box::new(|m| m.onnx_file = "../x.onnx".to_owned()),
            ),
            (
                "onnx_file",
                Box::new(|m| m.onnx_file = "/x.onnx".to_owned()),
            ),
            ("onnx_sha256", Box::new(|m| m.onnx_sha256 = "zz".to_owned())),
            ("schema_hash", Box::new(|m| m.schema_hash = "ff".to_owned())),
            ("horizon_ms", Box::new(|m| m.horizon_ms = 0)),
            ("classes", Box::new(|m| m.classes.reverse())),
            ("normalisation", Box::new(|m| m.normalisation.std[1] = 0.0)),
            (
                "normalisation",
                Box::new(|m| m.normalisation.mean.truncate(1)),
            ),
            (
                "class_mean_move_bps",
                Box::new(|m| m.class_mean_move_bps[0] = f32::NAN),
            ),
            ("split", Box::new(|m| m.split.test_frac = 0.9)),
        ];
        for (field, mutate) in cases {
            let mut m = sample();
            mutate(&mut m);
            match m.validate() {
                Err(ModelError::InvalidField { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let err = ModelMetadata::parse("{\"format_version\": 1}", Path::new("m.json")).unwrap_err();
        assert!(matches!(err, ModelError::Metadata { .. }), "{err}");
    }

    #[test]
    fn a_calibration_that_cannot_be_applied_is_refused() {
        let mut m = sample();
        m.calibration = Some(crate::Calibration {
            method: crate::calibration::METHOD.to_owned(),
            temperature: -1.0,
            flat_bias: 0.0,
        });
        assert!(m.validate().is_err());
        m.calibration = Some(crate::Calibration {
            method: crate::calibration::METHOD.to_owned(),
            temperature: 2.0,
            flat_bias: 1.5,
        });
        assert!(m.validate().is_ok());
    }
}
