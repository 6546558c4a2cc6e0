//! The P&L curve: a bounded in-memory ring of samples of the `total` field (and one per market)
//! of `{ns}:state:pnl`, taken by the live-metrics loop once per `api.ws_interval_ms` and kept for
//! the last `api.pnl_history_len` samples. It starts empty when the API starts; execution's
//! hash remains the source of truth.

use std::collections::VecDeque;
use std::sync::Mutex;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::Pnl;

/// One point of the P&L curve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PnlSample {
    /// When it was sampled, UTC ns.
    pub ts: i64,
    /// Realised P&L, quote units.
    pub realized: Decimal,
    /// Unrealised P&L, quote units.
    pub unrealized: Decimal,
    /// Fees, quote units.
    pub fees: Decimal,
    /// Net P&L, quote units.
    pub net: Decimal,
}

/// The ring of samples, shared by the sampler and the readers.
#[derive(Debug)]
pub struct PnlHistory {
    capacity: usize,
    samples: Mutex<VecDeque<PnlSample>>,
}

impl PnlHistory {
    /// An empty history keeping at most `capacity` samples (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        PnlHistory {
            capacity,
            samples: Mutex::new(VecDeque::with_capacity(capacity.min(65_536))),
        }
    }

    /// Appends the total P&L seen at `ts`, dropping the oldest sample when full.
    pub fn record(&self, ts: i64, total: &Pnl) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() == self.capacity {
            samples.pop_front();
        }
        samples.push_back(PnlSample {
            ts,
            realized: total.realized,
            unrealized: total.unrealized,
            fees: total.fees,
            net: total.net,
        });
    }

    /// The newest `n` samples, oldest first.
    pub fn last(&self, n: usize) -> Vec<PnlSample> {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        let skip = samples.len().saturating_sub(n);
        samples.iter().skip(skip).cloned().collect()
    }

    /// Every sample kept, oldest first.
    pub fn all(&self) -> Vec<PnlSample> {
        self.last(self.capacity)
    }

    /// The most samples kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pnl(net: i64) -> Pnl {
        Pnl {
            realized: Decimal::from(net),
            unrealized: Decimal::ZERO,
            fees: Decimal::ZERO,
            net: Decimal::from(net),
            ts: 0,
        }
    }

    #[test]
    fn keeps_the_newest_samples_in_order() {
        let history = PnlHistory::new(3);
        for i in 0..5 {
            history.record(i, &pnl(i * 10));
        }
        let all = history.all();
        assert_eq!(all.iter().map(|s| s.ts).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(all[2].net, Decimal::from(40));
        assert_eq!(
            history.last(2).iter().map(|s| s.ts).collect::<Vec<_>>(),
            [3, 4]
        );
        assert_eq!(history.last(10).len(), 3);
    }
}
