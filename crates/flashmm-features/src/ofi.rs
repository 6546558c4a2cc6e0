//! Order-flow imbalance (Cont, Kukanov and Stoikov, 2014) from consecutive best quotes.
//!
//! Between two book states `n-1` and `n`, with best bid `Pb, qb` and best ask `Pa, qa`:
//!
//! ```text
//! e_n = 1{Pb_n >= Pb_n-1}·qb_n − 1{Pb_n <= Pb_n-1}·qb_n-1
//!     − 1{Pa_n <= Pa_n-1}·qa_n + 1{Pa_n >= Pa_n-1}·qa_n-1
//! ```
//!
//! Positive `e` is buying pressure (bids growing or stepping up, asks shrinking or stepping
//! away). A missing side is a bid at −∞ or an ask at +∞ with zero size, so a side that
//! appears contributes its full size and one that vanishes removes its last size.

use flashmm_core::book::{BookLevel, OrderBook};

/// The best bid and ask of a book state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Touch {
    /// The best bid level, if any.
    pub bid: Option<BookLevel>,
    /// The best ask level, if any.
    pub ask: Option<BookLevel>,
}

impl Touch {
    /// The touch of `book`.
    #[inline]
    pub fn of(book: &OrderBook) -> Self {
        Touch {
            bid: book.best_bid(),
            ask: book.best_ask(),
        }
    }

    /// Bid plus ask size at the touch, in lots (a missing side counts 0).
    #[inline]
    pub fn depth(&self) -> i128 {
        lots(self.bid) + lots(self.ask)
    }
}

fn lots(level: Option<BookLevel>) -> i128 {
    level.map_or(0, |l| i128::from(l.qty.lots()))
}

/// The OFI contribution `e_n` of the move from `prev` to `cur`, in lots.
#[inline]
pub fn ofi_contribution(prev: &Touch, cur: &Touch) -> i128 {
    let bid_price = |t: &Touch| t.bid.map_or(i64::MIN, |l| l.price.ticks());
    let ask_price = |t: &Touch| t.ask.map_or(i64::MAX, |l| l.price.ticks());
    let (pb0, pb1) = (bid_price(prev), bid_price(cur));
    let (pa0, pa1) = (ask_price(prev), ask_price(cur));
    let (qb0, qb1) = (lots(prev.bid), lots(cur.bid));
    let (qa0, qa1) = (lots(prev.ask), lots(cur.ask));
    let mut e = 0i128;
    if pb1 >= pb0 {
        e += qb1;
    }
    if pb1 <= pb0 {
        e -= qb0;
    }
    if pa1 <= pa0 {
        e -= qa1;
    }
    if pa1 >= pa0 {
        e += qa0;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use flashmm_core::market::{Price, Qty};

    fn t(bid: Option<(i64, i64)>, ask: Option<(i64, i64)>) -> Touch {
        let lv = |(p, q): (i64, i64)| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q));
        Touch {
            bid: bid.map(lv),
            ask: ask.map(lv),
        }
    }

    #[test]
    fn cases_by_hand() {
        let base = t(Some((100, 10)), Some((101, 8)));
        // Nothing changes: no flow.
        assert_eq!(ofi_contribution(&base, &base), 0);
        // Bid size 10 -> 15 at the same price: +5.
        assert_eq!(
            ofi_contribution(&base, &t(Some((100, 15)), Some((101, 8)))),
            5
        );
        // Bid price rises 99 -> 100: the new size counts in full.
        assert_eq!(
            ofi_contribution(&t(Some((99, 4)), Some((101, 8))), &base),
            10
        );
        // Bid price falls: the old size is gone.
        assert_eq!(
            ofi_contribution(&base, &t(Some((99, 30)), Some((101, 8)))),
            -10
        );
        // Ask price drops 101 -> 100: the new ask size counts against buying pressure.
        let lower_ask = t(Some((99, 10)), Some((100, 6)));
        let from = t(Some((99, 10)), Some((101, 8)));
        assert_eq!(ofi_contribution(&from, &lower_ask), -6);
        // Ask size shrinks 8 -> 3 at the same price: +5.
        assert_eq!(
            ofi_contribution(&base, &t(Some((100, 10)), Some((101, 3)))),
            5
        );
        // Ask steps away: the old size counts in full.
        assert_eq!(
            ofi_contribution(&base, &t(Some((100, 10)), Some((102, 1)))),
            8
        );
    }

    #[test]
    fn missing_sides() {
        let empty = Touch::default();
        let full = t(Some((100, 10)), Some((101, 8)));
        assert_eq!(ofi_contribution(&empty, &empty), 0);
        assert_eq!(ofi_contribution(&empty, &full), 10 - 8);
        assert_eq!(ofi_contribution(&full, &empty), -10 + 8);
        assert_eq!(full.depth(), 18);
        assert_eq!(empty.depth(), 0);
    }
}
