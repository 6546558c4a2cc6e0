//! [`DepthSync`]: Binance's documented order-book synchronisation, as a pure state machine.
//!
//! 1. Buffer the diffs of the depth stream; ask for a REST snapshot.
//! 2. On the snapshot (`lastUpdateId` = `L`), drop the buffered diffs it covers (`u ≤ L`).
//! 3. The first diff left must straddle it: spot `U ≤ L + 1`, USD-M `pu ≤ L` (a diff covers
//!    the ids after its previous one up to `u`). If not, the snapshot is too old: ask again.
//! 4. Every later diff must follow the last one: spot `U = previous u + 1`, USD-M
//!    `pu = previous u`. A diff already covered (`u ≤ previous u`: a duplicate or a late
//!    one) is skipped; any other break is a gap: buffer from that diff and resync (1).
//!
//! The machine carries each diff's payload `T` untouched, so the caller decides what to keep
//! (the converted levels, the raw frame).

use std::collections::VecDeque;

/// How consecutive diffs of a market chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuity {
    /// Spot: a diff's first id `U` is the previous diff's last id `u` + 1.
    Spot,
    /// USD-M futures: a diff's `pu` is the previous diff's `u`.
    UsdM,
}

/// The update ids of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffIds {
    /// `U`: the first update id in the diff.
    pub first: u64,
    /// `u`: the last update id in the diff.
    pub last: u64,
    /// `pu` (USD-M): the last update id of the previous diff.
    pub prev: Option<u64>,
}

impl DiffIds {
    /// The id after which the diff's changes start: `pu` on USD-M (the previous diff's
    /// last id), `U - 1` on spot.
    fn covers_after(&self, continuity: Continuity) -> u64 {
        match (continuity, self.prev) {
            (Continuity::UsdM, Some(prev)) => prev,
            _ => self.first.saturating_sub(1),
        }
    }
}

/// What to do with a diff.
#[derive(Debug, PartialEq, Eq)]
pub enum DiffStep<T> {
    /// Buffered until a snapshot arrives; `fetch_snapshot` is true for the first diff after
    /// a (re)start, when the caller must start fetching one.
    Buffered {
        /// Whether a snapshot fetch must start now.
        fetch_snapshot: bool,
    },
    /// The diff follows the book: apply it.
    Apply(T),
    /// Already covered by the book (a duplicate or a late diff): skipped.
    Stale,
    /// The diff does not follow the book: the book is void, the diff is buffered and a new
    /// snapshot must be fetched.
    Gap {
        /// The id the diff had to follow.
        expected_after: u64,
        /// The diff's ids.
        got: DiffIds,
    },
}

/// What to do with a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum SnapshotStep<T> {
    /// In sync: replace the book with the snapshot, then apply these buffered diffs in order.
    Synced(Vec<T>),
    /// The first diff not covered by the snapshot does not straddle it (the snapshot is older
    /// than the stream): fetch another snapshot.
    TooOld {
        /// The snapshot's `lastUpdateId`.
        snapshot: u64,
        /// The first buffered diff after it.
        first: DiffIds,
    },
    /// The buffered diffs break between themselves (a gap inside the buffer): the book is
    /// not in sync; the buffer now starts at the diff after the break; fetch another
    /// snapshot.
    GapInBuffer {
        /// The id the diff had to follow.
        expected_after: u64,
        /// The diff's ids.
        got: DiffIds,
    },
    /// No snapshot was awaited (the book is already in sync): ignored.
    Unexpected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// Waiting for a snapshot.
    None,
    /// In sync at a snapshot's `lastUpdateId`: the next diff must straddle it.
    Snapshot(u64),
    /// In sync at a diff's last id: the next diff must follow it.
    Diff(u64),
}

/// Counters of what the synchroniser did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncCounts {
    /// Snapshots that put the book in sync.
    pub syncs: u64,
    /// Gaps found between diffs.
    pub gaps: u64,
    /// Snapshots refused as older than the stream.
    pub stale_snapshots: u64,
    /// Diffs skipped as already covered.
    pub stale_diffs: u64,
    /// Buffered diffs dropped because the buffer was full.
    pub overflows: u64,
}

/// One market's order-book synchroniser (see the module docs).
#[derive(Debug)]
pub struct DepthSync<T> {
    continuity: Continuity,
    anchor: Anchor,
    buffer: VecDeque<(DiffIds, T)>,
    max_buffer: usize,
    counts: SyncCounts,
}

impl<T> DepthSync<T> {
    /// A synchroniser waiting for diffs, buffering at most `max_buffer` of them (the oldest
    /// are dropped beyond, and the snapshot then shows as too old).
    pub fn new(continuity: Continuity, max_buffer: usize) -> Self {
        DepthSync {
            continuity,
            anchor: Anchor::None,
            buffer: VecDeque::new(),
            max_buffer: max_buffer.max(1),
            counts: SyncCounts::default(),
        }
    }

    /// Whether the book is in sync (a snapshot was accepted and no gap followed).
    pub fn is_synced(&self) -> bool {
        self.anchor != Anchor::None
    }

    /// The last update id the book includes, once in sync.
    pub fn last_update_id(&self) -> Option<u64> {
        match self.anchor {
            Anchor::None => None,
            Anchor::Snapshot(id) | Anchor::Diff(id) => Some(id),
        }
    }

    /// Diffs waiting for a snapshot.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// What the synchroniser did so far.
    pub fn counts(&self) -> SyncCounts {
        self.counts
    }

    /// Throws the book away (a reconnection, a book the caller found inconsistent): the
    /// following diffs are buffered for a new snapshot.
    pub fn reset(&mut self) {
        self.anchor = Anchor::None;
        self.buffer.clear();
    }

    /// Takes one diff of the stream.
    pub fn on_diff(&mut self, ids: DiffIds, payload: T) -> DiffStep<T> {
        let after = ids.covers_after(self.continuity);
        match self.anchor {
            Anchor::None => {
                let fetch_snapshot = self.buffer.is_empty();
                self.push(ids, payload);
                DiffStep::Buffered { fetch_snapshot }
            }
            Anchor::Snapshot(at) | Anchor::Diff(at) if ids.last <= at => {
                self.counts.stale_diffs += 1;
                DiffStep::Stale
            }
            Anchor::Snapshot(at) if after <= at => {
                self.anchor = Anchor::Diff(ids.last);
                DiffStep::Apply(payload)
            }
            Anchor::Diff(at) if after == at => {
                self.anchor = Anchor::Diff(ids.last);
                DiffStep::Apply(payload)
            }
            Anchor::Snapshot(at) | Anchor::Diff(at) => {
                self.counts.gaps += 1;
                self.anchor = Anchor::None;
                self.buffer.clear();
                self.push(ids, payload);
                DiffStep::Gap {
                    expected_after: at,
                    got: ids,
                }
            }
        }
    }

    /// Takes a REST snapshot whose `lastUpdateId` is `last_update_id`.
    pub fn on_snapshot(&mut self, last_update_id: u64) -> SnapshotStep<T> {
        if self.anchor != Anchor::None {
            return SnapshotStep::Unexpected;
        }
        while self
            .buffer
            .front()
            .is_some_and(|(ids, _)| ids.last <= last_update_id)
        {
            self.buffer.pop_front();
        }
        if let Some((first, _)) = self.buffer.front() {
            if first.covers_after(self.continuity) > last_update_id {
                self.counts.stale_snapshots += 1;
                return SnapshotStep::TooOld {
                    snapshot: last_update_id,
                    first: *first,
                };
            }
        }
        self.anchor = Anchor::Snapshot(last_update_id);
        let mut pending = std::mem::take(&mut self.buffer);
        let mut apply = Vec::with_capacity(pending.len());
        while let Some((ids, payload)) = pending.pop_front() {
            match self.on_diff(ids, payload) {
                DiffStep::Apply(p) => apply.push(p),
                DiffStep::Stale => {}
                DiffStep::Gap {
                    expected_after,
                    got,
                } => {
                    // The buffer itself breaks: it now starts at the diff that broke the chain.
                    self.buffer.extend(pending);
                    return SnapshotStep::GapInBuffer {
                        expected_after,
                        got,
                    };
                }
                // Not returned while in sync (the anchor was set above).
                DiffStep::Buffered { .. } => {}
            }
        }
        self.counts.syncs += 1;
        SnapshotStep::Synced(apply)
    }

    fn push(&mut self, ids: DiffIds, payload: T) {
        if self.buffer.len() >= self.max_buffer {
            self.buffer.pop_front();
            self.counts.overflows += 1;
        }
        self.buffer.push_back((ids, payload));
    }
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
