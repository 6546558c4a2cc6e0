//! A missing ONNX Runtime library is a typed error naming the setup command, not a panic.
//! (Its own test binary: it sets ORT_DYLIB_PATH for the whole process.)

use std::path::Path;

use flashmm_model::{FeatureSchema, Model, ModelError};

#[test]
fn missing_library_is_a_clear_error() {
    std::env::set_var("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so");
    let err = flashmm_model::runtime::locate_dylib().unwrap_err();
    assert!(matches!(err, ModelError::RuntimeNotFound { .. }));
    assert!(err.to_string().contains("scripts/setup"), "{err}");
    assert!(err.to_string().contains("/nonexistent"), "{err}");
    let err = flashmm_model::runtime::environment().unwrap_err();
    assert!(err.to_string().contains("scripts/setup"), "{err}");
    // Metadata is checked before the runtime is needed; a missing file is an I/O error.
    let err = Model::load(
        Path::new("/nonexistent/model.json"),
        &FeatureSchema::new(1, 34),
    )
    .unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err}");
}
