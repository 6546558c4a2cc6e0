//! The ONNX Runtime shared library and the process-wide environment every session runs in.
//!
//! The library is not linked: it is loaded at run time from the path in `ORT_DYLIB_PATH`, or,
//! when that is unset, from the path `scripts/setup` records in `.venv/ort-dylib-path`
//! (looked up in the current directory, its ancestors and the workspace this crate was built
//! in). Nothing is ever downloaded. A missing library is a [`ModelError::RuntimeNotFound`]
//! naming `scripts/setup`, never a panic.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

use crate::error::ModelError;

/// The environment variable naming the ONNX Runtime shared library.
pub const DYLIB_ENV: &str = "ORT_DYLIB_PATH";

/// Where `scripts/setup` records the library path, relative to the workspace root.
pub const DYLIB_RECORD: &str = ".venv/ort-dylib-path";

/// Finds the ONNX Runtime shared library: `ORT_DYLIB_PATH`, else the recorded path.
pub fn locate_dylib() -> Result<PathBuf, ModelError> {
    if let Some(value) = std::env::var_os(DYLIB_ENV).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        if path.is_file() {
            return Ok(path);
        }
        return Err(ModelError::RuntimeNotFound {
            detail: format!("{DYLIB_ENV}={} is not a file", path.display()),
        });
    }
    let mut tried = Vec::new();
    for root in search_roots() {
        let record = root.join(DYLIB_RECORD);
        let Ok(text) = std::fs::read_to_string(&record) else {
            tried.push(record.display().to_string());
            continue;
        };
        let path = PathBuf::from(text.trim());
        if path.is_file() {
            return Ok(path);
        }
        tried.push(format!(
            "{} -> {} (missing)",
            record.display(),
            path.display()
        ));
    }
    Err(ModelError::RuntimeNotFound {
        detail: format!("{DYLIB_ENV} unset; tried {}", tried.join(", ")),
    })
}

/// The current directory and its ancestors, then the workspace this crate was built in.
fn search_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = std::env::current_dir()
        .map(|cwd| cwd.ancestors().map(Path::to_path_buf).collect())
        .unwrap_or_default();
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Ok(root) = built_in.canonicalize() {
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

/// The process-wide ONNX Runtime environment, created on first use from [`locate_dylib`].
///
/// ONNX Runtime allows one environment per process and a library once loaded stays loaded,
/// so the outcome of the first call (success or the error) is kept for the process lifetime.
pub fn environment() -> Result<&'static Environment, ModelError> {
    static ENV: OnceLock<Result<Environment, (PathBuf, String)>> = OnceLock::new();
    let outcome = ENV.get_or_init(|| {
        let path = locate_dylib().map_err(|e| (PathBuf::new(), e.to_string()))?;
        let builder = ort::init_from(&path).map_err(|e| (path.clone(), e.to_string()))?;
        builder
            .with_name("flashmm")
            .with_telemetry(false)
            .build()
            .map_err(|e| (path.clone(), e.to_string()))
    });
    match outcome {
        Ok(env) => Ok(env),
        Err((path, message)) if path.as_os_str().is_empty() => Err(ModelError::RuntimeNotFound {
            detail: message.clone(),
        }),
        Err((path, message)) => Err(ModelError::RuntimeLoad {
            path: path.clone(),
            message: message.clone(),
        }),
    }
}
