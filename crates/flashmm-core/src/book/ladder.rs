//! One side of a book: a window of price slots around the touch, and the levels beyond it.
//!
//! Prices are integers of ticks, so a level's place is its price: the window holds one
//! quantity per tick with a bit per slot saying whether a level is there, and setting a level
//! is a store, whatever the depth. Finding the next best level after the best is removed, or
//! walking the levels best first, skips 64 empty slots per bit word. The window spans at most
//! [`MAX_WORDS`] × 64 ticks from just above the touch; levels worse than its far end (a few
//! stray orders far from the market) are kept sorted in `far`. The window follows the touch:
//! it grows, by doubling, until it covers the side, and when the touch leaves it, it is moved
//! so the touch sits a quarter of the window from its better end.
//!
//! Internally a price is a key that grows with how good the price is: the price itself for
//! bids, its negation for asks.

use super::{BookError, BookLevel};
use crate::market::{Price, Qty, Side};

/// Most 64-slot words a window spans: 65 536 ticks (512 KiB of quantities) in use; small under
/// test, so that the property tests move the window and use `far` all the time.
const MAX_WORDS: usize = if cfg!(test) { 2 } else { 1024 };

/// A side's levels, best first.
#[derive(Debug, Clone)]
pub struct Levels<'a> {
    side: Side,
    lo: i64,
    qty: &'a [i64],
    mask: &'a [u64],
    /// Words below the current one still to read.
    words_left: usize,
    /// Unread bits of the current word.
    bits: u64,
    far: std::iter::Rev<std::slice::Iter<'a, BookLevel>>,
    remaining: usize,
}

impl Iterator for Levels<'_> {
    type Item = BookLevel;

    #[inline]
    fn next(&mut self) -> Option<BookLevel> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        loop {
            if self.bits != 0 {
                let bit = 63 - self.bits.leading_zeros() as usize;
                self.bits &= !(1u64 << bit);
                let slot = self.words_left * 64 + bit;
                let key = self.lo + slot as i64;
                return Some(BookLevel::new(
                    price_of(self.side, key),
                    Qty::from_lots(self.qty[slot]),
                ));
            }
            if self.words_left == 0 {
                break;
            }
            self.words_left -= 1;
            self.bits = self.mask[self.words_left];
        }
        self.far.next().copied()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Levels<'_> {}

/// The levels of one side.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    side: Side,
    /// Key of slot 0.
    lo: i64,
    /// Lots by slot (key `lo + slot`); zero where there is no level.
    qty: Vec<i64>,
    /// Bit `k` of word `w` is set when slot `64 w + k` holds a level.
    mask: Vec<u64>,
    /// Slot of the best level in the window.
    best: Option<usize>,
    /// Levels in the window.
    count: usize,
    /// Levels worse than every slot of the window, worst first.
    far: Vec<BookLevel>,
}

impl PartialEq for Ladder {
    /// Same side and levels, wherever the window lies.
    fn eq(&self, other: &Self) -> bool {
        self.side == other.side && self.len() == other.len() && self.levels().eq(other.levels())
    }
}

impl Eq for Ladder {}

/// The key of `price` on `side`: larger is better (saturating: a lookup of any price is safe).
#[inline(always)]
fn key_of(side: Side, price: Price) -> i64 {
    match side {
        Side::Buy => price.ticks(),
        Side::Sell => price.ticks().saturating_neg(),
    }
}

/// The price of `key` on `side`.
#[inline(always)]
fn price_of(side: Side, key: i64) -> Price {
    match side {
        Side::Buy => Price::from_ticks(key),
        Side::Sell => Price::from_ticks(-key),
    }
}

/// The highest slot whose bit is set in `mask`.
fn highest_slot(mask: &[u64]) -> Option<usize> {
    let w = mask.iter().rposition(|&m| m != 0)?;
    Some(w * 64 + 63 - mask[w].leading_zeros() as usize)
}

/// Where a window for levels from `bottom` to `top` (keys) goes: its first key and size in
/// words. Room for the span and a quarter more, at least `min_words`, at most [`MAX_WORDS`];
/// up to a quarter of the window is left above `top` for better levels to come. When the span
/// does not fit, the levels below the window go to `far`.
fn placement(top: i64, bottom: i64, min_words: usize) -> (i64, usize) {
    let span = (i128::from(top) - i128::from(bottom) + 1).max(1);
    let wanted = (span + span / 4 + 63) / 64;
    let words = usize::try_from(wanted)
        .unwrap_or(MAX_WORDS)
        .max(min_words)
        .clamp(1, MAX_WORDS);
    let width = (words * 64) as i128;
    let head = if span <= width {
        (width / 4).min(width - span)
    } else {
        width / 4
    };
    let hi = (i128::from(top) + 1 + head).min(i128::from(i64::MAX) + 1);
    let lo = (hi - width).max(i128::from(i64::MIN));
    (lo as i64, words)
}

impl Ladder {
    /// An empty ladder for `side`.
    pub(crate) fn new(side: Side) -> Self {
        Ladder {
            side,
            lo: 0,
            qty: Vec::new(),
            mask: Vec::new(),
            best: None,
            count: 0,
            far: Vec::new(),
        }
    }

    /// Levels on this side.
    #[inline]
    fn len(&self) -> usize {
        self.count + self.far.len()
    }

    /// The levels, best first.
    #[inline]
    pub(crate) fn levels(&self) -> Levels<'_> {
        self.top(self.len())
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<BookLevel> {
        match self.best {
            Some(slot) => Some(self.level_at(slot)),
            None => self.far.last().copied(),
        }
    }

    /// The best `n` levels, best first (fewer when the side is shallower).
    #[inline]
    pub(crate) fn top(&self, n: usize) -> Levels<'_> {
        let (words_left, bits) = match self.best {
            Some(slot) => (slot / 64, self.mask[slot / 64]),
            None => (0, 0),
        };
        Levels {
            side: self.side,
            lo: self.lo,
            qty: &self.qty,
            mask: &self.mask,
            words_left,
            bits,
            far: self.far.iter().rev(),
            remaining: n.min(self.len()),
        }
    }

    /// The total quantity of the best `n` levels.
    pub(crate) fn total(&self, n: usize) -> Qty {
        Qty::from_lots(
            self.top(n)
                .fold(0i64, |acc, l| acc.saturating_add(l.qty.lots())),
        )
    }

    /// The quantity at `price` (zero when there is no such level).
    #[inline]
    pub(crate) fn qty_at(&self, price: Price) -> Qty {
        let key = key_of(self.side, price);
        match self.slot(key) {
            Some(slot) => Qty::from_lots(self.qty[slot]),
            None => match self.far_search(key) {
                Ok(i) => self.far[i].qty,
                Err(_) => Qty::ZERO,
            },
        }
    }

    /// The window's slot for `key`, if the window covers it.
    #[inline(always)]
    fn slot(&self, key: i64) -> Option<usize> {
        let d = key.checked_sub(self.lo)?;
        usize::try_from(d).ok().filter(|&d| d < self.qty.len())
    }

    #[inline(always)]
    fn level_at(&self, slot: usize) -> BookLevel {
        BookLevel::new(
            price_of(self.side, self.lo + slot as i64),
            Qty::from_lots(self.qty[slot]),
        )
    }

    /// Where `key` is (`Ok`) or would go (`Err`) in `far`.
    fn far_search(&self, key: i64) -> Result<usize, usize> {
        self.far
            .binary_search_by(|l| key_of(self.side, l.price).cmp(&key))
    }

    /// The best key on this side.
    fn best_key(&self) -> Option<i64> {
        self.best().map(|l| key_of(self.side, l.price))
    }

    /// The worst key in the window.
    fn window_worst_key(&self) -> Option<i64> {
        let w = self.mask.iter().position(|&m| m != 0)?;
        Some(self.lo + (w * 64 + self.mask[w].trailing_zeros() as usize) as i64)
    }

    /// Sets the quantity at a level; zero removes it. The level must have passed [`check`].
    ///
    /// [`check`]: Ladder::check
    #[inline]
    pub(crate) fn set(&mut self, level: BookLevel) {
        let key = key_of(self.side, level.price);
        let lots = level.qty.lots();
        if self.slot(key).is_none() && lots != 0 {
            self.make_room(key);
        }
        match self.slot(key) {
            Some(slot) => self.set_slot(slot, lots),
            None => self.set_far(key, level),
        }
    }

    #[inline(always)]
    fn set_slot(&mut self, slot: usize, lots: i64) {
        let (w, bit) = (slot / 64, 1u64 << (slot % 64));
        let present = self.mask[w] & bit != 0;
        self.qty[slot] = lots;
        match (present, lots != 0) {
            (false, true) => {
                self.mask[w] |= bit;
                self.count += 1;
                if self.best.is_none_or(|b| slot > b) {
                    self.best = Some(slot);
                }
            }
            (true, false) => {
                self.mask[w] &= !bit;
                self.count -= 1;
                if self.best == Some(slot) {
                    self.best = self.highest_below(slot);
                }
            }
            _ => {}
        }
    }

    /// The highest occupied slot below `slot`.
    fn highest_below(&self, slot: usize) -> Option<usize> {
        let w = slot / 64;
        let below = self.mask[w] & ((1u64 << (slot % 64)) - 1);
        if below != 0 {
            return Some(w * 64 + 63 - below.leading_zeros() as usize);
        }
        highest_slot(&self.mask[..w])
    }

    fn set_far(&mut self, key: i64, level: BookLevel) {
        match (self.far_search(key), level.qty.is_zero()) {
            (Ok(i), true) => {
                self.far.remove(i);
            }
            (Ok(i), false) => self.far[i].qty = level.qty,
            (Err(_), true) => {}
            (Err(i), false) => self.far.insert(i, level),
        }
    }

    /// Moves or grows the window for a level to come at `key`, outside it. A key better than
    /// the window always gets a slot; a worse one gets one while the window can grow, or when
    /// the touch has drifted an eighth of the window down from where it was placed (else it
    /// goes to `far`, as do the window's levels below a moved window).
    fn make_room(&mut self, key: i64) {
        let words = self.mask.len();
        let top = self.best_key().map_or(key, |b| b.max(key));
        let bottom = self.window_worst_key().map_or(key, |w| w.min(key));
        let (lo, new_words) = placement(top, bottom, (2 * words).min(MAX_WORDS));
        if key < self.lo && words == MAX_WORDS {
            let slide = i128::from(self.lo) - i128::from(lo);
            if key < lo || slide < (MAX_WORDS * 64 / 8) as i128 {
                return;
            }
        }
        self.rebase(lo, new_words);
    }

    /// Lays the window out again from key `lo` over `words` words: the window's levels below
    /// it go to `far`, the levels of `far` it now covers come into it. No level may be better
    /// than its end.
    fn rebase(&mut self, lo: i64, words: usize) {
        let mut qty = vec![0i64; words * 64];
        let mut mask = vec![0u64; words];
        let mut spilled = Vec::new();
        let place = |key: i64, lots: i64, qty: &mut Vec<i64>, mask: &mut Vec<u64>| {
            let slot = (key - lo) as usize;
            qty[slot] = lots;
            mask[slot / 64] |= 1u64 << (slot % 64);
        };
        for (w, &m) in self.mask.iter().enumerate() {
            let mut bits = m;
            while bits != 0 {
                let slot = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let key = self.lo + slot as i64;
                if key < lo {
                    spilled.push(self.level_at(slot));
                } else {
                    debug_assert!(
                        ((key - lo) as usize) < words * 64,
                        "a level above the window"
                    );
                    place(key, self.qty[slot], &mut qty, &mut mask);
                }
            }
        }
        let side = self.side;
        let covered = self.far.partition_point(|l| key_of(side, l.price) < lo);
        for l in self.far.drain(covered..) {
            place(key_of(side, l.price), l.qty.lots(), &mut qty, &mut mask);
        }
        self.far.extend(spilled);
        self.count = mask.iter().map(|m| m.count_ones() as usize).sum();
        self.lo = lo;
        self.qty = qty;
        self.mask = mask;
        self.best = highest_slot(&self.mask);
    }

    /// Replaces every level with `levels` (already checked, worst first, no zero quantities).
    pub(crate) fn replace(&mut self, levels: Vec<BookLevel>) {
        self.qty.clear();
        self.mask.clear();
        self.best = None;
        self.count = 0;
        self.lo = 0;
        self.far = levels;
        let (Some(worst), Some(best)) = (self.far.first(), self.far.last()) else {
            return;
        };
        let (top, bottom) = (
            key_of(self.side, best.price),
            key_of(self.side, worst.price),
        );
        let (lo, words) = placement(top, bottom, 1);
        self.rebase(lo, words);
    }

    /// Checks one delta's levels for this side: valid values and no price twice.
    pub(crate) fn check(&self, update: &[BookLevel]) -> Result<(), BookError> {
        check_values(self.side, update)?;
        match repeated_price(update) {
            Some(price) => Err(BookError::DuplicateLevel {
                side: self.side,
                price,
            }),
            None => Ok(()),
        }
    }

    /// The best price this side would have after applying `update`, without applying it.
    pub(crate) fn best_after(&self, update: &[BookLevel]) -> Option<Price> {
        // The best key the update sets, then the first standing level it neither beats nor
        // removes.
        let set = update
            .iter()
            .filter(|u| !u.qty.is_zero())
            .map(|u| key_of(self.side, u.price))
            .max();
        for level in self.levels() {
            let key = key_of(self.side, level.price);
            if set.is_some_and(|s| s >= key) {
                break;
            }
            if !update
                .iter()
                .any(|u| u.price == level.price && u.qty.is_zero())
            {
                return Some(level.price);
            }
        }
        set.map(|k| price_of(self.side, k))
    }

    /// Sorts checked snapshot levels worst first and drops empty ones.
    pub(crate) fn sort_snapshot(side: Side, levels: &mut Vec<BookLevel>) {
        levels.retain(|l| !l.qty.is_zero());
        levels.sort_unstable_by(|a, b| match side {
            Side::Buy => a.price.cmp(&b.price),
            Side::Sell => b.price.cmp(&a.price),
        });
    }

    /// The first price repeated in a sorted slice.
    pub(crate) fn first_duplicate(levels: &[BookLevel]) -> Option<Price> {
        levels
            .windows(2)
            .find(|w| w[0].price == w[1].price)
            .map(|w| w[0].price)
    }
}

/// A price `update` gives twice, if any.
///
/// Venues send a delta's levels in price order, where one pass over neighbours decides; a
/// short update in any other order is compared pair by pair, a long one sorted first (a
/// Binance diff holds dozens of levels).
fn repeated_price(update: &[BookLevel]) -> Option<Price> {
    let ordered = |ord: std::cmp::Ordering| {
        update
            .windows(2)
            .all(|w| w[0].price.cmp(&w[1].price) == ord)
    };
    if ordered(std::cmp::Ordering::Less) || ordered(std::cmp::Ordering::Greater) {
        return None;
    }
    if update.len() <= 16 {
        return update
            .iter()
            .enumerate()
            .find(|(i, l)| update[..*i].iter().any(|p| p.price == l.price))
            .map(|(_, l)| l.price);
    }
    let mut prices: Vec<Price> = update.iter().map(|l| l.price).collect();
    prices.sort_unstable();
    prices.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

/// Checks level values: positive prices and non-negative quantities.
pub(crate) fn check_values(side: Side, levels: &[BookLevel]) -> Result<(), BookError> {
    for l in levels {
        if l.price.ticks() <= 0 {
            return Err(BookError::InvalidPrice {
                side,
                price: l.price,
            });
        }
        if l.qty.is_negative() {
            return Err(BookError::NegativeQty {
                side,
                price: l.price,
                qty: l.qty,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A lookup of any price answers, the extremes included, on both sides.
    #[test]
    fn lookups_at_extreme_prices_find_nothing() {
        for side in [Side::Buy, Side::Sell] {
            let mut ladder = Ladder::new(side);
            ladder.set(BookLevel::new(Price::from_ticks(100), Qty::from_lots(3)));
            for ticks in [i64::MIN, -1, 0, i64::MAX] {
                assert_eq!(ladder.qty_at(Price::from_ticks(ticks)), Qty::ZERO);
            }
            assert_eq!(ladder.qty_at(Price::from_ticks(100)), Qty::from_lots(3));
        }
    }

    proptest::proptest! {
        /// A repeated price is found whatever the update's order and length (ordered updates
        /// take one pass, short ones pairs, long ones a sort).
        #[test]
        fn repeated_prices_are_found(
            prices in proptest::collection::vec(1i64..60, 0..40),
            order in 0u8..3,
        ) {
            let mut prices = prices;
            match order {
                0 => prices.sort_unstable(),
                1 => prices.sort_unstable_by(|a, b| b.cmp(a)),
                _ => {}
            }
            let update: Vec<BookLevel> = prices
                .iter()
                .map(|&p| BookLevel::new(Price::from_ticks(p), Qty::from_lots(1)))
                .collect();
            let distinct: std::collections::BTreeSet<i64> = prices.iter().copied().collect();
            let found = repeated_price(&update);
            proptest::prop_assert_eq!(found.is_some(), distinct.len() < prices.len());
            if let Some(p) = found {
                proptest::prop_assert!(prices.iter().filter(|&&q| q == p.ticks()).count() > 1);
            }
        }

        /// The best price after an update, found without applying it, is the best of the
        /// ladder with the update applied.
        #[test]
        fn best_after_is_the_best_once_applied(
            side in proptest::prop_oneof![proptest::strategy::Just(Side::Buy), proptest::strategy::Just(Side::Sell)],
            standing in proptest::collection::vec((1i64..300, 1i64..3), 0..60),
            update in proptest::collection::btree_map(1i64..300, 0i64..3, 0..20),
        ) {
            let mut ladder = Ladder::new(side);
            for (price, qty) in standing {
                ladder.set(BookLevel::new(Price::from_ticks(price), Qty::from_lots(qty)));
            }
            let update: Vec<BookLevel> = update
                .into_iter()
                .map(|(p, q)| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q)))
                .collect();
            let predicted = ladder.best_after(&update);
            for &l in &update {
                ladder.set(l);
            }
            proptest::prop_assert_eq!(predicted, ladder.best().map(|l| l.price));
        }

        /// Random sets on one side keep the window consistent (bits, quantities, count, best),
        /// `far` sorted and worse than the window, and the levels equal to a plain map's. Prices
        /// span several windows, so the window grows, moves and spills all the time.
        #[test]
        fn window_stays_well_formed(
            side in proptest::prop_oneof![proptest::strategy::Just(Side::Buy), proptest::strategy::Just(Side::Sell)],
            ops in proptest::collection::vec((1i64..700, 0i64..3), 0..600),
        ) {
            let mut ladder = Ladder::new(side);
            let mut model = BTreeMap::new();
            for (price, qty) in ops {
                ladder.set(BookLevel::new(Price::from_ticks(price), Qty::from_lots(qty)));
                if qty == 0 {
                    model.remove(&price);
                } else {
                    model.insert(price, qty);
                }
                proptest::prop_assert!(ladder.mask.len() <= MAX_WORDS);
                proptest::prop_assert_eq!(ladder.qty.len(), 64 * ladder.mask.len());
                for (slot, &lots) in ladder.qty.iter().enumerate() {
                    let bit = ladder.mask[slot / 64] & (1u64 << (slot % 64)) != 0;
                    proptest::prop_assert_eq!(bit, lots != 0);
                }
                let set: usize = ladder.mask.iter().map(|m| m.count_ones() as usize).sum();
                proptest::prop_assert_eq!(ladder.count, set);
                let highest = ladder.mask.iter().rposition(|&m| m != 0)
                    .map(|w| w * 64 + 63 - ladder.mask[w].leading_zeros() as usize);
                proptest::prop_assert_eq!(ladder.best, highest);
                let far_keys: Vec<i64> = ladder.far.iter().map(|l| key_of(side, l.price)).collect();
                proptest::prop_assert!(far_keys.windows(2).all(|w| w[0] < w[1]));
                proptest::prop_assert!(far_keys.iter().all(|&k| k < ladder.lo));
                proptest::prop_assert!(ladder.far.iter().all(|l| !l.qty.is_zero()));
                let want: Vec<(i64, i64)> = match side {
                    Side::Buy => model.iter().rev().map(|(&p, &q)| (p, q)).collect(),
                    Side::Sell => model.iter().map(|(&p, &q)| (p, q)).collect(),
                };
                let got: Vec<(i64, i64)> =
                    ladder.levels().map(|l| (l.price.ticks(), l.qty.lots())).collect();
                proptest::prop_assert_eq!(&got, &want);
                for (&p, &q) in &model {
                    proptest::prop_assert_eq!(ladder.qty_at(Price::from_ticks(p)).lots(), q);
                }
                proptest::prop_assert_eq!(ladder.best().map(|l| l.price.ticks()), want.first().map(|l| l.0));
            }
        }
    }
}
