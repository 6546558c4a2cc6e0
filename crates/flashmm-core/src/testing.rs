//! What other crates' tests share (feature `fixture`): where the recorded market data lies,
//! and what a test does when a prerequisite is missing: under CI (`CI=true`) it fails,
//! elsewhere it says why it is skipped and the caller goes on without it.

use std::path::{Path, PathBuf};

/// `../shared/data` beside the repository: the recorded market data, never committed.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Reports a prerequisite the test cannot run without (`what` says which and why): a failure
/// under CI, a printed `SKIP` elsewhere.
///
/// # Panics
/// Under CI.
pub fn prerequisite_missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing test prerequisite under CI: {what}");
    }
    eprintln!("SKIP: {what}");
}

/// The files `names` under `dir` of [`shared_data`] (e.g. `binance/spot`), when all are
/// there; otherwise reports them missing ([`prerequisite_missing`]).
pub fn shared_files(dir: &str, names: &[&str]) -> Option<Vec<PathBuf>> {
    let dir = shared_data().join(dir);
    let files: Vec<PathBuf> = names.iter().map(|f| dir.join(f)).collect();
    if files.iter().all(|f| f.is_file()) {
        return Some(files);
    }
    prerequisite_missing(&format!(
        "{names:?} not found under {}: these tests need ../shared/data beside the repository",
        dir.display()
    ));
    None
}
