//! [`Uncrossed`]: the live book kept uncrossed with the importer's policy: the `bookTicker`
//! (the exact top) wins.
//!
//! Binance's 100 ms spot diffs applied to its REST snapshot leave the book crossed at times:
//! a level the venue no longer has is never removed by a diff. Each level remembers the update
//! id that last set it, and the last ticker is kept:
//!
//! - a diff older than the last ticker (its `u` ≤ the ticker's) does not set levels beyond
//!   the ticker's prices (bids above its bid, asks below its ask): they are stale (counted as
//!   overridden);
//! - after every diff and snapshot, levels beyond the last ticker that were set before it are
//!   removed (counted as crossed fixes): the ticker is the exact top at its id;
//! - then, while the best bid is at or above the best ask, the one set by the older update is
//!   removed (the ask on a tie; counted as crossed fixes).
//!
//! The removals go out in the same delta as the diff (a ticker does not make a delta of its
//! own: its id is not a diff's, and a delta's `seq` stays the diff's `u`), so every snapshot
//! and delta the feed yields leaves the book uncrossed, which FlashMM's `OrderBook` requires.

use flashmm_core::book::BookLevel;
use flashmm_core::market::{Price, Qty, Side};
use std::collections::{BTreeMap, BTreeSet};

/// The last `bookTicker`'s id and prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ticker {
    update_id: u64,
    bid: Price,
    ask: Price,
}

/// What the policy removed or ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fixes {
    /// Levels removed as crossing the ticker or a newer level.
    pub crossed: u64,
    /// Diff levels ignored as beyond a newer ticker.
    pub overridden: u64,
}

/// One symbol's levels, with the id that set each, and its last ticker.
#[derive(Debug, Default)]
pub(crate) struct Uncrossed {
    bids: BTreeMap<Price, (Qty, u64)>,
    asks: BTreeMap<Price, (Qty, u64)>,
    ticker: Option<Ticker>,
}

impl Uncrossed {
    /// Takes a `bookTicker` (bid < ask, checked by the caller); an older one than the last is
    /// ignored.
    pub fn on_ticker(&mut self, update_id: u64, bid: Price, ask: Price) {
        if self.ticker.is_none_or(|t| t.update_id <= update_id) {
            self.ticker = Some(Ticker {
                update_id,
                bid,
                ask,
            });
        }
    }

    /// Replaces the book with a snapshot at `last`; returns its levels once settled, best
    /// first.
    pub fn snapshot(
        &mut self,
        last: u64,
        bids: &[BookLevel],
        asks: &[BookLevel],
        fixes: &mut Fixes,
    ) -> (Vec<BookLevel>, Vec<BookLevel>) {
        self.bids.clear();
        self.asks.clear();
        let mut touched = BTreeSet::new();
        for (side, levels) in [(Side::Buy, bids), (Side::Sell, asks)] {
            for l in levels {
                self.set(side, l.price, l.qty, last, &mut touched);
            }
        }
        self.settle(fixes, &mut touched);
        let level = |(&p, &(q, _)): (&Price, &(Qty, u64))| BookLevel::new(p, q);
        (
            self.bids.iter().rev().map(level).collect(),
            self.asks.iter().map(level).collect(),
        )
    }

    /// Applies a diff whose last id is `last`; returns the delta's levels (size zero:
    /// removed), each price once, bids then asks.
    pub fn diff(
        &mut self,
        last: u64,
        bids: &[BookLevel],
        asks: &[BookLevel],
        fixes: &mut Fixes,
    ) -> (Vec<BookLevel>, Vec<BookLevel>) {
        let newer = self.ticker.filter(|t| t.update_id >= last);
        let mut touched = BTreeSet::new();
        for (side, levels) in [(Side::Buy, bids), (Side::Sell, asks)] {
            for l in levels {
                if newer.is_some_and(|t| beyond(side, l.price, t)) {
                    fixes.overridden += 1;
                    continue;
                }
                self.set(side, l.price, l.qty, last, &mut touched);
            }
        }
        self.settle(fixes, &mut touched);
        let (mut out_bids, mut out_asks) = (Vec::new(), Vec::new());
        for (side, price) in touched {
            let qty = self.side(side).get(&price).map_or(Qty::ZERO, |&(q, _)| q);
            match side {
                Side::Buy => out_bids.push(BookLevel::new(price, qty)),
                Side::Sell => out_asks.push(BookLevel::new(price, qty)),
            }
        }
        (out_bids, out_asks)
    }

    /// Removes levels beyond the last ticker set before it, then uncrosses by age.
    fn settle(&mut self, fixes: &mut Fixes, touched: &mut BTreeSet<(Side, Price)>) {
        if let Some(t) = self.ticker {
            for side in [Side::Buy, Side::Sell] {
                let stale: Vec<Price> = self
                    .side(side)
                    .iter()
                    .filter(|(&p, &(_, at))| at < t.update_id && beyond(side, p, t))
                    .map(|(&p, _)| p)
                    .collect();
                for p in stale {
                    fixes.crossed += 1;
                    self.remove(side, p, touched);
                }
            }
        }
        loop {
            let (Some((&bid, &(_, bid_at))), Some((&ask, &(_, ask_at)))) =
                (self.bids.last_key_value(), self.asks.first_key_value())
            else {
                return;
            };
            if bid < ask {
                return;
            }
            fixes.crossed += 1;
            if bid_at < ask_at {
                self.remove(Side::Buy, bid, touched);
            } else {
                self.remove(Side::Sell, ask, touched);
            }
        }
    }

    fn side(&self, side: Side) -> &BTreeMap<Price, (Qty, u64)> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Price, (Qty, u64)> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    fn set(
        &mut self,
        side: Side,
        price: Price,
        qty: Qty,
        at: u64,
        touched: &mut BTreeSet<(Side, Price)>,
    ) {
        if qty.is_zero() {
            self.side_mut(side).remove(&price);
        } else {
            self.side_mut(side).insert(price, (qty, at));
        }
        touched.insert((side, price));
    }

    fn remove(&mut self, side: Side, price: Price, touched: &mut BTreeSet<(Side, Price)>) {
        self.side_mut(side).remove(&price);
        touched.insert((side, price));
    }
}

/// Whether `price` on `side` is better than the ticker's (a bid above its bid, an ask below
/// its ask).
fn beyond(side: Side, price: Price, t: Ticker) -> bool {
    match side {
        Side::Buy => price > t.bid,
        Side::Sell => price < t.ask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    #[test]
    fn a_newer_ticker_removes_stale_levels_beyond_it_in_the_next_delta() {
        let mut b = Uncrossed::default();
        let mut f = Fixes::default();
        let (bids, asks) = b.snapshot(10, &[lv(100, 1), lv(99, 1)], &[lv(101, 1)], &mut f);
        assert_eq!((bids.len(), asks.len(), f), (2, 1, Fixes::default()));
        // The venue's best bid is now 99: the 100 bid is gone there, no diff said so.
        b.on_ticker(12, Price::from_ticks(99), Price::from_ticks(101));
        // A diff older than the ticker cannot bring a bid above it back.
        let (bids, asks) = b.diff(11, &[lv(100, 5), lv(98, 2)], &[], &mut f);
        assert_eq!(bids, [lv(98, 2), lv(100, 0)]);
        assert!(asks.is_empty());
        assert_eq!(
            f,
            Fixes {
                crossed: 1,
                overridden: 1
            }
        );
        // A diff newer than the ticker applies as sent.
        let (bids, _) = b.diff(13, &[lv(100, 3)], &[], &mut f);
        assert_eq!(bids, [lv(100, 3)]);
    }

    #[test]
    fn a_crossing_diff_removes_the_older_opposite_level() {
        let mut b = Uncrossed::default();
        let mut f = Fixes::default();
        b.snapshot(10, &[lv(100, 1)], &[lv(102, 1), lv(103, 1)], &mut f);
        // A newer bid at 102: the ask at 102, set before, is stale.
        let (bids, asks) = b.diff(11, &[lv(102, 4)], &[], &mut f);
        assert_eq!(bids, [lv(102, 4)]);
        assert_eq!(asks, [lv(102, 0)]);
        assert_eq!(f.crossed, 1);
        // A diff crossing itself loses its ask (a tie of ages).
        let (bids, asks) = b.diff(12, &[lv(104, 1)], &[lv(103, 0), lv(104, 2)], &mut f);
        assert_eq!(bids, [lv(104, 1)]);
        assert_eq!(asks, [lv(103, 0), lv(104, 0)]);
    }

    #[test]
    fn a_snapshot_older_than_the_ticker_is_settled() {
        let mut b = Uncrossed::default();
        let mut f = Fixes::default();
        b.on_ticker(20, Price::from_ticks(100), Price::from_ticks(102));
        let (bids, asks) = b.snapshot(
            15,
            &[lv(101, 1), lv(100, 1)],
            &[lv(101, 2), lv(103, 1)],
            &mut f,
        );
        assert_eq!(bids, [lv(100, 1)]);
        assert_eq!(asks, [lv(103, 1)]);
        assert_eq!(f.crossed, 2);
        // An older ticker than the last is ignored.
        b.on_ticker(19, Price::from_ticks(90), Price::from_ticks(91));
        let (bids, _) = b.diff(21, &[lv(99, 1)], &[], &mut f);
        assert_eq!(bids, [lv(99, 1)]);
    }
}
