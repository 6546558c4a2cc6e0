//! The book rebuilt from Binance depth diffs around the exact top of book.
//!
//! Levels are plain maps of price to size, with the venue update id that last set each
//! price, so that conflicting information is settled by age: the newer update wins. See the
//! crate README ("Binance importer") for the rules.

use crate::import::ImportStats;
use flashmm_core::book::BookLevel;
use flashmm_core::market::{Price, Qty, Side};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

/// How a depth update relates to the book's last update id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqCheck {
    /// The book has no depth state yet: the update starts it.
    Start,
    /// The update follows the last one.
    Next,
    /// The update is already covered (its last id is not after the book's).
    Stale,
    /// Updates were missed between the book's last id and this update.
    Gap,
}

/// The last exact top of book (`bookTicker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// Its venue update id.
    pub update_id: u64,
    /// The best bid.
    pub bid: BookLevel,
    /// The best ask.
    pub ask: BookLevel,
}

/// The rebuilt book and the bookkeeping to turn its changes into deltas.
#[derive(Debug, Default)]
pub(crate) struct DiffBook {
    bids: BTreeMap<Price, Qty>,
    asks: BTreeMap<Price, Qty>,
    /// The venue update id that last set (or removed) each price.
    touched: HashMap<(Side, Price), u64>,
    /// The last update id the book includes; `None` before any depth state.
    last_update: Option<u64>,
    /// Set after a full snapshot: the next diff only has to overlap this id.
    overlap_from: Option<u64>,
    anchor: Option<Anchor>,
    /// Levels changed since the last [`DiffBook::take_changes`], with their size before.
    changes: BTreeMap<(Side, Price), Qty>,
}

impl DiffBook {
    /// Whether depth state exists (a diff or a snapshot was applied since the last reset).
    pub fn is_started(&self) -> bool {
        self.last_update.is_some()
    }

    /// How a diff with ids `first..=last` (and, on futures, previous id `prev`) relates to
    /// the book. Spot: `first` must be the last id + 1. Futures: `prev` must equal the last
    /// id. After a full snapshot the diff only has to span the snapshot's id + 1.
    pub fn check_sequence(&self, first: u64, last: u64, prev: Option<u64>) -> SeqCheck {
        let Some(book_last) = self.last_update else {
            return SeqCheck::Start;
        };
        if last <= book_last {
            return SeqCheck::Stale;
        }
        let follows = match (self.overlap_from, prev) {
            (Some(snapshot), _) => first <= snapshot.saturating_add(1),
            (None, Some(prev)) => prev == book_last,
            (None, None) => Some(first) == book_last.checked_add(1),
        };
        if follows {
            SeqCheck::Next
        } else {
            SeqCheck::Gap
        }
    }

    /// Throws the depth state away (after a gap); the last top of book is kept.
    pub fn reset(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.touched.clear();
        self.last_update = None;
        self.overlap_from = None;
        self.changes.clear();
    }

    /// Applies a diff whose last id is `last`. Levels at or better than the last top of book
    /// are ignored when that top is newer than the diff; then crossed levels are settled.
    pub fn apply_diff(
        &mut self,
        last: u64,
        bids: &[BookLevel],
        asks: &[BookLevel],
        stats: &mut ImportStats,
    ) {
        self.last_update = Some(last);
        self.overlap_from = None;
        let newer_top = self.anchor.filter(|a| last <= a.update_id);
        for (side, levels) in [(Side::Buy, bids), (Side::Sell, asks)] {
            for &level in levels {
                if let Some(a) = newer_top {
                    let covered = match side {
                        Side::Buy => level.price >= a.bid.price,
                        Side::Sell => level.price <= a.ask.price,
                    };
                    if covered {
                        stats.ticker_overrides += 1;
                        continue;
                    }
                }
                self.set(side, level.price, level.qty, last);
            }
        }
        self.uncross(stats);
    }

    /// Makes `anchor` the exact top: levels better than its prices are removed, its sizes
    /// set. It wins whatever its age, so after it the book's best levels are exactly its own.
    pub fn apply_top(&mut self, anchor: Anchor, stats: &mut ImportStats) {
        self.anchor = Some(anchor);
        self.clamp_to(anchor, stats);
    }

    /// Makes the book exactly `anchor`'s two levels (a capture without depth): every other
    /// level is removed.
    pub fn replace_with_top(&mut self, anchor: Anchor) {
        self.anchor = Some(anchor);
        let others: Vec<(Side, Price)> = self
            .bids
            .keys()
            .filter(|&&p| p != anchor.bid.price)
            .map(|&p| (Side::Buy, p))
            .chain(
                self.asks
                    .keys()
                    .filter(|&&p| p != anchor.ask.price)
                    .map(|&p| (Side::Sell, p)),
            )
            .collect();
        for (side, p) in others {
            self.set(side, p, Qty::ZERO, anchor.update_id);
        }
        self.set(
            Side::Buy,
            anchor.bid.price,
            anchor.bid.qty,
            anchor.update_id,
        );
        self.set(
            Side::Sell,
            anchor.ask.price,
            anchor.ask.qty,
            anchor.update_id,
        );
    }

    /// Merges a full snapshot taken at update id `last`: each price takes the snapshot's
    /// size unless a newer diff has set it; prices inside the snapshot's range that it lacks
    /// are removed unless a newer diff set them. A top of book newer than the snapshot is
    /// re-applied, then crossed levels are settled.
    pub fn apply_snapshot(
        &mut self,
        last: u64,
        bids: &[BookLevel],
        asks: &[BookLevel],
        stats: &mut ImportStats,
    ) {
        for (side, levels) in [(Side::Buy, bids), (Side::Sell, asks)] {
            let (Some(lo), Some(hi)) = (
                levels.iter().map(|l| l.price).min(),
                levels.iter().map(|l| l.price).max(),
            ) else {
                continue;
            };
            let listed: BTreeSet<Price> = levels.iter().map(|l| l.price).collect();
            let stale: Vec<Price> = self
                .side(side)
                .range(lo..=hi)
                .map(|(&p, _)| p)
                .filter(|p| !listed.contains(p))
                .filter(|&p| self.set_at(side, p) <= last)
                .collect();
            for p in stale {
                self.set(side, p, Qty::ZERO, last);
            }
            for l in levels {
                if self.set_at(side, l.price) <= last {
                    self.set(side, l.price, l.qty, last);
                }
            }
        }
        if self.last_update.is_none_or(|l| l < last) {
            self.last_update = Some(last);
            self.overlap_from = Some(last);
        }
        if let Some(a) = self.anchor.filter(|a| a.update_id > last) {
            self.clamp_to(a, stats);
        }
        self.uncross(stats);
    }

    /// The levels of a side, best first.
    pub fn levels(&self, side: Side) -> Vec<BookLevel> {
        let level = |(&p, &q): (&Price, &Qty)| BookLevel::new(p, q);
        match side {
            Side::Buy => self.bids.iter().rev().map(level).collect(),
            Side::Sell => self.asks.iter().map(level).collect(),
        }
    }

    /// The levels changed since the last call, as delta levels (size zero: removed), bids then
    /// asks; levels set back to their earlier size are left out.
    pub fn take_changes(&mut self) -> (Vec<BookLevel>, Vec<BookLevel>) {
        let (mut bids, mut asks) = (Vec::new(), Vec::new());
        for ((side, price), before) in std::mem::take(&mut self.changes) {
            let now = self.side(side).get(&price).copied().unwrap_or(Qty::ZERO);
            if now != before {
                match side {
                    Side::Buy => bids.push(BookLevel::new(price, now)),
                    Side::Sell => asks.push(BookLevel::new(price, now)),
                }
            }
        }
        (bids, asks)
    }

    /// Removes levels better than the anchor's prices and sets its sizes.
    fn clamp_to(&mut self, a: Anchor, stats: &mut ImportStats) {
        let above: Vec<Price> = self
            .bids
            .range((Bound::Excluded(a.bid.price), Bound::Unbounded))
            .map(|(&p, _)| p)
            .collect();
        let below: Vec<Price> = self.asks.range(..a.ask.price).map(|(&p, _)| p).collect();
        stats.crossed_fixes += (above.len() + below.len()) as u64;
        for p in above {
            self.set(Side::Buy, p, Qty::ZERO, a.update_id);
        }
        for p in below {
            self.set(Side::Sell, p, Qty::ZERO, a.update_id);
        }
        self.set(Side::Buy, a.bid.price, a.bid.qty, a.update_id);
        self.set(Side::Sell, a.ask.price, a.ask.qty, a.update_id);
    }

    /// While the best bid is at or above the best ask, removes whichever of the two was set
    /// by the older update (the ask on a tie).
    fn uncross(&mut self, stats: &mut ImportStats) {
        loop {
            let (Some((&bid, _)), Some((&ask, _))) =
                (self.bids.last_key_value(), self.asks.first_key_value())
            else {
                return;
            };
            if bid < ask {
                return;
            }
            let (bid_at, ask_at) = (self.set_at(Side::Buy, bid), self.set_at(Side::Sell, ask));
            stats.crossed_fixes += 1;
            if bid_at < ask_at {
                self.set(Side::Buy, bid, Qty::ZERO, ask_at);
            } else {
                self.set(Side::Sell, ask, Qty::ZERO, bid_at);
            }
        }
    }

    /// The update id that last set `price` on `side` (0 when never).
    fn set_at(&self, side: Side, price: Price) -> u64 {
        self.touched.get(&(side, price)).copied().unwrap_or(0)
    }

    fn side(&self, side: Side) -> &BTreeMap<Price, Qty> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// Sets a level's size (zero removes it), remembering its size before for the delta.
    fn set(&mut self, side: Side, price: Price, qty: Qty, update_id: u64) {
        let map = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let before = if qty.is_zero() {
            map.remove(&price)
        } else {
            map.insert(price, qty)
        }
        .unwrap_or(Qty::ZERO);
        self.touched.insert((side, price), update_id);
        self.changes.entry((side, price)).or_insert(before);
    }
}
