//! [`OrderQueues`]: where each of our resting orders stands in the queue at its price, followed
//! from the book and the public trades with the simulator's queue model
//! ([`QueuePosition`], proportional cancellations).
//!
//! Others' size at a price is the displayed size less our own orders there: a venue's book
//! shows our orders, a recorded one (backtest, replay) does not, so a level no larger than our
//! orders at its price is taken for ours (as [`Touch::of_others`](flashmm_core::strategy::Touch)
//! does).

use flashmm_core::book::OrderBook;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::{CancelModel, QueuePosition, WorkingOrders};
use flashmm_core::strategy::{QueueBalance, QueuePlace};
use flashmm_core::trade::Trade;

/// One order's queue.
#[derive(Debug, Clone, Copy)]
struct OrderQueue {
    side: Side,
    price: Price,
    /// Where it stood when placed.
    place: QueuePlace,
    /// Its side's queue balance at the others' touch when placed.
    balance: Option<QueueBalance>,
    /// Where it stands now.
    position: QueuePosition,
    /// Before the book update being applied, when it touches the price: the displayed size
    /// there and our own (which the update does not change).
    before: Option<(i64, i64)>,
}

/// The queues of our orders of one market (a few at a time: a short list).
#[derive(Debug, Clone, Default)]
pub struct OrderQueues {
    orders: Vec<(ClientOrderId, OrderQueue)>,
    /// The span of our prices on each side (bids, asks): most of a delta's levels lie outside
    /// and are passed over with two comparisons.
    spans: [Option<(Price, Price)>; 2],
    /// Whether [`Self::before_book`] noted a level for [`Self::after_book`].
    noted: bool,
}

/// The index of `side` in [`OrderQueues::spans`].
fn side_index(side: Side) -> usize {
    match side {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

/// Others' lots at a price: the `displayed` size less `ours`, never below zero.
fn others(displayed: i64, ours: i64) -> i64 {
    (displayed - ours).max(0)
}

/// The displayed lots at `price` on `side` and ours there.
fn sizes(book: &OrderBook, working: &WorkingOrders, side: Side, price: Price) -> (i64, i64) {
    (
        book.qty_at(side, price).lots(),
        working.resting_lots(side, price),
    )
}

impl OrderQueues {
    /// Our new order `id` of `side` at `price` joins behind the others' size there; orders no
    /// longer working are forgotten.
    pub fn join(
        &mut self,
        id: ClientOrderId,
        side: Side,
        price: Price,
        book: &OrderBook,
        working: &WorkingOrders,
    ) {
        self.orders.retain(|(id, _)| working.get(id).is_some());
        let (displayed, ours) = sizes(book, working, side, price);
        let others = others(displayed, ours);
        self.orders.push((
            id,
            OrderQueue {
                side,
                price,
                place: QueuePlace::joining(others),
                balance: QueueBalance::of_others(book, working, side),
                position: QueuePosition::join(others),
                before: None,
            },
        ));
        self.spans = [None, None];
        for (_, q) in &self.orders {
            let span = &mut self.spans[side_index(q.side)];
            *span = Some(span.map_or((q.price, q.price), |(lo, hi)| {
                (lo.min(q.price), hi.max(q.price))
            }));
        }
    }

    /// Where order `id` stood when placed; behind, for an order not placed here (restored
    /// after a restart).
    pub fn place(&self, id: &ClientOrderId) -> QueuePlace {
        self.placed(id).0
    }

    /// Where order `id` stood when placed and its side's queue balance then; behind and
    /// unknown, for an order not placed here.
    pub fn placed(&self, id: &ClientOrderId) -> (QueuePlace, Option<QueueBalance>) {
        self.orders
            .iter()
            .find(|(o, _)| o == id)
            .map_or((QueuePlace::Behind, None), |(_, q)| (q.place, q.balance))
    }

    /// The lots ahead of our best order of `side` (highest bid, lowest ask) among those still
    /// working; `None` without one followed here.
    pub fn ahead(&self, side: Side, working: &WorkingOrders) -> Option<Qty> {
        let best = working.best_price(side)?;
        self.orders
            .iter()
            .filter(|(id, q)| q.side == side && q.price == best && working.get(id).is_some())
            .map(|(_, q)| q.position.ahead())
            .min()
            .map(Qty::from_lots)
    }

    /// Before `event` applies to `book`: notes others' size at each of our prices it touches.
    pub fn before_book(&mut self, event: &MarketEvent, book: &OrderBook, working: &WorkingOrders) {
        match event {
            MarketEvent::Snapshot(_) => {
                for (_, q) in &mut self.orders {
                    q.before = Some(sizes(book, working, q.side, q.price));
                    self.noted = true;
                }
            }
            MarketEvent::Delta(d) => {
                for (side, levels) in [(Side::Buy, &d.bids), (Side::Sell, &d.asks)] {
                    let Some((lo, hi)) = self.spans[side_index(side)] else {
                        continue;
                    };
                    for l in levels.iter().filter(|l| l.price >= lo && l.price <= hi) {
                        for (_, q) in &mut self.orders {
                            if q.side == side && q.price == l.price {
                                q.before = Some(sizes(book, working, q.side, q.price));
                                self.noted = true;
                            }
                        }
                    }
                }
            }
            MarketEvent::Trade(_) => {}
        }
    }

    /// After the event applied (`applied`) or was ignored: a change of others' size at our
    /// price moves us up by the cancellations in front of us.
    pub fn after_book(&mut self, applied: bool, book: &OrderBook) {
        if !std::mem::take(&mut self.noted) {
            return;
        }
        for (_, q) in &mut self.orders {
            if let (Some((displayed, ours)), true) = (q.before.take(), applied) {
                let old = others(displayed, ours);
                let new = others(book.qty_at(q.side, q.price).lots(), ours);
                q.position
                    .on_level_change(old, new, CancelModel::Proportional);
            }
        }
    }

    /// A public trade: at our price against our side it eats the queue ahead of us; through
    /// our price, the whole of it.
    pub fn on_trade(&mut self, trade: &Trade) {
        for (_, q) in &mut self.orders {
            if trade.aggressor != q.side.opposite() {
                continue;
            }
            let through = match q.side {
                Side::Buy => trade.price < q.price,
                Side::Sell => trade.price > q.price,
            };
            if trade.price == q.price {
                q.position.on_trade(trade.qty.lots());
            } else if through {
                q.position.on_trade(q.position.ahead());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{book_snapshot, level as lv, spec};
    use flashmm_core::book::BookDelta;
    use flashmm_core::identifiers::TradeId;
    use flashmm_core::market::MarketId;
    use flashmm_core::order::{Order, OrderEvent};
    use flashmm_core::time::UnixNanos;

    fn mkt() -> MarketId {
        spec().id().clone()
    }

    fn book(bid_lots: i64) -> OrderBook {
        let mut b = OrderBook::new(mkt());
        let bids = vec![lv(4_000, bid_lots), lv(3_999, 50)];
        b.apply_snapshot(&book_snapshot(1, bids, vec![lv(4_001, 50)]))
            .unwrap();
        b
    }

    fn bid_delta(seq: u64, lots: i64) -> MarketEvent {
        MarketEvent::Delta(BookDelta {
            market: mkt(),
            seq,
            prev_seq: None,
            bids: vec![lv(4_000, lots)],
            asks: vec![],
            ts: UnixNanos(0),
        })
    }

    fn sell(lots: i64, price: i64) -> Trade {
        Trade {
            market: mkt(),
            trade_id: TradeId::new("t").unwrap(),
            price: Price::from_ticks(price),
            qty: Qty::from_lots(lots),
            aggressor: Side::Sell,
            ts: UnixNanos(0),
        }
    }

    /// Our bid of 10 lots at 4 000, placed behind `others` lots; the book then shows it.
    fn placed(others: i64) -> (OrderQueues, OrderBook, WorkingOrders, ClientOrderId) {
        let id = ClientOrderId::new("c1").unwrap();
        let price = Price::from_ticks(4_000);
        let mut working = WorkingOrders::new();
        let mut queues = OrderQueues::default();
        queues.join(id.clone(), Side::Buy, price, &book(others), &working);
        let mut order = Order::new(
            id.clone(),
            mkt(),
            Side::Buy,
            price,
            Qty::from_lots(10),
            UnixNanos(0),
        )
        .unwrap();
        order.transition(OrderEvent::Submitted).unwrap();
        working.insert(order, None);
        // The venue's book now shows our 10 lots beside the others'.
        (queues, book(others + 10), working, id)
    }

    fn apply(q: &mut OrderQueues, b: &mut OrderBook, w: &WorkingOrders, event: &MarketEvent) {
        q.before_book(event, b, w);
        let MarketEvent::Delta(d) = event else {
            unreachable!("deltas only")
        };
        b.apply_delta(d).unwrap();
        q.after_book(true, b);
    }

    #[test]
    fn trades_at_our_price_eat_the_queue_ahead_and_a_trade_through_it_all() {
        let (mut q, _, w, id) = placed(30);
        assert_eq!(q.place(&id), QueuePlace::Behind);
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(30)));
        q.on_trade(&sell(12, 4_000));
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(18)));
        // A buy takes the asks, not our queue.
        q.on_trade(&Trade {
            aggressor: Side::Buy,
            ..sell(5, 4_000)
        });
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(18)));
        q.on_trade(&sell(1, 3_999));
        assert_eq!(
            q.ahead(Side::Buy, &w),
            Some(Qty::ZERO),
            "swept through our price"
        );
        assert_eq!(q.ahead(Side::Sell, &w), None);
    }

    #[test]
    fn cancellations_ahead_move_us_up_and_size_behind_does_not() {
        let (mut q, mut b, w, _) = placed(30);
        // 20 more lots join behind us: 60 displayed, ours 10.
        apply(&mut q, &mut b, &w, &bid_delta(2, 60));
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(30)));
        // 25 lots cancel with no trade: a share of them (30 of 50 others) was ahead of us.
        apply(&mut q, &mut b, &w, &bid_delta(3, 35));
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(15)));
        // A fall the trades explain is no cancellation.
        q.on_trade(&sell(5, 4_000));
        apply(&mut q, &mut b, &w, &bid_delta(4, 30));
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::from_lots(10)));
    }

    #[test]
    fn each_order_keeps_its_side_balance_at_the_others_touch_when_placed() {
        // Against the 50 lots of the best ask.
        for (others, balance) in [
            (10, QueueBalance::Thin),
            (30, QueueBalance::Even),
            (150, QueueBalance::Thick),
        ] {
            let (q, _, _, id) = placed(others);
            assert_eq!(
                q.placed(&id),
                (QueuePlace::Behind, Some(balance)),
                "{others}"
            );
        }
        let (q, _, _, _) = placed(30);
        assert_eq!(
            q.placed(&ClientOrderId::new("restored").unwrap()),
            (QueuePlace::Behind, None)
        );
    }

    #[test]
    fn an_order_alone_at_its_price_is_first() {
        let (q, _, w, id) = placed(0);
        assert_eq!(q.place(&id), QueuePlace::Front);
        assert_eq!(q.ahead(Side::Buy, &w), Some(Qty::ZERO));
        assert_eq!(
            q.place(&ClientOrderId::new("restored").unwrap()),
            QueuePlace::Behind
        );
    }
}
