//! [`FillLedger`]: which fills were already booked, so a fill reported twice (order answer,
//! event stream, reconciliation after a restart) moves the position once.

use super::Fill;
use crate::time::UnixNanos;
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};

/// The keys of the most recent fills booked and the latest fill time (the cursor a restart
/// asks the venue for fills after).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillLedger {
    /// The latest fill time booked.
    last_ts: Option<UnixNanos>,
    /// `(ts, key)` of the most recent fills, oldest first.
    recent: VecDeque<(UnixNanos, String)>,
    #[serde(skip)]
    keys: HashSet<String>,
}

impl FillLedger {
    /// Fills remembered for deduplication.
    pub const CAPACITY: usize = 4_096;

    /// An empty ledger.
    pub fn new() -> Self {
        FillLedger::default()
    }

    fn key(fill: &Fill) -> String {
        format!("{}/{}", fill.trade_id, fill.client_id)
    }

    /// Records `fill`; `true` when it was not booked before and must be applied.
    pub fn accept(&mut self, fill: &Fill) -> bool {
        if self.keys.len() != self.recent.len() {
            self.keys = self.recent.iter().map(|(_, k)| k.clone()).collect();
        }
        let key = Self::key(fill);
        if self.keys.contains(&key) {
            return false;
        }
        self.keys.insert(key.clone());
        self.recent.push_back((fill.ts, key));
        if self.recent.len() > Self::CAPACITY {
            if let Some((_, old)) = self.recent.pop_front() {
                self.keys.remove(&old);
            }
        }
        self.last_ts = Some(self.last_ts.map_or(fill.ts, |t| t.max(fill.ts)));
        true
    }

    /// The client order ids of the fills remembered (each once, oldest first): the orders a
    /// restart may see again among the venue's fills.
    pub fn client_ids(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.recent
            .iter()
            .filter_map(|(_, key)| key.rsplit_once('/').map(|(_, id)| id))
            .filter(|id| seen.insert(*id))
            .collect()
    }

    /// The latest fill time booked.
    pub fn last_ts(&self) -> Option<UnixNanos> {
        self.last_ts
    }

    /// Where to ask the venue for fills after a restart: `slack_ns` before the latest fill
    /// booked, so fills with equal or slightly out-of-order times are seen again (and
    /// deduplicated); 0 before any fill.
    pub fn resume_from(&self, slack_ns: i64) -> i64 {
        self.last_ts
            .map_or(0, |t| t.as_i64().saturating_sub(slack_ns).max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::{ClientOrderId, TradeId, VenueOrderId};
    use crate::market::{MarketId, Price, Qty, Side};
    use crate::order::Liquidity;
    use rust_decimal::Decimal;

    fn fill(trade: &str, ts: i64) -> Fill {
        Fill {
            market: MarketId::new("SEI/USDC").unwrap(),
            client_id: ClientOrderId::new("c-1").unwrap(),
            venue_order_id: VenueOrderId::new("v1").unwrap(),
            trade_id: TradeId::new(trade).unwrap(),
            side: Side::Buy,
            price: Price::from_ticks(1),
            qty: Qty::from_lots(1),
            fee: Decimal::ZERO,
            liquidity: Liquidity::Maker,
            ts: UnixNanos(ts),
        }
    }

    #[test]
    fn duplicates_are_refused_even_after_a_round_trip() {
        let mut l = FillLedger::new();
        assert_eq!(l.resume_from(5), 0);
        assert!(l.accept(&fill("a", 10)));
        assert!(l.accept(&fill("b", 8)));
        assert!(!l.accept(&fill("a", 10)));
        assert_eq!(l.last_ts(), Some(UnixNanos(10)));
        assert_eq!(l.resume_from(5), 5);
        let saved = serde_json::to_string(&l).unwrap();
        let mut back: FillLedger = serde_json::from_str(&saved).unwrap();
        assert!(!back.accept(&fill("b", 8)), "restored ledger remembers");
        assert!(back.accept(&fill("c", 11)));
    }
}
