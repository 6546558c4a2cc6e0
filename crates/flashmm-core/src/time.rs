//! Time: [`UnixNanos`], wall-clock time on the wire (UTC nanoseconds since the Unix epoch), and
//! [`MonoNanos`], a monotonic clock's reading inside one process (or one replay).

use serde::{Deserialize, Serialize};

/// Nanoseconds in a microsecond.
pub const NANOS_PER_MICRO: i64 = 1_000;
/// Nanoseconds in a millisecond.
pub const NANOS_PER_MILLI: i64 = 1_000_000;
/// Nanoseconds in a second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;
/// Nanoseconds in a minute.
pub const NANOS_PER_MINUTE: i64 = 60 * NANOS_PER_SEC;
/// Nanoseconds in a day (UTC days have no leap seconds in Unix time).
pub const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

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

/// A reading of a monotonic clock in nanoseconds from an arbitrary origin: what latency and
/// market data freshness are measured on inside one process (`std::time::Instant` since the
/// service started), or on a replay's simulated clock. Never compared across processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MonoNanos(pub i64);

impl MonoNanos {
    /// Nanoseconds from the origin.
    pub const fn as_i64(self) -> i64 {
        self.0
    }

    /// Nanoseconds elapsed from `earlier` to `self`, never negative (a monotonic clock does
    /// not run backwards; a reading taken out of order counts as no time).
    pub const fn since(self, earlier: MonoNanos) -> i64 {
        let d = self.0.saturating_sub(earlier.0);
        if d < 0 {
            0
        } else {
            d
        }
    }
}
