//! Our orders: the [`Order`] and its lifecycle ([`OrderStatus`], [`OrderEvent`] and the one
//! fallible [`Order::transition`]), the [`OrderUpdate`] and [`Fill`] messages.

mod error;
mod event;
mod fill;
mod liquidity;
#[allow(clippy::module_inception)]
mod order;
mod status;
mod update;

pub use error::{OrderError, OrderTransitionError};
pub use event::OrderEvent;
pub use fill::Fill;
pub use liquidity::Liquidity;
pub use order::Order;
pub use status::OrderStatus;
pub use update::OrderUpdate;
