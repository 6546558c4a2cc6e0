//! One side of a book: levels kept sorted worst first in a contiguous vector, the touch last.
//!
//! A venue book holds tens to thousands of levels, and nearly all updates touch the top few,
//! so a sorted `Vec` beats a tree here: with the touch at the end, a level that comes or goes
//! near it shifts only the few levels better than itself, and the scan from the end finds it
//! in a step or two; deep updates find their level by binary search.

use super::{BookError, BookLevel};
use crate::market::{Price, Qty, Side};

/// A side's levels, best first.
pub type Levels<'a> = std::iter::Rev<std::slice::Iter<'a, BookLevel>>;

/// Levels scanned linearly before [`Ladder::search`] turns to a binary search.
const SCAN: usize = 8;

/// The levels of one side, worst first: bids by ascending price, asks by descending price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ladder {
    side: Side,
    levels: Vec<BookLevel>,
}

impl Ladder {
    /// An empty ladder for `side`.
    pub(crate) fn new(side: Side) -> Self {
        Ladder {
            side,
            levels: Vec::with_capacity(64),
        }
    }

    /// The levels, best first.
    #[inline]
    pub(crate) fn levels(&self) -> Levels<'_> {
        self.levels.iter().rev()
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<BookLevel> {
        self.levels.last().copied()
    }

    /// The best `n` levels, best first (fewer when the side is shallower).
    #[inline]
    pub(crate) fn top(&self, n: usize) -> Levels<'_> {
        let len = self.levels.len();
        self.levels[len - n.min(len)..].iter().rev()
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
        match self.search(price) {
            Ok(i) => self.levels[i].qty,
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

    /// Where `price` is (`Ok`), or would be inserted (`Err`), in worst-first order.
    ///
    /// A scan back from the best [`SCAN`] levels, where updates cluster and it finishes in a
    /// step or two (cheaper there than a binary search's chain of dependent loads); past them
    /// a binary search, for feeds whose diffs reach hundreds of levels deep.
    #[inline]
    fn search(&self, price: Price) -> Result<usize, usize> {
        let worse = |l: &BookLevel| self.better(price, l.price);
        let tail = self.levels.len().saturating_sub(SCAN);
        let i = match self.levels[tail..].iter().rposition(worse) {
            Some(k) => tail + k + 1,
            None => self.levels[..tail].partition_point(worse),
        };
        match self.levels.get(i) {
            Some(l) if l.price == price => Ok(i),
            _ => Err(i),
        }
    }

    /// Sets the quantity at a level; zero removes it. The level must have passed [`check`].
    ///
    /// [`check`]: Ladder::check
    #[inline]
    pub(crate) fn set(&mut self, level: BookLevel) {
        match (self.search(level.price), level.qty.is_zero()) {
            (Ok(i), true) => {
                self.levels.remove(i);
            }
            (Ok(i), false) => self.levels[i].qty = level.qty,
            (Err(_), true) => {}
            (Err(i), false) => self.levels.insert(i, level),
        }
    }

    /// Replaces every level with `levels` (already checked, worst first, no zero quantities).
    pub(crate) fn replace(&mut self, levels: Vec<BookLevel>) {
        self.levels = levels;
    }

    /// Checks one delta's levels for this side: valid values and no price twice.
    pub(crate) fn check(&self, update: &[BookLevel]) -> Result<(), BookError> {
        check_values(self.side, update)?;
        for (i, l) in update.iter().enumerate() {
            if update[..i].iter().any(|p| p.price == l.price) {
                return Err(BookError::DuplicateLevel {
                    side: self.side,
                    price: l.price,
                });
            }
        }
        Ok(())
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
