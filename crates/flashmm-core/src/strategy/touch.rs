//! [`Touch`]: the best prices of the others (the book's touch less our own orders), and
//! [`TouchPlacement`]: where the quoter put a side relative to it.

use super::QueuePlace;
use crate::book::OrderBook;
use crate::market::Side;
use crate::order::WorkingOrders;
use serde::{Deserialize, Serialize};

/// The best bid and ask of the others, in ticks: per side, the best level of the book that
/// shows more than our own resting orders at its price. A level that is all ours is no touch
/// to join or improve (quoting against it would chase our own orders).
///
/// The venue's book is taken to show our orders, as a venue's public book does; where it does
/// not (a replayed or followed recording, the backtester's recorded book), a recorded level no
/// larger than our order at its price is taken for ours, which puts the touch one level away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Touch {
    /// The others' best bid, in ticks.
    pub bid: Option<i64>,
    /// The others' best ask, in ticks.
    pub ask: Option<i64>,
}

impl Touch {
    /// The best prices of `book` less our `own` orders.
    pub fn of_others(book: &OrderBook, own: &WorkingOrders) -> Self {
        Self::of_others_sized(book, own).0
    }

    /// The best prices of `book` less our `own` orders, and the others' size at each
    /// (bid, ask; 0 where a side has no touch), in lots.
    pub fn of_others_sized(book: &OrderBook, own: &WorkingOrders) -> (Self, [i64; 2]) {
        let side = |side: Side| {
            book.levels(side).find_map(|l| {
                let others = l.qty.lots().saturating_sub(own.resting_lots(side, l.price));
                (others > 0).then(|| (l.price.ticks(), others))
            })
        };
        let (bid, ask) = (side(Side::Buy), side(Side::Sell));
        let touch = Touch {
            bid: bid.map(|b| b.0),
            ask: ask.map(|a| a.0),
        };
        (touch, [bid.map_or(0, |b| b.1), ask.map_or(0, |a| a.1)])
    }

    /// The others' best price of `side`.
    pub fn price(&self, side: Side) -> Option<i64> {
        match side {
            Side::Buy => self.bid,
            Side::Sell => self.ask,
        }
    }
}

/// Where the first level of one side was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TouchPlacement {
    /// At the model's price (touch quoting off, its edge too small, or its estimates not
    /// ready).
    #[default]
    Model,
    /// At the others' best price, behind their queue.
    Join,
    /// One tick inside the others' best price, ahead of their queue.
    Improve,
    /// At the others' best price, behind their queue, whatever the edge: the side that
    /// reduces an inventory beyond `inventory_fraction` (`unwind_at_touch`).
    Unwind,
    /// Not quoted: the model expects a move through it with a probability above the pull
    /// threshold (the adverse-selection filter).
    Pulled,
}

impl TouchPlacement {
    /// Where an order so placed stands in its queue, as its adverse move is estimated: at
    /// the front when it improved the touch, behind others' size otherwise (the model's
    /// price usually rests at or behind a displayed level).
    pub fn queue_place(self) -> QueuePlace {
        match self {
            TouchPlacement::Improve => QueuePlace::Front,
            TouchPlacement::Model
            | TouchPlacement::Join
            | TouchPlacement::Unwind
            | TouchPlacement::Pulled => QueuePlace::Behind,
        }
    }
}

/// The expected edge, in bps of `mid`, of a passive fill of `side` at `price` (ticks): the
/// distance from the mid in our favour, plus the expected move `move_bps` (signed, positive
/// up) on the side it favours, less the adverse move after a fill and the maker fee (a rebate
/// when negative).
pub fn fill_edge_bps(
    side: Side,
    price: i64,
    mid: f64,
    move_bps: f64,
    adverse_bps: f64,
    maker_fee_bps: f64,
) -> f64 {
    let (distance, favour) = match side {
        Side::Buy => (mid - price as f64, move_bps),
        Side::Sell => (price as f64 - mid, -move_bps),
    };
    distance / mid * 1e4 + favour - adverse_bps - maker_fee_bps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_counts_distance_move_adverse_and_fee() {
        // A bid 1 tick under a mid of 10 000 ticks: 1 bp; an expected move up of 0.5 bp; an
        // adverse move of 0.8 bp; a maker rebate of 0.1 bp.
        let e = fill_edge_bps(Side::Buy, 9_999, 10_000.0, 0.5, 0.8, -0.1);
        assert!((e - 0.8).abs() < 1e-9, "{e}");
        // The same move is against the ask.
        let e = fill_edge_bps(Side::Sell, 10_001, 10_000.0, 0.5, 0.8, -0.1);
        assert!((e + 0.2).abs() < 1e-9, "{e}");
    }
}
