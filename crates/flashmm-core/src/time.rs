//! Wall-clock time on the wire: UTC nanoseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

/// A UTC timestamp in nanoseconds since the Unix epoch, as carried on every stream entry.
///
/// Latency is never measured with it inside a process (use a monotonic clock there); it only
/// orders events and measures latency across processes through `origin_ts`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct UnixNanos(pub i64);

impl UnixNanos {
    /// Nanoseconds since the epoch.
    pub const fn as_i64(self) -> i64 {
        self.0
    }

    /// Nanoseconds elapsed from `earlier` to `self` (negative when `earlier` is later).
    pub const fn since(self, earlier: UnixNanos) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl From<i64> for UnixNanos {
    fn from(nanos: i64) -> Self {
        UnixNanos(nanos)
    }
}

impl std::fmt::Display for UnixNanos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
