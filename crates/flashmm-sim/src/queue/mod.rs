//! The queue-position fill model: our orders resting in a recorded book that does not contain
//! them, filled from the recorded trades and book moves once the queue ahead of them is gone.
//!
//! - [`QueuePosition`] and [`CancelModel`] (from core): our place in one level's queue;
//! - [`FillSimulator`]: the recorded book plus our resting orders, and the fill rules;
//! - [`NewOrder`], [`OrderAction`], [`ExchangeReport`]: what goes in and comes out.
//!
//! One implementation serves the backtester (`flashmm-backtest`) and the simulator's replay
//! mode ([`crate::exchange::Exchange::attach_replay`]).

mod fill;
mod order;

pub use fill::{FillSimulator, RestingOrder};
pub use flashmm_core::order::{CancelModel, QueuePosition};
pub use order::{ExchangeReport, NewOrder, OrderAction, OrderId, RejectReason};
