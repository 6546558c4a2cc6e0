//! [`QueueBalance`]: how the size displayed at one side's touch compares with the other
//! side's, what the adverse move of a fill is learnt apart by.

use super::Touch;
use crate::book::OrderBook;
use crate::market::Side;
use crate::order::WorkingOrders;

/// The share of one side in the size the others display at the two touches,
/// `side / (bid + ask)`, in three bands. A thin queue is swept by a few trades, and the mid
/// follows it; a thick one absorbs them. [`AdverseSelection`](super::AdverseSelection) learns
/// the public trades' adverse move apart by the balance of the filled queue at the trade, and
/// our own fills' excess over it by the balance when the order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueBalance {
    /// Under a third of the size at the two touches is on this side.
    Thin,
    /// Between a third and two thirds.
    Even,
    /// Over two thirds.
    Thick,
}

impl QueueBalance {
    /// The band of `side_lots` against `other_lots`; `None` when neither shows size.
    pub fn of(side_lots: i64, other_lots: i64) -> Option<Self> {
        let (side, other) = (side_lots.max(0) as f64, other_lots.max(0) as f64);
        let total = side + other;
        if total <= 0.0 {
            return None;
        }
        let share = side / total;
        Some(if share < 1.0 / 3.0 {
            QueueBalance::Thin
        } else if share > 2.0 / 3.0 {
            QueueBalance::Thick
        } else {
            QueueBalance::Even
        })
    }

    /// The band of `side`'s queue at the others' `touch`, given their size there (bid, ask;
    /// [`Touch::of_others_sized`]); `None` unless both sides have a touch.
    pub fn at_touch(touch: Touch, lots: [i64; 2], side: Side) -> Option<Self> {
        touch.bid.zip(touch.ask)?;
        Self::of_side(side, lots)
    }

    /// The band of `side`'s queue at the others' touch of `book`, our `own` orders left out.
    pub fn of_others(book: &OrderBook, own: &WorkingOrders, side: Side) -> Option<Self> {
        let (touch, lots) = Touch::of_others_sized(book, own);
        Self::at_touch(touch, lots, side)
    }

    /// The band of `side`'s queue at the touch of `book` as displayed (ours included, where
    /// the book shows our orders); `None` without a two-sided book.
    pub fn at_book(book: &OrderBook, side: Side) -> Option<Self> {
        let (bid, ask) = (book.best_bid()?, book.best_ask()?);
        Self::of_side(side, [bid.qty.lots(), ask.qty.lots()])
    }

    /// The band of `side` given the size at the bid and at the ask.
    fn of_side(side: Side, [bid_lots, ask_lots]: [i64; 2]) -> Option<Self> {
        match side {
            Side::Buy => Self::of(bid_lots, ask_lots),
            Side::Sell => Self::of(ask_lots, bid_lots),
        }
    }

    /// Its slot among the bands, thinnest first.
    pub(super) fn index(self) -> usize {
        match self {
            QueueBalance::Thin => 0,
            QueueBalance::Even => 1,
            QueueBalance::Thick => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_split_at_a_third_and_two_thirds() {
        assert_eq!(QueueBalance::of(1, 3), Some(QueueBalance::Thin));
        assert_eq!(QueueBalance::of(1, 2), Some(QueueBalance::Even));
        assert_eq!(QueueBalance::of(1, 1), Some(QueueBalance::Even));
        assert_eq!(QueueBalance::of(2, 1), Some(QueueBalance::Even));
        assert_eq!(QueueBalance::of(3, 1), Some(QueueBalance::Thick));
        assert_eq!(QueueBalance::of(0, 5), Some(QueueBalance::Thin));
        assert_eq!(QueueBalance::of(0, 0), None);
        let bands = [QueueBalance::Thin, QueueBalance::Even, QueueBalance::Thick];
        for (i, b) in bands.iter().enumerate() {
            assert_eq!(b.index(), i);
        }
    }
}
