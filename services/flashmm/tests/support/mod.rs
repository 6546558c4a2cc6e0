//! Shared by the tests of real recorded data: where `../shared/data` is, and what a test does
//! when a prerequisite is missing (skips locally, fails under CI).

#![allow(dead_code)]

use std::path::PathBuf;

/// The Binance spot capture files `names` under `../shared/data/binance/spot`, when all are
/// there; otherwise reports them missing (a failure under CI).
pub fn binance_spot(names: &[&str]) -> Option<Vec<PathBuf>> {
    flashmm_core::testing::shared_files("binance/spot", names)
}
