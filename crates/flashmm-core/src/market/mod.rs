//! Market identity and the fixed-point units of a market: [`MarketId`], [`MarketSpec`],
//! [`Price`] (ticks), [`Qty`] (lots) and [`Side`].
//!
//! Every price and size inside FlashMM is an integer count of the market's tick or lot; the
//! spec is the only place that converts them to and from exact decimals in quote currency.

mod error;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
mod id;
mod price;
mod qty;
mod side;
mod spec;

pub use error::{ConversionError, MarketIdError, SpecError};
pub use id::MarketId;
pub use price::Price;
pub use qty::Qty;
pub use side::Side;
pub use spec::MarketSpec;
