//! [`BacktestError`]: why a backtest could not run or report.

use thiserror::Error;

/// Why a backtest could not be set up, run or reported.
#[derive(Debug, Error)]
pub enum BacktestError {
    /// A configuration value is out of range; names the field.
    #[error("backtest config: {field} = {value}: expected {expected}")]
    Config {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// The recording could not be read.
    #[error(transparent)]
    Recording(#[from] flashmm_recording::RecordingError),
    /// The recording holds no market of that name, or none at all.
    #[error("the recording has no market {0}")]
    NoMarket(String),
    /// The quoting strategy could not be built.
    #[error("quoter: {0}")]
    Quote(#[from] flashmm_core::strategy::QuoteError),
    /// The feature engine could not be built.
    #[error("features: {0}")]
    Features(#[from] flashmm_features::FeatureError),
    /// The model failed on a well-formed feature vector.
    #[error("model: {0}")]
    Model(#[from] flashmm_model::ModelError),
    /// The in-memory bus refused a message at a service seam.
    #[error("bus: {0}")]
    Bus(String),
    /// An exact money conversion overflowed.
    #[error("money conversion: {0}")]
    Money(#[from] flashmm_core::market::ConversionError),
    /// Booking a fill into the position failed.
    #[error("position: {0}")]
    Position(#[from] flashmm_core::inventory::PositionError),
    /// The venue reported a fill of an order the strategy never sent.
    #[error("fill of an order never sent: {0}")]
    UnknownOrder(u64),
    /// An identifier of a simulated fill was refused.
    #[error("identifier: {0}")]
    Id(#[from] flashmm_core::identifiers::IdError),
    /// The report or the chart could not be written.
    #[error("writing {path}: {reason}")]
    Output {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}
