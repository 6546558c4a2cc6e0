//! The per-key window of recently used nonces.

use std::collections::BTreeSet;

/// Remembers the latest `capacity` nonces of one key. A nonce is accepted once; a nonce below
/// every remembered one when the window is full is refused as too old. Clients that use
/// increasing nonces (a counter, or the time in ns) never hit the lower bound, and requests in
/// flight may still arrive slightly out of order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonceWindow {
    capacity: usize,
    seen: BTreeSet<u64>,
}

impl NonceWindow {
    /// A window of `capacity` nonces (at least 1).
    pub fn new(capacity: usize) -> Self {
        NonceWindow {
            capacity: capacity.max(1),
            seen: BTreeSet::new(),
        }
    }

    /// Records `nonce` if it is fresh; returns whether it was.
    pub fn check_and_insert(&mut self, nonce: u64) -> bool {
        if self.seen.contains(&nonce) {
            return false;
        }
        if self.seen.len() >= self.capacity {
            match self.seen.first() {
                Some(&oldest) if nonce < oldest => return false,
                _ => {}
            }
        }
        self.seen.insert(nonce);
        while self.seen.len() > self.capacity {
            self.seen.pop_first();
        }
        true
    }

    /// The number of nonces remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no nonce was seen yet.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_repeats_and_stale_nonces() {
        let mut w = NonceWindow::new(3);
        assert!(w.check_and_insert(10));
        assert!(!w.check_and_insert(10));
        assert!(w.check_and_insert(5));
        assert!(w.check_and_insert(20));
        assert!(!w.check_and_insert(4), "window full, below the oldest");
        assert!(w.check_and_insert(15));
        assert_eq!(w.len(), 3);
        assert!(!w.check_and_insert(5), "evicted, now below the window");
        assert!(!w.check_and_insert(20));
    }
}
