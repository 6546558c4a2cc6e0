//! Errors raised when an update cannot be applied to a book.

use crate::market::{MarketId, Price, Qty, Side};
use thiserror::Error;

/// Why a snapshot or delta was refused. A refused update leaves the book unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookError {
    /// The update is for another market.
    #[error("update for {got} applied to the book of {expected}")]
    MarketMismatch {
        /// The book's market.
        expected: MarketId,
        /// The update's market.
        got: MarketId,
    },
    /// A delta arrived before any snapshot.
    #[error("delta before the first snapshot")]
    NoSnapshot,
    /// The delta's sequence is not after the book's: a duplicate or a replay.
    #[error("stale delta: seq {got} is not after {last}")]
    StaleSequence {
        /// The book's last applied sequence.
        last: u64,
        /// The delta's sequence.
        got: u64,
    },
    /// The delta's `prev_seq` is not the book's last sequence: updates were missed and the
    /// book must be rebuilt from a snapshot.
    #[error("sequence gap: delta follows {got}, book is at {expected}")]
    SequenceGap {
        /// The book's last applied sequence.
        expected: u64,
        /// The delta's `prev_seq`.
        got: u64,
    },
    /// A level has a negative quantity.
    #[error("{side} level at {price} has negative quantity {qty}")]
    NegativeQty {
        /// The side of the level.
        side: Side,
        /// The level's price.
        price: Price,
        /// The quantity given.
        qty: Qty,
    },
    /// A level has a zero or negative price.
    #[error("{side} level has non-positive price {price}")]
    InvalidPrice {
        /// The side of the level.
        side: Side,
        /// The price given.
        price: Price,
    },
    /// One update lists the same price twice on a side.
    #[error("{side} level at {price} appears twice in one update")]
    DuplicateLevel {
        /// The side of the level.
        side: Side,
        /// The repeated price.
        price: Price,
    },
    /// The update would leave the best bid at or above the best ask.
    #[error("crossed or locked book: best bid {bid} >= best ask {ask}")]
    Crossed {
        /// The best bid after the update.
        bid: Price,
        /// The best ask after the update.
        ask: Price,
    },
}
