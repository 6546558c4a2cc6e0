//! The seam between FlashMM and a venue: the [`Venue`] trait, its protocol-neutral types in
//! ticks and lots (core's book, trade and fill messages, [`OrderReport`]), and [`SimVenue`],
//! its client for the local simulator. A chain adapter implements the same trait.

mod api;
mod error;
mod event;
mod order;
pub mod sim;

pub use crate::protocol::OrderRef;
pub use api::{EventStream, Venue};
pub use error::VenueError;
pub use event::{OrderReport, VenueEvent};
pub use order::{AssetBalance, NewOrder, ReplaceOrder};
pub use sim::{SimVenue, SimVenueConfig};
