//! [`ClientIdGenerator`]: deterministic client order ids, unique across restarts.

use crate::identifiers::{ClientOrderId, IdError};
use serde::{Deserialize, Serialize};

/// Issues `{tag}-{epoch}-{seq}` ids: `tag` names the market, `epoch` is a counter the caller
/// persists and bumps at every start (so a restarted process never reuses an id, even for
/// orders it did not live to record), `seq` counts orders within the epoch from 1. The same
/// (epoch, sequence of calls) gives the same ids: replays are reproducible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientIdGenerator {
    tag: String,
    epoch: u64,
    seq: u64,
}

impl ClientIdGenerator {
    /// The longest tag kept (so ids stay within [`ClientOrderId::MAX_LEN`]).
    pub const MAX_TAG: usize = 8;

    /// A generator for `market_key` (e.g. `SEI-USDC`: letters and digits are kept, up to
    /// [`Self::MAX_TAG`]) in `epoch`.
    pub fn new(market_key: &str, epoch: u64) -> Self {
        let tag: String = market_key
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(Self::MAX_TAG)
            .collect();
        ClientIdGenerator { tag, epoch, seq: 0 }
    }

    /// The epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Ids issued so far in this epoch.
    pub fn issued(&self) -> u64 {
        self.seq
    }

    /// The next id.
    pub fn next_id(&mut self) -> Result<ClientOrderId, IdError> {
        self.seq += 1;
        ClientOrderId::new(format!("{}-{}-{}", self.tag, self.epoch, self.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distinct_across_epochs() {
        let mut a = ClientIdGenerator::new("SEI-USDC", 7);
        let mut b = ClientIdGenerator::new("SEI-USDC", 7);
        let ids: Vec<_> = (0..3).map(|_| a.next_id().unwrap()).collect();
        assert_eq!(ids[0].as_str(), "SEIUSDC-7-1");
        assert_eq!(
            ids,
            (0..3).map(|_| b.next_id().unwrap()).collect::<Vec<_>>()
        );
        let mut next = ClientIdGenerator::new("SEI-USDC", 8);
        assert_ne!(next.next_id().unwrap(), ids[0]);
        let mut long = ClientIdGenerator::new("VERYLONGNAME-USDC", u64::MAX);
        for _ in 0..3 {
            long.next_id().unwrap();
        }
        assert_eq!(long.issued(), 3);
    }
}
