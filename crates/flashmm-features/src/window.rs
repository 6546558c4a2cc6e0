//! [`NestedWindows`]: running sums over several windows of one event stream, sharing one
//! buffer, each updated in O(1) amortised per event.
//!
//! A window is either the last `n` events ([`WindowSpan::Events`]) or the events of the
//! last `span` nanoseconds ([`WindowSpan::Nanos`]). Every sample is pushed once and evicted
//! once from each window, so the cost per event does not depend on the window lengths.
//! Floating-point sums are rebuilt from the buffer once a window has evicted more samples
//! than it holds, which stops add/subtract rounding from drifting (still O(1) amortised).

use std::collections::VecDeque;

/// A value that windows sum: `add` and `sub` must undo each other on every summed field.
/// Fields that are not summed (carried state) are left alone by both.
pub trait WindowSample: Copy + Default {
    /// Adds `other`'s summed fields to `self`.
    fn add(&mut self, other: &Self);
    /// Subtracts `other`'s summed fields from `self`.
    fn sub(&mut self, other: &Self);
}

/// How far back a window reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSpan {
    /// The last `n` samples pushed.
    Events(usize),
    /// Samples stamped within the last `n` nanoseconds: `ts > now - n`.
    Nanos(i64),
}

/// Resum once more than this many samples beyond the window length have been evicted.
const RESUM_SLACK: u64 = 32;

#[derive(Debug, Clone)]
struct Slot<S> {
    span: WindowSpan,
    /// Absolute index of the window's oldest sample.
    start: u64,
    sum: S,
    last_evicted: Option<S>,
    evicted_since_resum: u64,
}

/// Running sums of samples over `K` windows of one stream.
#[derive(Debug, Clone)]
pub struct NestedWindows<S, const K: usize> {
    buf: VecDeque<(i64, S)>,
    /// Absolute index of `buf`'s front.
    popped: u64,
    cap: usize,
    slots: [Slot<S>; K],
}

impl<S: WindowSample, const K: usize> NestedWindows<S, K> {
    /// Windows of the given spans over a buffer of at most `cap` samples (at least 1);
    /// beyond it the oldest sample is dropped from every window that still holds it.
    pub fn new(spans: [WindowSpan; K], cap: usize) -> Self {
        let longest_events = spans
            .iter()
            .filter_map(|s| match s {
                WindowSpan::Events(n) => Some(*n),
                WindowSpan::Nanos(_) => None,
            })
            .max()
            .unwrap_or(0);
        let cap = cap.max(1);
        NestedWindows {
            buf: VecDeque::with_capacity(longest_events.saturating_add(1).min(cap)),
            popped: 0,
            cap,
            slots: spans.map(|span| Slot {
                span,
                start: 0,
                sum: S::default(),
                last_evicted: None,
                evicted_since_resum: 0,
            }),
        }
    }

    /// Appends a sample stamped `ts` (not before the last one) to every window, then
    /// evicts what falls out of the event-count windows.
    pub fn push(&mut self, ts: i64, sample: S) {
        if self.buf.len() >= self.cap {
            self.drop_front();
        }
        self.buf.push_back((ts, sample));
        let end = self.end();
        for k in 0..K {
            self.slots[k].sum.add(&sample);
            if let WindowSpan::Events(n) = self.slots[k].span {
                while end - self.slots[k].start > n as u64 {
                    self.evict(k);
                }
            }
        }
        self.trim();
    }

    /// Moves time to `now`: evicts from the wall-time windows every sample stamped at or
    /// before `now - span`.
    pub fn advance(&mut self, now: i64) {
        let end = self.end();
        for k in 0..K {
            if let WindowSpan::Nanos(span) = self.slots[k].span {
                let cutoff = now.saturating_sub(span);
                while self.slots[k].start < end && self.ts_at(self.slots[k].start) <= cutoff {
                    self.evict(k);
                }
            }
        }
        self.trim();
    }

    /// The sum over window `k`.
    #[inline]
    pub fn sum(&self, k: usize) -> &S {
        &self.slots[k].sum
    }

    /// Number of samples in window `k`.
    #[inline]
    pub fn len(&self, k: usize) -> usize {
        (self.end() - self.slots[k].start) as usize
    }

    /// Whether window `k` holds no sample.
    #[inline]
    pub fn is_empty(&self, k: usize) -> bool {
        self.len(k) == 0
    }

    /// The newest sample that left window `k`, if any did.
    #[inline]
    pub fn last_evicted(&self, k: usize) -> Option<&S> {
        self.slots[k].last_evicted.as_ref()
    }

    /// The oldest sample in window `k`.
    #[inline]
    pub fn oldest(&self, k: usize) -> Option<&S> {
        self.get(self.slots[k].start)
    }

    /// The newest sample pushed, whether or not any window still holds it.
    #[inline]
    pub fn newest(&self) -> Option<&S> {
        self.buf.back().map(|(_, s)| s)
    }

    fn end(&self) -> u64 {
        self.popped + self.buf.len() as u64
    }

    fn get(&self, abs: u64) -> Option<&S> {
        let i = usize::try_from(abs.checked_sub(self.popped)?).ok()?;
        self.buf.get(i).map(|(_, s)| s)
    }

    fn ts_at(&self, abs: u64) -> i64 {
        usize::try_from(abs - self.popped)
            .ok()
            .and_then(|i| self.buf.get(i))
            .map_or(i64::MAX, |(ts, _)| *ts)
    }

    /// Removes window `k`'s oldest sample (which must exist) from its sum.
    fn evict(&mut self, k: usize) {
        let start = self.slots[k].start;
        let Some(sample) = self.get(start).copied() else {
            return;
        };
        let end = self.end();
        let slot = &mut self.slots[k];
        slot.sum.sub(&sample);
        slot.last_evicted = Some(sample);
        slot.start += 1;
        slot.evicted_since_resum += 1;
        if slot.evicted_since_resum > (end - slot.start) + RESUM_SLACK {
            self.resum(k);
        }
    }

    /// Rebuilds window `k`'s sum from the buffer.
    fn resum(&mut self, k: usize) {
        let from = usize::try_from(self.slots[k].start - self.popped).unwrap_or(usize::MAX);
        let mut sum = S::default();
        for (_, s) in self.buf.range(from.min(self.buf.len())..) {
            sum.add(s);
        }
        let slot = &mut self.slots[k];
        slot.sum = sum;
        slot.evicted_since_resum = 0;
    }

    /// Evicts the front sample from every window still holding it and drops it.
    fn drop_front(&mut self) {
        for k in 0..K {
            if self.slots[k].start == self.popped && !self.buf.is_empty() {
                self.evict(k);
            }
        }
        self.trim();
    }

    /// Drops buffered samples that no window holds any more.
    fn trim(&mut self) {
        let keep_from = self
            .slots
            .iter()
            .map(|s| s.start)
            .min()
            .unwrap_or(self.end());
        while self.popped < keep_from && self.buf.pop_front().is_some() {
            self.popped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, Default, PartialEq)]
    struct Sum(i64, f64);

    impl WindowSample for Sum {
        fn add(&mut self, o: &Self) {
            self.0 += o.0;
            self.1 += o.1;
        }
        fn sub(&mut self, o: &Self) {
            self.0 -= o.0;
            self.1 -= o.1;
        }
    }

    use flashmm_core::time::NANOS_PER_SEC as SEC;

    fn windows() -> NestedWindows<Sum, 3> {
        NestedWindows::new(
            [
                WindowSpan::Events(2),
                WindowSpan::Nanos(SEC),
                WindowSpan::Nanos(5 * SEC),
            ],
            1_000,
        )
    }

    #[test]
    fn event_and_time_windows() {
        let mut w = windows();
        for (i, v) in [1, 10, 100].into_iter().enumerate() {
            w.push(i as i64 * SEC / 2, Sum(v, 0.0));
        }
        // Pushed at 0, 0.5 s and 1 s.
        assert_eq!(w.sum(0).0, 110);
        assert_eq!(w.last_evicted(0), Some(&Sum(1, 0.0)));
        w.advance(SEC);
        assert_eq!((w.sum(1).0, w.len(1)), (110, 2));
        assert_eq!(w.sum(2).0, 111);
        w.advance(3 * SEC);
        assert_eq!((w.sum(1).0, w.len(1)), (0, 0));
        assert_eq!(w.last_evicted(1), Some(&Sum(100, 0.0)));
        assert_eq!(w.sum(2).0, 111);
        assert_eq!(w.oldest(2), Some(&Sum(1, 0.0)));
        // A huge gap empties every wall-time window without touching the count window.
        w.advance(i64::MAX);
        assert_eq!((w.sum(2).0, w.len(2)), (0, 0));
        assert_eq!(w.sum(0).0, 110);
        assert_eq!(w.buf.len(), 2);
        assert_eq!(w.newest(), Some(&Sum(100, 0.0)));
    }

    #[test]
    fn cap_drops_oldest_everywhere() {
        let mut w: NestedWindows<Sum, 2> =
            NestedWindows::new([WindowSpan::Events(3), WindowSpan::Nanos(SEC)], 2);
        for v in 1..=4 {
            w.push(0, Sum(v, 0.0));
        }
        assert_eq!((w.sum(0).0, w.len(0)), (7, 2));
        assert_eq!((w.sum(1).0, w.len(1)), (7, 2));
    }

    #[test]
    fn float_sums_do_not_drift() {
        let mut w: NestedWindows<Sum, 1> = NestedWindows::new([WindowSpan::Events(3)], 100);
        w.push(0, Sum(0, 1e20));
        for i in 1..200 {
            w.push(i, Sum(0, 0.1));
        }
        let exact = 0.1 + 0.1 + 0.1;
        assert!((w.sum(0).1 - exact).abs() < 1e-12, "{}", w.sum(0).1);
    }
}
