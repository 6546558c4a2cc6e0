//! [`QueuePlace`]: where our order stood in the queue at its price when it was placed.

/// Where our order stood in the queue at its price when it was placed: what its fills'
/// adverse move is learnt apart by ([`AdverseSelection`](super::AdverseSelection)). An order
/// at the back of a queue fills mostly when the level is swept; one alone at its price fills
/// on the next trade that reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueuePlace {
    /// No one else's size was displayed at its price (a price that improved the touch, or
    /// one inside the spread): first in the queue.
    Front,
    /// Others' size was displayed at its price (a joined level, or one deeper in the book):
    /// behind them.
    Behind,
}

impl QueuePlace {
    /// The place of an order joining `others_lots` displayed by others at its price.
    pub fn joining(others_lots: i64) -> Self {
        if others_lots > 0 {
            QueuePlace::Behind
        } else {
            QueuePlace::Front
        }
    }
}
