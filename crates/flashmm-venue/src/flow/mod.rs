//! Synthetic background order flow.
