//! Errors that stop an import (bad lines do not: they are counted and skipped).

use super::binance::TimeUnitCounts;
use crate::RecordingError;
use flashmm_core::market::{MarketIdError, SpecError};
use std::path::PathBuf;
use thiserror::Error;

/// Why an import could not run to the end.
#[derive(Debug, Error)]
pub enum ImportError {
    /// No input file was given.
    #[error("no input files")]
    NoInput,
    /// An input file could not be opened or read (including a damaged gzip stream).
    #[error("reading {path}: {error}")]
    Read {
        /// The input file.
        path: PathBuf,
        /// The i/o error.
        error: std::io::Error,
    },
    /// No well-formed message of the instrument was found, so there is nothing to import.
    #[error("no usable market data in the input")]
    NoData,
    /// The receive times are not all in one unit (nanoseconds, microseconds, milliseconds),
    /// so no one reading of them is right.
    #[error("receive times in mixed units ({0}): import the files of each unit separately")]
    MixedTimeUnits(TimeUnitCounts),
    /// The venue symbol could not be mapped to a `BASE/QUOTE` market id.
    #[error("cannot derive a market id from symbol `{0}`: give one explicitly")]
    UnknownSymbol(String),
    /// The market id is invalid.
    #[error("market id: {0}")]
    MarketId(#[from] MarketIdError),
    /// The tick and lot sizes (given or derived) do not make a valid spec.
    #[error("market spec: {0}")]
    Spec(#[from] SpecError),
    /// The output recording could not be written.
    #[error("writing the recording: {0}")]
    Recording(#[from] RecordingError),
}
