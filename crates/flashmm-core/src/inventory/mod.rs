//! Inventory and P&L: the [`Position`] held in one market, its average entry price, realized
//! and unrealized P&L and the fees paid and rebates earned on the way.

mod error;
mod position;

pub use error::PositionError;
pub use position::Position;
