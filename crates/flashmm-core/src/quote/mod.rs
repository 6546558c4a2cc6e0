//! Quoting decisions: the [`QuoteIntent`] that says which levels we want to rest.

mod intent;

pub use intent::QuoteIntent;
