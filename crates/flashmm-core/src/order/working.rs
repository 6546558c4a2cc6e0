//! [`WorkingOrders`]: our live orders of one market, each in a quote slot, and the diff of a
//! quote target against them into [`QuoteAction`]s.

use super::{Order, OrderEvent, OrderStatus, OrderTransitionError};
use crate::identifiers::ClientOrderId;
use crate::market::{Price, Qty, Side};
use crate::strategy::QuoteTarget;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A quote slot: level `level` (0 = best) of one side. Each slot holds at most one live order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    /// The side.
    pub side: Side,
    /// The level, 0 = best.
    pub level: usize,
}

/// One of our orders and the slot it quotes (`None` for orders outside the ladder, e.g. to
/// flatten the position).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingOrder {
    /// The order and its state.
    pub order: Order,
    /// Its quote slot.
    pub slot: Option<Slot>,
}

/// What to do to bring the working orders to a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteAction {
    /// Cancel an order (its level moved or is no longer wanted).
    Cancel {
        /// The order.
        client_id: ClientOrderId,
    },
    /// Place an order in an empty slot.
    Place {
        /// The slot.
        slot: Slot,
        /// Limit price.
        price: Price,
        /// Size.
        qty: Qty,
    },
}

/// Our orders of one market that are not yet terminal, by client id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkingOrders {
    orders: BTreeMap<ClientOrderId, WorkingOrder>,
    /// Drawn afresh at every change (and for every new or decoded set) from one counter of
    /// the process: two sets with the same revision hold the same orders.
    #[serde(skip, default = "next_revision")]
    revision: u64,
}

/// A revision no set has had yet.
fn next_revision() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Default for WorkingOrders {
    fn default() -> Self {
        WorkingOrders {
            orders: BTreeMap::new(),
            revision: next_revision(),
        }
    }
}

/// Two sets are equal when they hold the same orders, whatever their revisions.
impl PartialEq for WorkingOrders {
    fn eq(&self, other: &Self) -> bool {
        self.orders == other.orders
    }
}

impl Eq for WorkingOrders {}

impl WorkingOrders {
    /// No orders.
    pub fn new() -> Self {
        WorkingOrders::default()
    }

    /// Tracks a new order.
    pub fn insert(&mut self, order: Order, slot: Option<Slot>) {
        self.revision = next_revision();
        self.orders
            .insert(order.client_id().clone(), WorkingOrder { order, slot });
    }

    /// This state of the set: while it stays the same, so do the orders (a caller may keep
    /// what it derived from them); no other state of any set has had it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// An order by client id.
    pub fn get(&self, id: &ClientOrderId) -> Option<&WorkingOrder> {
        self.orders.get(id)
    }

    /// Every tracked order.
    pub fn iter(&self) -> impl Iterator<Item = &WorkingOrder> {
        self.orders.values()
    }

    /// How many are tracked.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether none is tracked.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Drops every order (after a venue-side cancel-all was confirmed).
    pub fn clear(&mut self) -> Vec<WorkingOrder> {
        self.revision = next_revision();
        std::mem::take(&mut self.orders).into_values().collect()
    }

    /// Applies `event` to the order through its state machine; a terminal order leaves the set
    /// and is returned with its final state. `Ok(None)` when the id is unknown.
    pub fn apply(
        &mut self,
        id: &ClientOrderId,
        event: OrderEvent,
    ) -> Result<Option<Order>, OrderTransitionError> {
        let Some(w) = self.orders.get_mut(id) else {
            return Ok(None);
        };
        self.revision = next_revision();
        let status = w.order.transition(event)?;
        let order = w.order.clone();
        if status.is_terminal() {
            self.orders.remove(id);
        }
        Ok(Some(order))
    }

    /// Orders that may still trade (everything tracked is; kept for clarity of intent).
    pub fn open_count(&self) -> u32 {
        u32::try_from(
            self.orders
                .values()
                .filter(|w| w.order.status().is_working() || w.order.status() == OrderStatus::New)
                .count(),
        )
        .unwrap_or(u32::MAX)
    }

    /// Our best resting price on `side` (highest bid, lowest ask), cancels in flight included:
    /// they may still trade.
    pub fn best_price(&self, side: Side) -> Option<Price> {
        let prices = self
            .orders
            .values()
            .filter(|w| w.order.side() == side)
            .map(|w| w.order.price());
        match side {
            Side::Buy => prices.max(),
            Side::Sell => prices.min(),
        }
    }

    /// Our lots still resting at `price` on `side` (cancels in flight included: the venue's
    /// book still shows them).
    pub fn resting_lots(&self, side: Side, price: Price) -> i64 {
        self.orders
            .values()
            .filter(|w| w.order.side() == side && w.order.price() == price)
            .map(|w| w.order.leaves().lots())
            .sum()
    }

    /// The live order quoting `slot` (cancels in flight do not count).
    pub fn in_slot(&self, slot: Slot) -> Option<&WorkingOrder> {
        self.orders
            .values()
            .find(|w| w.slot == Some(slot) && w.order.status() != OrderStatus::PendingCancel)
    }

    /// The working quotes as a target (each slot's price and remaining size), for
    /// [`RequotePolicy::decide`](crate::strategy::RequotePolicy::decide).
    pub fn as_target(&self, levels: usize) -> QuoteTarget {
        let mut t = QuoteTarget::empty();
        for side in [Side::Buy, Side::Sell] {
            for level in 0..levels {
                match self.in_slot(Slot { side, level }) {
                    Some(w) => t.side_mut(side).push(crate::book::BookLevel::new(
                        w.order.price(),
                        w.order.leaves(),
                    )),
                    None => break,
                }
            }
        }
        t
    }

    /// The actions that bring the slots to `target`: a slot whose order is more than
    /// `price_tolerance_ticks` away or whose size differs by more than `size_tolerance`
    /// (fraction) is cancelled and placed again; a slot no longer wanted is cancelled; an
    /// empty wanted slot is placed. Cancels come first.
    pub fn diff(
        &self,
        target: &QuoteTarget,
        levels: usize,
        price_tolerance_ticks: i64,
        size_tolerance: f64,
    ) -> Vec<QuoteAction> {
        let mut cancels = Vec::new();
        let mut places = Vec::new();
        for side in [Side::Buy, Side::Sell] {
            let wanted = target.side(side);
            for level in 0..levels.max(wanted.len()) {
                let slot = Slot { side, level };
                let want = wanted.get(level);
                match (self.in_slot(slot), want) {
                    (Some(w), Some(t)) => {
                        let o = &w.order;
                        let price_ok =
                            (o.price().ticks() - t.price.ticks()).abs() <= price_tolerance_ticks;
                        let size_ok = (o.leaves().lots() - t.qty.lots()).abs() as f64
                            <= size_tolerance * t.qty.lots() as f64;
                        if !(price_ok && size_ok) {
                            cancels.push(QuoteAction::Cancel {
                                client_id: o.client_id().clone(),
                            });
                            places.push(QuoteAction::Place {
                                slot,
                                price: t.price,
                                qty: t.qty,
                            });
                        }
                    }
                    (Some(w), None) => cancels.push(QuoteAction::Cancel {
                        client_id: w.order.client_id().clone(),
                    }),
                    (None, Some(t)) => places.push(QuoteAction::Place {
                        slot,
                        price: t.price,
                        qty: t.qty,
                    }),
                    (None, None) => {}
                }
            }
        }
        // Orders outside the ladder (beyond `levels`) are cancelled too.
        for w in self.orders.values() {
            let outside = w.slot.is_some_and(|s| s.level >= levels.max(1))
                && w.order.status() != OrderStatus::PendingCancel;
            if outside {
                cancels.push(QuoteAction::Cancel {
                    client_id: w.order.client_id().clone(),
                });
            }
        }
        cancels.extend(places);
        cancels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::BookLevel;
    use crate::market::MarketId;
    use crate::time::UnixNanos;

    fn order(seq: u64, side: Side, price: i64, qty: i64) -> Order {
        let mut o = Order::new(
            ClientOrderId::from_sequence("t", seq).unwrap(),
            MarketId::new("SEI/USDC").unwrap(),
            side,
            Price::from_ticks(price),
            Qty::from_lots(qty),
            UnixNanos(0),
        )
        .unwrap();
        o.transition(OrderEvent::Submitted).unwrap();
        o.transition(OrderEvent::Accepted).unwrap();
        o
    }

    fn lv(p: i64, q: i64) -> BookLevel {
        BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
    }

    fn slot(side: Side, level: usize) -> Option<Slot> {
        Some(Slot { side, level })
    }

    #[test]
    fn diff_places_cancels_and_keeps_within_tolerance() {
        let mut w = WorkingOrders::new();
        w.insert(order(1, Side::Buy, 100, 10), slot(Side::Buy, 0));
        w.insert(order(2, Side::Buy, 98, 15), slot(Side::Buy, 1));
        w.insert(order(3, Side::Sell, 104, 10), slot(Side::Sell, 0));
        let target = QuoteTarget {
            bids: vec![lv(101, 11), lv(95, 15)],
            asks: vec![lv(104, 10), lv(106, 15)],
        };
        let actions = w.diff(&target, 2, 1, 0.2);
        let id = |s| ClientOrderId::from_sequence("t", s).unwrap();
        assert_eq!(
            actions,
            vec![
                QuoteAction::Cancel { client_id: id(2) },
                QuoteAction::Place {
                    slot: Slot {
                        side: Side::Buy,
                        level: 1
                    },
                    price: Price::from_ticks(95),
                    qty: Qty::from_lots(15)
                },
                QuoteAction::Place {
                    slot: Slot {
                        side: Side::Sell,
                        level: 1
                    },
                    price: Price::from_ticks(106),
                    qty: Qty::from_lots(15)
                },
            ]
        );
        // An empty target cancels everything; the working view matches the slots.
        assert_eq!(w.diff(&QuoteTarget::empty(), 2, 1, 0.2).len(), 3);
        let live = w.as_target(2);
        assert_eq!((live.bids.len(), live.asks.len()), (2, 1));
        assert_eq!(w.best_price(Side::Buy), Some(Price::from_ticks(100)));
        assert_eq!(w.best_price(Side::Sell), Some(Price::from_ticks(104)));
    }

    #[test]
    fn events_drive_the_state_machine_and_terminal_orders_leave() {
        let mut w = WorkingOrders::new();
        w.insert(order(1, Side::Buy, 100, 10), slot(Side::Buy, 0));
        let id = ClientOrderId::from_sequence("t", 1).unwrap();
        let o = w
            .apply(
                &id,
                OrderEvent::PartialFill {
                    qty: Qty::from_lots(4),
                },
            )
            .unwrap()
            .unwrap();
        assert_eq!(o.status(), OrderStatus::PartiallyFilled);
        assert_eq!(w.as_target(1).bids, vec![lv(100, 6)]);
        w.apply(&id, OrderEvent::CancelRequested).unwrap();
        assert!(w
            .in_slot(Slot {
                side: Side::Buy,
                level: 0
            })
            .is_none());
        assert_eq!(w.open_count(), 1, "a cancel in flight still counts");
        assert!(w.apply(&id, OrderEvent::Submitted).is_err());
        let done = w.apply(&id, OrderEvent::Cancelled).unwrap().unwrap();
        assert_eq!(done.status(), OrderStatus::Cancelled);
        assert!(w.is_empty());
        let unknown = ClientOrderId::from_sequence("t", 9).unwrap();
        assert_eq!(w.apply(&unknown, OrderEvent::Cancelled), Ok(None));
    }
}
