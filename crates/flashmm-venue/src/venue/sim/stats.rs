//! Counts of venue frames the subscription could not turn into events.

use std::sync::atomic::{AtomicU64, Ordering};

/// Frames skipped by a [`SimVenue`](super::SimVenue) subscription, by kind, since the client
/// was created. Shared with the connection task; read with [`StreamStats::get`].
#[derive(Debug, Default)]
pub struct StreamStats {
    undecodable: AtomicU64,
    invalid_value: AtomicU64,
    unknown_market: AtomicU64,
}

/// Why a frame was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipKind {
    /// Not a protocol message: random bytes, malformed JSON, unknown type or version.
    Undecodable,
    /// A value that does not convert with the market's spec: NaN, negative, off-grid.
    InvalidValue,
    /// A market the subscription did not ask for.
    UnknownMarket,
}

impl SkipKind {
    /// Every kind.
    pub const ALL: [SkipKind; 3] = [
        SkipKind::Undecodable,
        SkipKind::InvalidValue,
        SkipKind::UnknownMarket,
    ];

    /// A metric label: `undecodable`, `invalid_value` or `unknown_market`.
    pub fn label(self) -> &'static str {
        match self {
            SkipKind::Undecodable => "undecodable",
            SkipKind::InvalidValue => "invalid_value",
            SkipKind::UnknownMarket => "unknown_market",
        }
    }
}

impl StreamStats {
    fn counter(&self, kind: SkipKind) -> &AtomicU64 {
        match kind {
            SkipKind::Undecodable => &self.undecodable,
            SkipKind::InvalidValue => &self.invalid_value,
            SkipKind::UnknownMarket => &self.unknown_market,
        }
    }

    /// Counts one skipped frame.
    pub fn add(&self, kind: SkipKind) {
        self.counter(kind).fetch_add(1, Ordering::Relaxed);
    }

    /// Frames of `kind` skipped so far.
    pub fn get(&self, kind: SkipKind) -> u64 {
        self.counter(kind).load(Ordering::Relaxed)
    }
}
