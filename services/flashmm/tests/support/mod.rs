//! Shared by the tests of real recorded data: where `../shared/data` is, and what a test does
//! when a prerequisite is missing (skips locally, fails under CI).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The recorded market data beside the repository (never committed).
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Reports a prerequisite the test cannot run without (`what` says which and why). Under CI
/// (`CI=true`) a missing prerequisite fails the test; elsewhere this prints why the test is
/// skipped (or cut short), and the caller goes on without it.
pub fn prerequisite_missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing test prerequisite under CI: {what}");
    }
    eprintln!("SKIP: {what}");
}

/// The Binance spot capture files `names` under `DATA/binance/spot`, when all are there;
/// otherwise reports them missing ([`prerequisite_missing`]: a failure under CI).
pub fn binance_spot(names: &[&str]) -> Option<Vec<PathBuf>> {
    let dir = Path::new(DATA).join("binance/spot");
    let files: Vec<PathBuf> = names.iter().map(|f| dir.join(f)).collect();
    if files.iter().all(|f| f.is_file()) {
        Some(files)
    } else {
        prerequisite_missing(&format!(
            "Binance sample data {names:?} not found under {DATA}/binance/spot; \
             this test needs ../shared/data next to the repository"
        ));
        None
    }
}
