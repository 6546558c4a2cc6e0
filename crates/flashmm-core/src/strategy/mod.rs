//! The quoting strategy: from a book, our inventory and the model's prediction to the levels
//! we want resting, and when to act on them.
//!
//! Owns:
//! - the online estimators: [`VolatilityEstimator`] (σ of mid log-returns, EWMA, per √s) and
//!   [`IntensityEstimator`] (κ, order-arrival decay with distance from the mid, from trades)
//!   and [`ArrivalRateEstimator`] (A, public trades per second);
//! - the pricing maths: [`AvellanedaStoikov`] (reservation price and half-spread, rolling
//!   horizon τ; the default) or, with `model = "glft"` ([`QuoteModel`]), [`Glft`]
//!   (Guéant–Lehalle–Fernandez-Tapia's closed form from γ, σ, κ and A, no horizon), and
//!   [`PredictionSkew`] (skew by the expected move, widening by entropy, or a
//!   wider no-skew base when the prediction is stale);
//! - [`Quoter`], which combines them with inventory and size skew, a size ladder of N levels,
//!   min spread, tick/lot rounding, min notional and post-only safety into a [`QuoteTarget`]
//!   plus [`QuoteDiagnostics`];
//! - [`RequotePolicy`], which acts on a target only when a level moves beyond a tolerance, at
//!   most `quote_frequency_hz` times a second;
//! - [`QuoteInputs`], what a quote is formed from, with which a caller that holds a quote
//!   knows when forming it again would give the same one;
//! - touch quoting: [`Touch`] (the others' best prices), [`AdverseSelection`] (the mid's move
//!   against a side after a public trade fills it, learnt from our own fills apart by their
//!   [`QueuePlace`], and optionally from public trades apart by the [`QueueBalance`] at the
//!   touch) and [`fill_edge_bps`], with which the
//!   quoter joins or improves the touch when a fill there pays, and the adverse-selection
//!   filter that pulls the side a fresh prediction expects to be run through
//!   ([`TouchPlacement`]);
//! - [`QuoteParams`], every tunable, validated.
//!
//! No I/O and no clock: time comes in as [`UnixNanos`](crate::time::UnixNanos), so the
//! `execution` service and the backtester run this same code. Per market, the call sequence is:
//! [`Quoter::on_book`] on every applied book update and [`Quoter::on_trade`] on every public
//! trade; then [`Quoter::quote`] with the inventory and the latest prediction; then
//! [`RequotePolicy::decide`] against the working levels, and only on
//! [`RequoteDecision::Requote`] does the order manager diff the target into orders.

mod adverse;
mod avellaneda;
mod diagnostics;
mod error;
mod glft;
mod inputs;
mod intensity;
mod params;
mod prediction_skew;
mod queue_balance;
mod queue_place;
mod quoter;
mod requote;
mod target;
mod touch;
mod volatility;

pub use adverse::AdverseSelection;
pub use avellaneda::AvellanedaStoikov;
pub use diagnostics::QuoteDiagnostics;
pub use error::{QuoteError, QuoteParamsError};
pub use glft::Glft;
pub use inputs::QuoteInputs;
pub use intensity::{ArrivalRateEstimator, IntensityEstimator};
pub use params::{QuoteModel, QuoteParams, RawQuoteParams};
pub use prediction_skew::{PredictionSkew, PredictionStatus};
pub use queue_balance::QueueBalance;
pub use queue_place::QueuePlace;
pub use quoter::{InventoryView, Quote, Quoter};
pub use requote::{HoldReason, RequoteDecision, RequotePolicy, RequoteReason};
pub use target::QuoteTarget;
pub use touch::{fill_edge_bps, Touch, TouchPlacement};
pub use volatility::VolatilityEstimator;
