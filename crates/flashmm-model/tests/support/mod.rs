//! Shared by the integration tests: the runtime check and fixture models trained once per
//! test binary by `scripts/train_model.py` on synthetic data.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flashmm_features::{schema_hash, FeatureConfig, NUM_FEATURES};
use flashmm_model::{fixture, format_schema_hash, FeatureSchema};

/// The schema of the default feature configuration (what the live engine produces).
pub fn live_schema() -> FeatureSchema {
    FeatureSchema::new(schema_hash(&FeatureConfig::default()), NUM_FEATURES)
}

pub use flashmm_core::testing::prerequisite_missing;

/// True when ONNX Runtime can be loaded; otherwise reports it missing
/// ([`prerequisite_missing`]: a failure under CI).
pub fn runtime_available() -> bool {
    match flashmm_model::runtime::environment() {
        Ok(_) => true,
        Err(e) => {
            prerequisite_missing(&format!("ONNX Runtime: {e}"));
            false
        }
    }
}

fn base_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("flashmm-model-{}", std::process::id()))
}

fn make(seed: u64) -> Result<PathBuf, String> {
    let dir = base_dir().join(format!("seed-{seed}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let hash = format_schema_hash(live_schema().hash);
    fixture::synthetic_model(&dir, seed, &hash, 4000).map_err(|e| e.to_string())
}

/// `model.json` of fixture model A (seed 7).
pub fn model_a() -> PathBuf {
    static A: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match A.get_or_init(|| make(7)) {
        Ok(p) => p.clone(),
        Err(e) => panic!("fixture model: {e}"),
    }
}

/// `model.json` of fixture model B (seed 8), another model of the same schema.
pub fn model_b() -> PathBuf {
    static B: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match B.get_or_init(|| make(8)) {
        Ok(p) => p.clone(),
        Err(e) => panic!("fixture model: {e}"),
    }
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = base_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies a model's two files into `dir` (ONNX first, then model.json, as training does).
pub fn copy_model(metadata: &Path, dir: &Path) -> PathBuf {
    let meta = flashmm_model::ModelMetadata::read(metadata).unwrap();
    let onnx = meta.onnx_path(metadata);
    std::fs::copy(&onnx, dir.join(&meta.onnx_file)).unwrap();
    let target = dir.join("model.json");
    let tmp = dir.join("model.json.tmp");
    std::fs::copy(metadata, &tmp).unwrap();
    std::fs::rename(&tmp, &target).unwrap();
    target
}
