//! [`QuoteDiagnostics`]: every intermediate term of a quote, for metrics and the dashboard.

use super::{PredictionStatus, QuoteModel, TouchPlacement};
use crate::market::Side;
use serde::{Deserialize, Serialize};

/// The inputs and intermediate terms that produced a quote. Offsets are in bps of the mid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuoteDiagnostics {
    /// The model that priced the reservation offset and half-spread.
    #[serde(default)]
    pub model: QuoteModel,
    /// The mid the quote was formed around, in ticks.
    pub mid_ticks: f64,
    /// σ used, in bps per √s.
    pub sigma_bps: f64,
    /// κ used, per bps.
    pub kappa: f64,
    /// The trade arrival rate A used, in trades per second (the `glft` model's; reported
    /// with either model).
    #[serde(default)]
    pub a: f64,
    /// γ used, per bps.
    pub gamma: f64,
    /// τ used, in seconds (the `avellaneda_stoikov` model's).
    pub horizon_secs: f64,
    /// Inventory in units of the base quote size (the `q` of the formulas).
    pub q: f64,
    /// The model's inventory term, in bps: `−q·γ·σ²·τ` (Avellaneda–Stoikov) or `−q·c2·σ`
    /// (GLFT).
    pub inventory_skew_bps: f64,
    /// The prediction's shift of the reservation price, in bps.
    pub prediction_skew_bps: f64,
    /// The reservation price r, in ticks (fractional).
    pub reservation_ticks: f64,
    /// The model's half-spread δ before any widening, in bps.
    pub base_half_spread_bps: f64,
    /// The half-spread after entropy, volatility and staleness widening, in bps.
    pub half_spread_bps: f64,
    /// Normalised entropy of the prediction's probabilities (1 when not used).
    pub entropy: f64,
    /// The product of all half-spread multipliers applied.
    pub widen_multiplier: f64,
    /// Whether and why the prediction was used.
    pub prediction: PredictionStatus,
    /// True when the quote was formed without a usable prediction (stale, missing, invalid).
    pub prediction_stale: bool,
    /// The side widened because inventory exceeds its share of traded notional, if any.
    pub inventory_widened: Option<Side>,
    /// The size multiple applied to the bid side (below 1 when bids grow inventory).
    pub bid_size_factor: f64,
    /// The size multiple applied to the ask side (below 1 when asks grow inventory).
    pub ask_size_factor: f64,
    /// Where the first bid was placed relative to the others' touch.
    #[serde(default)]
    pub bid_placement: TouchPlacement,
    /// Where the first ask was placed relative to the others' touch.
    #[serde(default)]
    pub ask_placement: TouchPlacement,
    /// The adverse move expected after a bid fill at the touch, in bps (`None` until
    /// estimated).
    #[serde(default)]
    pub bid_adverse_bps: Option<f64>,
    /// The adverse move expected after an ask fill at the touch, in bps.
    #[serde(default)]
    pub ask_adverse_bps: Option<f64>,
}
