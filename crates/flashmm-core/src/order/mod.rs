//! Our orders: the [`Order`] and its lifecycle ([`OrderStatus`], [`OrderEvent`] and the one
//! fallible [`Order::transition`]), the [`OrderUpdate`] and [`Fill`] messages; and the pure
//! order manager parts: [`ClientIdGenerator`] (deterministic ids unique across restarts),
//! [`WorkingOrders`] (live orders in quote slots, diffed against a target into
//! [`QuoteAction`]s), [`FillLedger`] (each fill booked once) and [`QueuePosition`] (our place
//! in a level's queue, with its [`CancelModel`]).

mod client_ids;
mod error;
mod event;
mod fill;
mod fill_ledger;
mod liquidity;
#[allow(clippy::module_inception)]
mod order;
mod queue_position;
mod reject;
mod status;
mod time_in_force;
mod update;
mod working;

pub use client_ids::ClientIdGenerator;
pub use error::{OrderError, OrderTransitionError};
pub use event::OrderEvent;
pub use fill::Fill;
pub use fill_ledger::FillLedger;
pub use liquidity::Liquidity;
pub use order::Order;
pub use queue_position::{CancelModel, QueuePosition};
pub use reject::RejectReason;
pub use status::OrderStatus;
pub use time_in_force::TimeInForce;
pub use update::OrderUpdate;
pub use working::{QuoteAction, Slot, WorkingOrder, WorkingOrders};
