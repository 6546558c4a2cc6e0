//! A fast hasher for the engine's sequential integer order ids.

use std::hash::{BuildHasherDefault, Hasher};

/// Fibonacci hashing of a single `u64`: sequential ids spread over the table at the cost of
/// one multiplication. Not for untrusted keys of arbitrary shape; order ids are ours.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The `BuildHasher` for [`IdHasher`].
pub(crate) type BuildIdHasher = BuildHasherDefault<IdHasher>;
