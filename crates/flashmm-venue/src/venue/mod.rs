//! The seam between FlashMM and a venue: the [`Venue`] trait, its protocol-neutral types in
//! ticks and lots (core's book, trade and fill messages, [`OrderReport`]), and [`SimVenue`],
//! its client for the local simulator, [`HyperliquidVenue`], the Hyperliquid adapter, and
//! [`SeiVenue`], a Tendermint RPC client of the Sei chain (not a venue: Sei's order-book module
//! no longer exists).

pub mod any;
mod api;
mod error;
mod event;
pub mod hyperliquid;
mod order;
mod reconnect;
pub mod sei;
pub mod sim;

pub use crate::protocol::OrderRef;
pub use any::AnyVenue;
pub use api::{EventStream, Received, Venue};
pub use error::VenueError;
pub use event::{OrderReport, VenueEvent};
pub use hyperliquid::{HyperliquidConfig, HyperliquidVenue};
pub use order::{AssetBalance, NewOrder, ReplaceOrder};
pub use sei::{SeiVenue, SeiVenueConfig};
pub use sim::{SimVenue, SimVenueConfig};
