//! Seeded synthetic background order flow: an agent-based model that keeps a simulated book
//! alive and gives it short-term predictability.
//!
//! A latent fair price drifts with recent signed market-order flow plus Gaussian noise
//! ([`LatentPrice`]). Around it, Poisson arrivals of limit orders (at a geometric distance in
//! ticks), cancels (each resting flow order at a constant hazard) and market orders (whose
//! side leans towards the latent price) are sent to the engine through the same API as any
//! participant ([`FlowAgent`]). Same parameters and seed, same event sequence.

mod action;
mod agent;
mod calibrate;
mod error;
mod latent;
mod params;

pub use action::FlowAction;
pub use agent::FlowAgent;
pub use calibrate::{
    Calibration, CalibrationStats, FlowCalibrator, DEFAULT_WINDOW_TICKS, HALF_LIFE_CANDIDATES,
};
pub use error::FlowError;
pub use latent::LatentPrice;
pub use params::FlowParams;
