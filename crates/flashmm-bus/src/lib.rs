//! bus

pub mod runtime;
