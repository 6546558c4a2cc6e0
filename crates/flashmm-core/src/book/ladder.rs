//! One side of a book: levels kept sorted worst first, the touch last, in blocks of 64–128.
//!
//! A venue book holds tens to thousands of levels. Nearly all updates touch the top few, but
//! deep feeds (Binance's diffs) insert and remove levels hundreds or thousands of levels from
//! the touch too. In one sorted vector each of those shifts every level better than itself;
//! in blocks it shifts at most one block. The touch is the end of the last block, so updates
//! near it are found by a short scan; deeper ones by a binary search over the blocks, then in
//! one block.

use super::{BookError, BookLevel};
use crate::market::{Price, Qty, Side};

/// Levels scanned linearly (from the touch end of a block) before a binary search.
const SCAN: usize = 8;

/// Levels a block is split at: a block holds at most twice this, and one that shrinks below a
/// quarter of it merges with a neighbour when they fit together. Small under test, so that
/// the book's property tests split and merge blocks all the time.
const BLOCK: usize = if cfg!(test) { 8 } else { 64 };

/// A side's levels, best first.
#[derive(Debug, Clone)]
pub struct Levels<'a> {
    blocks: std::iter::Rev<std::slice::Iter<'a, Vec<BookLevel>>>,
    block: std::iter::Rev<std::slice::Iter<'a, BookLevel>>,
    remaining: usize,
}

impl<'a> Iterator for Levels<'a> {
    type Item = &'a BookLevel;

    #[inline]
    fn next(&mut self) -> Option<&'a BookLevel> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            if let Some(level) = self.block.next() {
                self.remaining -= 1;
                return Some(level);
            }
            self.block = self.blocks.next()?.iter().rev();
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Levels<'_> {}

/// The levels of one side, worst first: bids by ascending price, asks by descending price.
#[derive(Debug, Clone)]
pub(crate) struct Ladder {
    side: Side,
    /// Non-empty blocks, each sorted worst first and worse than the next.
    blocks: Vec<Vec<BookLevel>>,
    /// Levels in all blocks.
    len: usize,
}

impl PartialEq for Ladder {
    /// Same side and levels, however they are split into blocks.
    fn eq(&self, other: &Self) -> bool {
        self.side == other.side && self.len == other.len && self.levels().eq(other.levels())
    }
}

impl Eq for Ladder {}

impl Ladder {
    /// An empty ladder for `side`.
    pub(crate) fn new(side: Side) -> Self {
        Ladder {
            side,
            blocks: Vec::new(),
            len: 0,
        }
    }

    /// The levels, best first.
    #[inline]
    pub(crate) fn levels(&self) -> Levels<'_> {
        self.top(self.len)
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<BookLevel> {
        self.blocks.last().and_then(|b| b.last()).copied()
    }

    /// The best `n` levels, best first (fewer when the side is shallower).
    #[inline]
    pub(crate) fn top(&self, n: usize) -> Levels<'_> {
        Levels {
            blocks: self.blocks.iter().rev(),
            block: [].iter().rev(),
            remaining: n.min(self.len),
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
        let (b, found) = self.search(price);
        match found {
            Ok(i) => self.blocks[b][i].qty,
            Err(_) => Qty::ZERO,
        }
    }

    /// Whether `a` is a better price than `b` on this side.
    #[inline]
    fn better(&self, a: Price, b: Price) -> bool {
        match self.side {
            Side::Buy => a > b,
            Side::Sell => a < b,
        }
    }

    /// The block where `price` is or would go, and its index in that block: `Ok` where it is,
    /// `Err` where it would be inserted (worst-first order).
    ///
    /// The last block (the touch) when `price` is not worse than its worst level, else a
    /// binary search over the blocks' best levels; in the block, a scan back from its best
    /// [`SCAN`] levels (updates cluster at the touch and it finishes in a step or two, cheaper
    /// there than a binary search's chain of dependent loads), then a binary search.
    #[inline(always)]
    fn search(&self, price: Price) -> (usize, Result<usize, usize>) {
        let worse = |l: &BookLevel| self.better(price, l.price);
        let Some(last) = self.blocks.len().checked_sub(1) else {
            return (0, Err(0));
        };
        let b = if self.blocks[last].first().is_some_and(worse) {
            last
        } else {
            self.blocks[..last].partition_point(|block| block.last().is_some_and(worse))
        };
        let block = &self.blocks[b];
        let tail = block.len().saturating_sub(SCAN);
        let i = match block[tail..].iter().rposition(worse) {
            Some(k) => tail + k + 1,
            None => block[..tail].partition_point(worse),
        };
        match block.get(i) {
            Some(l) if l.price == price => (b, Ok(i)),
            _ => (b, Err(i)),
        }
    }

    /// Sets the quantity at a level; zero removes it. The level must have passed [`check`].
    ///
    /// [`check`]: Ladder::check
    #[inline]
    pub(crate) fn set(&mut self, level: BookLevel) {
        let (b, found) = self.search(level.price);
        match (found, level.qty.is_zero()) {
            (Ok(i), true) => {
                self.blocks[b].remove(i);
                self.len -= 1;
                self.shrunk(b);
            }
            (Ok(i), false) => self.blocks[b][i].qty = level.qty,
            (Err(_), true) => {}
            (Err(i), false) => {
                if self.blocks.is_empty() {
                    self.blocks.push(Vec::with_capacity(2 * BLOCK));
                }
                let block = &mut self.blocks[b];
                block.insert(i, level);
                self.len += 1;
                if block.len() > 2 * BLOCK {
                    let better = block.split_off(BLOCK);
                    self.blocks.insert(b + 1, better);
                }
            }
        }
    }

    /// After a removal from block `b`: drops it when empty, or merges it with a neighbour
    /// when it has shrunk below a quarter of [`BLOCK`] and the two fit in one block.
    #[inline]
    fn shrunk(&mut self, b: usize) {
        let len = self.blocks[b].len();
        if len == 0 {
            self.blocks.remove(b);
            return;
        }
        if len >= BLOCK / 4 {
            return;
        }
        let fits = |other: &Vec<BookLevel>| len + other.len() <= 2 * BLOCK;
        if self.blocks.get(b + 1).is_some_and(fits) {
            let better = self.blocks.remove(b + 1);
            self.blocks[b].extend(better);
        } else if b > 0 && fits(&self.blocks[b - 1]) {
            let block = self.blocks.remove(b);
            self.blocks[b - 1].extend(block);
        }
    }

    /// Replaces every level with `levels` (already checked, worst first, no zero quantities).
    pub(crate) fn replace(&mut self, levels: Vec<BookLevel>) {
        self.len = levels.len();
        self.blocks = levels
            .chunks(BLOCK)
            .map(|chunk| {
                let mut block = Vec::with_capacity(2 * BLOCK);
                block.extend_from_slice(chunk);
                block
            })
            .collect();
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
        let removed = |p: Price| update.iter().any(|u| u.price == p && u.qty.is_zero());
        let kept = self.levels().map(|l| l.price).find(|&p| !removed(p));
        update
            .iter()
            .filter(|u| !u.qty.is_zero())
            .map(|u| u.price)
            .chain(kept)
            .reduce(|a, b| if self.better(b, a) { b } else { a })
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

        /// Random sets on one side keep the blocks non-empty, within bounds and in order, the
        /// count right, and the levels equal to a plain map's.
        #[test]
        fn blocks_stay_well_formed(
            side in proptest::prop_oneof![proptest::strategy::Just(Side::Buy), proptest::strategy::Just(Side::Sell)],
            ops in proptest::collection::vec((1i64..200, 0i64..3), 0..600),
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
                proptest::prop_assert!(ladder.blocks.iter().all(|b| !b.is_empty() && b.len() <= 2 * BLOCK));
                proptest::prop_assert_eq!(ladder.len, ladder.blocks.iter().map(Vec::len).sum::<usize>());
                let flat: Vec<Price> = ladder.blocks.iter().flatten().map(|l| l.price).collect();
                proptest::prop_assert!(flat.windows(2).all(|w| ladder.better(w[1], w[0])));
                let want: Vec<(i64, i64)> = match side {
                    Side::Buy => model.iter().rev().map(|(&p, &q)| (p, q)).collect(),
                    Side::Sell => model.iter().map(|(&p, &q)| (p, q)).collect(),
                };
                let got: Vec<(i64, i64)> =
                    ladder.levels().map(|l| (l.price.ticks(), l.qty.lots())).collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}
