//! [`QueuePosition`]: where our passive order stands in the queue at its price, followed from
//! the size others display there and the trades at it. The simulator's queue fill model and
//! the trading core's estimate of our live orders' places both use it.

use serde::{Deserialize, Serialize};

/// Where the size that leaves a level by cancellation is assumed to have stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelModel {
    /// Cancellations are spread evenly over the level: the share in front of us is
    /// `ahead / displayed` of them.
    #[default]
    Proportional,
    /// Every cancellation was in front of us (optimistic).
    Front,
    /// No cancellation was in front of us: only trades move us up (pessimistic).
    Back,
}

/// Our place in the queue at one price level.
///
/// On arrival the order joins behind the whole displayed size there. Trades at the price eat
/// the queue from the front: first the size ahead of us, then us. A fall of the displayed
/// size that the trades seen since the level's last update do not explain is cancellation,
/// and moves us up by the [`CancelModel`]'s share. The size ahead never exceeds what is
/// displayed. Size added to the level joins behind us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePosition {
    ahead: i64,
    traded_since_update: i64,
}

impl QueuePosition {
    /// A new order behind `displayed` lots.
    pub fn join(displayed: i64) -> Self {
        QueuePosition {
            ahead: displayed.max(0),
            traded_since_update: 0,
        }
    }

    /// The lots in front of us.
    pub fn ahead(&self) -> i64 {
        self.ahead
    }

    /// A public trade of `qty` lots at our price against our side: returns the lots of it that
    /// reach us once the queue ahead is consumed.
    #[inline]
    pub fn on_trade(&mut self, qty: i64) -> i64 {
        let qty = qty.max(0);
        self.traded_since_update = self.traded_since_update.saturating_add(qty);
        let used = qty.min(self.ahead);
        self.ahead -= used;
        qty - used
    }

    /// The displayed size at our price went from `old` to `new` lots.
    #[inline]
    pub fn on_level_change(&mut self, old: i64, new: i64, model: CancelModel) {
        if new < old {
            let cancelled = (old - new - self.traded_since_update).max(0);
            let moved = match model {
                CancelModel::Front => cancelled,
                CancelModel::Back => 0,
                CancelModel::Proportional if old > 0 => {
                    (i128::from(cancelled) * i128::from(self.ahead) / i128::from(old)) as i64
                }
                CancelModel::Proportional => 0,
            };
            self.ahead -= moved;
        }
        self.traded_since_update = 0;
        self.ahead = self.ahead.clamp(0, new.max(0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trades_consume_the_queue_ahead_first() {
        let mut q = QueuePosition::join(10);
        assert_eq!(q.on_trade(4), 0);
        assert_eq!(q.ahead(), 6);
        assert_eq!(q.on_trade(8), 2, "6 ahead, 2 reach us");
        assert_eq!(q.ahead(), 0);
    }

    #[test]
    fn traded_size_is_not_counted_again_as_cancellation() {
        let mut q = QueuePosition::join(10);
        q.on_trade(4);
        // The book then shows the level down by those 4 lots: nothing else moved.
        q.on_level_change(10, 6, CancelModel::Front);
        assert_eq!(q.ahead(), 6);
        // A further fall of 3 with no trade is cancellation.
        q.on_level_change(6, 3, CancelModel::Front);
        assert_eq!(q.ahead(), 3);
    }

    #[test]
    fn cancel_models_share_cancellations_differently() {
        // 10 displayed when we join, 10 more join behind us (20), then 10 cancel.
        let run = |model| {
            let mut q = QueuePosition::join(10);
            q.on_level_change(10, 20, model);
            q.on_level_change(20, 10, model);
            q.ahead()
        };
        assert_eq!(run(CancelModel::Front), 0);
        assert_eq!(run(CancelModel::Proportional), 5);
        assert_eq!(run(CancelModel::Back), 10);
    }

    #[test]
    fn ahead_never_exceeds_the_displayed_size() {
        let mut q = QueuePosition::join(10);
        q.on_level_change(10, 2, CancelModel::Back);
        assert_eq!(q.ahead(), 2);
        q.on_level_change(2, 0, CancelModel::Back);
        assert_eq!(q.ahead(), 0);
    }
}
