//! Progress of the loops that read streams, so that a heartbeat says "alive" only while the
//! service's work moves.
//!
//! A heartbeat runs on a task of its own: on its own it would beat on while the service's
//! consume loop retries an error forever. So every [`Consumer`](crate::Consumer) registers a
//! [`LoopStamp`] in a [`Progress`] registry (the process-wide [`Progress::global`] unless
//! started with [`Consumer::start_with`](crate::Consumer::start_with)) and stamps it each time a
//! read round completes: `next_batch` returning entries, or returning empty after its block
//! time (idle but polling is progress). A round that fails (Redis errors, a stream of the wrong
//! type, a dead-letter write refused) stamps nothing.
//!
//! [`spawn_heartbeat`](crate::spawn_heartbeat) asks the registry for the loop that
//! went longest without progress; past [`STALL_AFTER`] the service is stalled and its
//! heartbeat carries that loop's last progress time instead of the time of the beat, so every
//! reader of `{ns}:state:heartbeat` sees it age (`/health` and `flashmm status` turn red).
//! A loop whose consumer is dropped leaves the registry by itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// A read round of a healthy consumer ends within its block time (1 s by default) plus one
/// command (2 s at most); a loop without progress for longer than this is stalled.
pub const STALL_AFTER: Duration = Duration::from_secs(5);

/// The origin of every stamp: stamps are nanoseconds after it (monotonic, never the wall
/// clock, so a clock step neither stalls nor revives a loop).
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn elapsed_ns() -> u64 {
    u64::try_from(origin().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// One loop's last progress; stamped by its owner, read by the heartbeat.
#[derive(Debug)]
pub struct LoopStamp {
    name: String,
    last_ns: AtomicU64,
}

impl LoopStamp {
    /// Records progress now.
    pub fn tick(&self) {
        self.last_ns.store(elapsed_ns(), Ordering::Relaxed);
    }

    /// The loop's name, e.g. `flashmm:md:SEI-USDC (group feature)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How long ago the loop last made progress.
    pub fn age(&self) -> Duration {
        Duration::from_nanos(elapsed_ns().saturating_sub(self.last_ns.load(Ordering::Relaxed)))
    }
}

/// A registry of loops; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    loops: Arc<Mutex<Vec<Weak<LoopStamp>>>>,
}

/// The loop that went longest without progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slowest {
    /// The loop's name.
    pub name: String,
    /// How long ago it last made progress.
    pub age: Duration,
}

impl Progress {
    /// An empty registry of its own (tests, or a service watching only some loops).
    pub fn new() -> Self {
        Progress::default()
    }

    /// The process-wide registry consumers join by default and heartbeats read.
    pub fn global() -> Progress {
        static GLOBAL: OnceLock<Progress> = OnceLock::new();
        GLOBAL.get_or_init(Progress::new).clone()
    }

    /// Registers a loop, stamped now; it leaves the registry when the returned stamp (and
    /// every clone of it) is dropped.
    pub fn register(&self, name: impl Into<String>) -> Arc<LoopStamp> {
        let stamp = Arc::new(LoopStamp {
            name: name.into(),
            last_ns: AtomicU64::new(elapsed_ns()),
        });
        let mut loops = self.loops.lock().unwrap_or_else(|e| e.into_inner());
        loops.retain(|w| w.strong_count() > 0);
        loops.push(Arc::downgrade(&stamp));
        stamp
    }

    /// The live loop that went longest without progress; `None` when no loop is registered.
    pub fn slowest(&self) -> Option<Slowest> {
        let mut loops = self.loops.lock().unwrap_or_else(|e| e.into_inner());
        loops.retain(|w| w.strong_count() > 0);
        loops
            .iter()
            .filter_map(Weak::upgrade)
            .map(|s| Slowest {
                name: s.name.clone(),
                age: s.age(),
            })
            .max_by_key(|s| s.age)
    }

    /// The slowest loop when it has gone without progress for longer than `stall_after`.
    pub fn stalled(&self, stall_after: Duration) -> Option<Slowest> {
        self.slowest().filter(|s| s.age > stall_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_live_loop_is_reported_and_dropped_loops_leave() {
        let progress = Progress::new();
        assert_eq!(progress.slowest(), None);
        let a = progress.register("a");
        std::thread::sleep(Duration::from_millis(30));
        let b = progress.register("b");
        let slowest = progress.slowest().map(|s| s.name);
        assert_eq!(slowest.as_deref(), Some("a"));
        assert!(progress.stalled(Duration::from_millis(20)).is_some());
        assert!(progress.stalled(Duration::from_secs(5)).is_none());
        a.tick();
        assert_eq!(progress.slowest().map(|s| s.name).as_deref(), Some("b"));
        drop(a);
        drop(b);
        assert_eq!(progress.slowest(), None, "dropped loops are not watched");
    }
}
