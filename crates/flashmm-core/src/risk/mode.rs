//! [`KillSwitch`]: whether execution may quote, and the operator-held kill state.

use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};

/// What execution is doing, as written to `{ns}:state:trading` field `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingMode {
    /// Quotes are kept on the book.
    Quoting,
    /// An operator paused quoting; orders are cancelled, the position is kept.
    Paused,
    /// A risk limit tripped the kill switch: everything cancelled, no quoting until an
    /// operator resumes.
    Killed,
    /// The service is shut down (or not running).
    Stopped,
}

impl TradingMode {
    /// The mode's name on the wire: `quoting`, `paused`, `killed` or `stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            TradingMode::Quoting => "quoting",
            TradingMode::Paused => "paused",
            TradingMode::Killed => "killed",
            TradingMode::Stopped => "stopped",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        [
            TradingMode::Quoting,
            TradingMode::Paused,
            TradingMode::Killed,
            TradingMode::Stopped,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for TradingMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The trading mode and why it is what it is. A trip is sticky: once killed, only
/// [`KillSwitch::resume`] (an operator) returns to quoting; a pause cannot lift a kill, and
/// a restart restores the held mode ([`KillSwitch::restore`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KillSwitch {
    mode: TradingMode,
    reason: String,
    since: UnixNanos,
}

impl KillSwitch {
    /// Quoting, since `now`.
    pub fn new(now: UnixNanos) -> Self {
        KillSwitch {
            mode: TradingMode::Quoting,
            reason: String::new(),
            since: now,
        }
    }

    /// The state saved before a restart: `killed` and `paused` are held; `stopped` (a clean
    /// shutdown) and `quoting` resume quoting.
    pub fn restore(mode: TradingMode, reason: String, since: UnixNanos, now: UnixNanos) -> Self {
        match mode {
            TradingMode::Killed | TradingMode::Paused => KillSwitch {
                mode,
                reason,
                since,
            },
            TradingMode::Quoting | TradingMode::Stopped => KillSwitch::new(now),
        }
    }

    /// The mode now.
    pub fn mode(&self) -> TradingMode {
        self.mode
    }

    /// Why the mode was entered (empty while quoting normally).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// When the mode was entered.
    pub fn since(&self) -> UnixNanos {
        self.since
    }

    /// Whether quotes may rest.
    pub fn can_quote(&self) -> bool {
        self.mode == TradingMode::Quoting
    }

    fn set(&mut self, mode: TradingMode, reason: String, now: UnixNanos) -> bool {
        let changed = self.mode != mode;
        self.mode = mode;
        self.reason = reason;
        self.since = now;
        changed
    }

    /// Trips the kill switch; returns whether the mode changed (a second trip keeps the first
    /// reason).
    pub fn trip(&mut self, reason: impl Into<String>, now: UnixNanos) -> bool {
        match self.mode {
            TradingMode::Killed | TradingMode::Stopped => false,
            _ => self.set(TradingMode::Killed, reason.into(), now),
        }
    }

    /// An operator pause; refused (returns false) while killed or stopped.
    pub fn pause(&mut self, reason: impl Into<String>, now: UnixNanos) -> bool {
        match self.mode {
            TradingMode::Quoting => self.set(TradingMode::Paused, reason.into(), now),
            _ => false,
        }
    }

    /// An operator resume: from paused or killed back to quoting.
    pub fn resume(&mut self, now: UnixNanos) -> bool {
        match self.mode {
            TradingMode::Paused | TradingMode::Killed => {
                self.set(TradingMode::Quoting, String::new(), now)
            }
            _ => false,
        }
    }

    /// The service is shutting down.
    pub fn stop(&mut self, reason: impl Into<String>, now: UnixNanos) -> bool {
        self.set(TradingMode::Stopped, reason.into(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_holds_until_resume() {
        let mut k = KillSwitch::new(UnixNanos(0));
        assert!(k.can_quote());
        assert!(k.trip("daily loss", UnixNanos(1)));
        assert!(!k.trip("drawdown", UnixNanos(2)), "first reason kept");
        assert_eq!((k.mode(), k.reason()), (TradingMode::Killed, "daily loss"));
        assert!(!k.pause("op", UnixNanos(3)), "a pause cannot lift a kill");
        assert!(!k.can_quote());
        assert!(k.resume(UnixNanos(4)));
        assert!(k.can_quote());
        assert!(k.pause("op", UnixNanos(5)));
        assert_eq!(k.mode(), TradingMode::Paused);
        assert!(
            k.trip("extreme move", UnixNanos(6)),
            "a trip overrides a pause"
        );
    }

    #[test]
    fn restore_and_names() {
        let held = KillSwitch::restore(TradingMode::Killed, "x".into(), UnixNanos(1), UnixNanos(9));
        assert_eq!(
            (held.mode(), held.since()),
            (TradingMode::Killed, UnixNanos(1))
        );
        let fresh =
            KillSwitch::restore(TradingMode::Stopped, "x".into(), UnixNanos(1), UnixNanos(9));
        assert!(fresh.can_quote());
        for m in ["quoting", "paused", "killed", "stopped"] {
            assert_eq!(TradingMode::parse(m).map(TradingMode::as_str), Some(m));
        }
        assert_eq!(TradingMode::parse("nope"), None);
    }
}
