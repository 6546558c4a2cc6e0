//! Test fixtures (feature `fixture`): small models trained by `scripts/train_model.py` on
//! synthetic data, so tests exercise the very export path of the committed model.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a fixture model could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The training venv is missing.
    #[error("{0} not found: run scripts/setup (it creates .venv with the training packages)")]
    NoPython(PathBuf),
    /// The training script could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The interpreter.
        program: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The training script failed.
    #[error("scripts/train_model.py {args} failed: {stderr}")]
    Failed {
        /// Its arguments.
        args: String,
        /// The end of its error output.
        stderr: String,
    },
}

/// The workspace root this crate was built in.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The interpreter of the training venv, `.venv/bin/python`.
pub fn python() -> Result<PathBuf, FixtureError> {
    let python = workspace_root().join(".venv/bin/python");
    if python.is_file() {
        Ok(python)
    } else {
        Err(FixtureError::NoPython(python))
    }
}

fn train(args: &[String]) -> Result<(), FixtureError> {
    let program = python()?;
    let script = workspace_root().join("scripts/train_model.py");
    let out = Command::new(&program)
        .arg(&script)
        .args(args)
        .output()
        .map_err(|source| FixtureError::Spawn {
            program: program.clone(),
            source,
        })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: String = stderr
        .chars()
        .rev()
        .take(2000)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Err(FixtureError::Failed {
        args: args.join(" "),
        stderr: tail,
    })
}

/// Trains a small MLP on `rows` synthetic rows of 34 features labelled with schema hash
/// `schema_hash` (`0x…`) into `dir`; returns the path of its `model.json`.
pub fn synthetic_model(
    dir: &Path,
    seed: u64,
    schema_hash: &str,
    rows: usize,
) -> Result<PathBuf, FixtureError> {
    let data = dir.join("synthetic.npz");
    let s = |p: &Path| p.display().to_string();
    train(&[
        "--synthetic".into(),
        s(&data),
        "--rows".into(),
        rows.to_string(),
        "--seed".into(),
        seed.to_string(),
        "--schema-hash".into(),
        schema_hash.to_owned(),
    ])?;
    train(&[
        "--data".into(),
        s(&data),
        "--out".into(),
        s(dir),
        "--seed".into(),
        seed.to_string(),
        "--only".into(),
        "mlp".into(),
    ])?;
    Ok(dir.join(crate::METADATA_FILE))
}
