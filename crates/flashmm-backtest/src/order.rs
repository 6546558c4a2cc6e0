//! The messages between the strategy and the simulated venue: [`NewOrder`], [`OrderAction`]
//! and [`ExchangeReport`], from [`flashmm_sim::queue`].

pub use flashmm_sim::queue::{ExchangeReport, NewOrder, OrderAction, OrderId, RejectReason};
