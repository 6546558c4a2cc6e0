//! [`NonceSeq`]: the nonces of one signer, millisecond timestamps strictly increasing.

use serde::{Deserialize, Serialize};

/// The nonces of one signer. Hyperliquid wants a nonce close to the current time in
/// milliseconds and never reused by the signer (it keeps the highest ones it saw), so each
/// nonce is the clock, or one more than the previous nonce when the clock has not moved on.
/// Pure: the caller passes the clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceSeq {
    last: u64,
}

impl NonceSeq {
    /// A sequence that has issued nothing.
    pub const fn new() -> Self {
        NonceSeq { last: 0 }
    }

    /// A sequence resuming after `last` (e.g. the highest nonce persisted before a restart).
    pub const fn resume_after(last: u64) -> Self {
        NonceSeq { last }
    }

    /// The next nonce at `now_ms` (UTC milliseconds): `max(now_ms, last + 1)`.
    pub fn next(&mut self, now_ms: u64) -> u64 {
        let nonce = now_ms.max(self.last.saturating_add(1));
        self.last = nonce;
        nonce
    }

    /// The last nonce issued (0 when none).
    pub const fn last(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing_whatever_the_clock() {
        let mut seq = NonceSeq::new();
        assert_eq!(seq.next(1_000), 1_000);
        assert_eq!(seq.next(1_000), 1_001);
        assert_eq!(seq.next(999), 1_002);
        assert_eq!(seq.next(5_000), 5_000);
        assert_eq!(seq.last(), 5_000);
        let mut resumed = NonceSeq::resume_after(5_000);
        assert_eq!(resumed.next(4_000), 5_001);
    }
}
