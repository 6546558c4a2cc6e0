//! The order book of one market: price levels holding FIFO queues of resting orders.
//!
//! Orders live in a slab of nodes linked into one doubly linked list per level, so adding at
//! the tail, removing anywhere and taking from the head are O(1) once the level is found
//! (O(log n) in a `BTreeMap`).

use super::id_hash::BuildIdHasher;
use super::{OrderId, RestingOrder};
use flashmm_core::book::BookLevel;
use flashmm_core::market::{Price, Qty, Side};
use std::collections::{BTreeMap, HashMap};

const NIL: usize = usize::MAX;

#[derive(Debug, Clone)]
struct Node {
    order: RestingOrder,
    prev: usize,
    next: usize,
}

#[derive(Debug, Clone, Copy)]
struct Queue {
    total: Qty,
    head: usize,
    tail: usize,
}

/// Both sides of one market's book.
#[derive(Debug, Clone, Default)]
pub(crate) struct Book {
    bids: BTreeMap<Price, Queue>,
    asks: BTreeMap<Price, Queue>,
    nodes: Vec<Node>,
    free: Vec<usize>,
    index: HashMap<OrderId, usize, BuildIdHasher>,
}

impl Book {
    fn side(&self, side: Side) -> &BTreeMap<Price, Queue> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Price, Queue> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    /// The best price of `side` and the order first in time there.
    pub(crate) fn best(&self, side: Side) -> Option<&RestingOrder> {
        let queue = match side {
            Side::Buy => self.bids.last_key_value(),
            Side::Sell => self.asks.first_key_value(),
        }?
        .1;
        self.nodes.get(queue.head).map(|n| &n.order)
    }

    /// The best level of `side`.
    pub(crate) fn best_level(&self, side: Side) -> Option<BookLevel> {
        match side {
            Side::Buy => self.bids.last_key_value(),
            Side::Sell => self.asks.first_key_value(),
        }
        .map(|(&price, q)| BookLevel::new(price, q.total))
    }

    /// The best price of `side` among the orders `keep` accepts.
    pub(crate) fn best_price_where(
        &self,
        side: Side,
        keep: impl Fn(&RestingOrder) -> bool,
    ) -> Option<Price> {
        let kept = |(&price, q): (&Price, &Queue)| {
            let mut i = q.head;
            while let Some(node) = self.nodes.get(i) {
                if keep(&node.order) {
                    return Some(price);
                }
                i = node.next;
            }
            None
        };
        match side {
            Side::Buy => self.bids.iter().rev().find_map(kept),
            Side::Sell => self.asks.iter().find_map(kept),
        }
    }

    /// The aggregate quantity at `price` on `side` (zero when no level).
    pub(crate) fn level_qty(&self, side: Side, price: Price) -> Qty {
        self.side(side).get(&price).map_or(Qty::ZERO, |q| q.total)
    }

    /// Up to `depth` levels of `side`, best first.
    pub(crate) fn levels(&self, side: Side, depth: usize) -> Vec<BookLevel> {
        let level = |(&price, q): (&Price, &Queue)| BookLevel::new(price, q.total);
        match side {
            Side::Buy => self.bids.iter().rev().take(depth).map(level).collect(),
            Side::Sell => self.asks.iter().take(depth).map(level).collect(),
        }
    }

    /// The resting order with this id.
    pub(crate) fn get(&self, id: OrderId) -> Option<&RestingOrder> {
        self.index
            .get(&id)
            .and_then(|&i| self.nodes.get(i))
            .map(|n| &n.order)
    }

    /// All resting orders, in no particular order.
    pub(crate) fn orders(&self) -> impl Iterator<Item = &RestingOrder> {
        self.index
            .values()
            .filter_map(|&i| self.nodes.get(i))
            .map(|n| &n.order)
    }

    /// The number of resting orders.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Appends `order` to the back of its level's queue.
    pub(crate) fn insert(&mut self, order: RestingOrder) {
        let node = Node {
            order,
            prev: NIL,
            next: NIL,
        };
        let slot = match self.free.pop() {
            Some(s) => {
                self.nodes[s] = node;
                s
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.index.insert(order.id, slot);
        let queue = self
            .side_mut(order.side)
            .entry(order.price)
            .or_insert(Queue {
                total: Qty::ZERO,
                head: NIL,
                tail: NIL,
            });
        let tail = queue.tail;
        queue.tail = slot;
        if tail == NIL {
            queue.head = slot;
        }
        queue.total = Qty::from_lots(queue.total.lots() + order.qty.lots());
        if tail != NIL {
            self.nodes[tail].next = slot;
            self.nodes[slot].prev = tail;
        }
    }

    /// Takes the order out of the book.
    pub(crate) fn remove(&mut self, id: OrderId) -> Option<RestingOrder> {
        let slot = self.index.remove(&id)?;
        let Node { order, prev, next } = self.nodes[slot].clone();
        if prev != NIL {
            self.nodes[prev].next = next;
        }
        if next != NIL {
            self.nodes[next].prev = prev;
        }
        let levels = self.side_mut(order.side);
        if let Some(queue) = levels.get_mut(&order.price) {
            if queue.head == slot {
                queue.head = next;
            }
            if queue.tail == slot {
                queue.tail = prev;
            }
            queue.total = Qty::from_lots(queue.total.lots() - order.qty.lots());
            if queue.head == NIL {
                levels.remove(&order.price);
            }
        }
        self.free.push(slot);
        Some(order)
    }

    /// Replaces the order's open quantity, fill count and reservation in place, keeping its
    /// queue position; the level's aggregate follows. `qty` must not be zero.
    pub(crate) fn update(&mut self, updated: RestingOrder) {
        let Some(&slot) = self.index.get(&updated.id) else {
            return;
        };
        let old = self.nodes[slot].order.qty;
        self.nodes[slot].order = updated;
        if let Some(queue) = self.side_mut(updated.side).get_mut(&updated.price) {
            queue.total = Qty::from_lots(queue.total.lots() - old.lots() + updated.qty.lots());
        }
    }
}
