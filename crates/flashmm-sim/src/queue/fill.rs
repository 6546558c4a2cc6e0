//! [`FillSimulator`]: the venue side of a backtest, and of the simulator's replay mode. Keeps
//! the recorded book as the venue saw it, rests our orders in it with a [`QueuePosition`]
//! each, and fills them from the recorded trades and book moves.

use flashmm_core::book::{BookLevel, BookUpdate, OrderBook, SyncedBook};
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::order::Liquidity;
use flashmm_core::time::UnixNanos;
use flashmm_recording::RecordEvent;

use super::order::{ExchangeReport, NewOrder, OrderId, RejectReason};
use flashmm_core::order::{CancelModel, QueuePosition};

/// One of our orders resting at the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestingOrder {
    /// Our id.
    pub id: OrderId,
    /// Buy or sell.
    pub side: Side,
    /// Limit price in ticks.
    pub price: i64,
    /// Lots left.
    pub remaining: i64,
    /// Its place in the queue.
    pub queue: QueuePosition,
}

/// The simulated venue: the recorded book plus our resting orders, no market impact (the
/// recorded flow is replayed as it happened; our orders never change it).
///
/// Fill rules for a resting order:
/// - a public trade at its price against its side first consumes the queue ahead
///   ([`QueuePosition::on_trade`]); the rest fills the order;
/// - a public trade beyond its price (a sell printed below our bid, a buy above our ask)
///   means the whole level traded: the order fills in full at its price;
/// - a book in which the opposite side reaches its price (best ask ≤ our bid) fills it in
///   full at its price;
///
/// An arriving order that would cross is refused when `post_only`, else it takes the
/// displayed levels up to its limit at their prices (taker) and the remainder is cancelled
/// (immediate-or-cancel beyond the displayed size).
#[derive(Debug, Clone)]
pub struct FillSimulator {
    book: SyncedBook,
    orders: Vec<RestingOrder>,
    cancel_model: CancelModel,
    post_only: bool,
    refused_updates: u64,
    changed: Vec<(usize, i64)>,
}

impl FillSimulator {
    /// A venue for `market` with an empty book.
    pub fn new(market: MarketId, cancel_model: CancelModel, post_only: bool) -> Self {
        FillSimulator {
            book: SyncedBook::new(market),
            orders: Vec::new(),
            cancel_model,
            post_only,
            refused_updates: 0,
            changed: Vec::new(),
        }
    }

    /// The venue's book.
    pub fn book(&self) -> &OrderBook {
        self.book.book()
    }

    /// Whether the book is in sync (a snapshot was applied and no update refused since).
    pub fn book_valid(&self) -> bool {
        self.book.is_synced()
    }

    /// Book updates refused (sequence gaps, crossed results) so far.
    pub fn refused_updates(&self) -> u64 {
        self.refused_updates
    }

    /// Our resting orders.
    pub fn orders(&self) -> &[RestingOrder] {
        &self.orders
    }

    /// Our best resting price on a side, in ticks.
    pub fn best_own(&self, side: Side) -> Option<i64> {
        let prices = self
            .orders
            .iter()
            .filter(|o| o.side == side)
            .map(|o| o.price);
        match side {
            Side::Buy => prices.max(),
            Side::Sell => prices.min(),
        }
    }

    /// Applies one recorded market event at venue time `ts`; fills go to `out`.
    pub fn on_event(&mut self, ts: UnixNanos, event: &RecordEvent, out: &mut Vec<ExchangeReport>) {
        match event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => {
                self.remember_levels(|_, _| true);
                if let BookUpdate::Refused(_) = self.book.apply_snapshot(s) {
                    self.refused_updates += 1;
                }
                self.update_queues();
                self.fill_crossed(ts, out);
            }
            RecordEvent::Market(MarketEvent::Delta(d)) => {
                if !self.book.is_synced() {
                    return;
                }
                self.remember_levels(|side, price| {
                    let levels = match side {
                        Side::Buy => &d.bids,
                        Side::Sell => &d.asks,
                    };
                    levels.iter().any(|l| l.price.ticks() == price)
                });
                match self.book.apply_delta(d) {
                    BookUpdate::Delta => {}
                    BookUpdate::Refused(_) => {
                        self.refused_updates += 1;
                        self.changed.clear();
                        return;
                    }
                    _ => {
                        self.changed.clear();
                        return;
                    }
                }
                self.update_queues();
                self.fill_crossed(ts, out);
            }
            RecordEvent::Market(MarketEvent::Trade(t)) => {
                let against = t.aggressor.opposite();
                let (px, lots) = (t.price.ticks(), t.qty.lots());
                let mut i = 0;
                while i < self.orders.len() {
                    let o = &mut self.orders[i];
                    let fill = if o.side != against {
                        0
                    } else if beyond(o.side, o.price, px) {
                        o.remaining
                    } else if o.price == px {
                        o.queue.on_trade(lots).min(o.remaining)
                    } else {
                        0
                    };
                    if fill > 0 && self.fill(i, fill, ts, out) {
                        continue;
                    }
                    i += 1;
                }
            }
            RecordEvent::Top(_) => {}
        }
    }

    /// An order arrives at `ts`: refused, (partly) taken, and/or rested; refused when it
    /// would cross and the venue is post-only.
    pub fn place(&mut self, ts: UnixNanos, order: NewOrder, out: &mut Vec<ExchangeReport>) {
        self.place_order(ts, order, self.post_only, out);
    }

    /// An order arrives at `ts`: refused, (partly) taken, and/or rested; `post_only` refuses
    /// it when it would cross.
    pub fn place_order(
        &mut self,
        ts: UnixNanos,
        order: NewOrder,
        post_only: bool,
        out: &mut Vec<ExchangeReport>,
    ) {
        if !self.book.is_synced() {
            out.push(ExchangeReport::Rejected {
                id: order.id,
                reason: RejectReason::NoBook,
            });
            return;
        }
        let side = order.side;
        let limit = order.price.ticks();
        let mut remaining = order.qty.lots();
        let crosses = |l: &BookLevel| match side {
            Side::Buy => l.price.ticks() <= limit,
            Side::Sell => l.price.ticks() >= limit,
        };
        let mut opposite = self.book.book().levels(side.opposite()).peekable();
        if opposite.peek().is_some_and(&crosses) {
            if post_only {
                out.push(ExchangeReport::Rejected {
                    id: order.id,
                    reason: RejectReason::WouldCross,
                });
                return;
            }
            for level in opposite.take_while(|l| crosses(l)) {
                let take = level.qty.lots().min(remaining);
                if take <= 0 {
                    continue;
                }
                remaining -= take;
                out.push(ExchangeReport::Filled {
                    id: order.id,
                    side,
                    price: level.price,
                    qty: Qty::from_lots(take),
                    liquidity: Liquidity::Taker,
                    done: remaining == 0,
                    ts,
                });
                if remaining == 0 {
                    return;
                }
            }
            // The recorded book does not lose the levels we took, so a remainder resting
            // beyond them would fill again on the next update: it is cancelled instead.
            out.push(ExchangeReport::Cancelled { id: order.id });
            return;
        }
        self.rest(NewOrder {
            qty: Qty::from_lots(remaining),
            ..order
        });
    }

    /// Rests an order as it is, behind the whole displayed size at its price: the caller has
    /// checked that it does not cross.
    pub fn rest(&mut self, order: NewOrder) {
        let displayed = level_qty(self.book.book(), order.side, order.price.ticks());
        self.orders.push(RestingOrder {
            id: order.id,
            side: order.side,
            price: order.price.ticks(),
            remaining: order.qty.lots(),
            queue: QueuePosition::join(displayed),
        });
    }

    /// Whether an order on `side` limited at `price` would trade against the book now.
    pub fn crosses(&self, side: Side, price: Price) -> bool {
        let book = self.book.book();
        match side {
            Side::Buy => book.best_ask().is_some_and(|a| a.price <= price),
            Side::Sell => book.best_bid().is_some_and(|b| b.price >= price),
        }
    }

    /// An order's open size fell to `remaining` lots in place (an amendment, or a fill
    /// elsewhere): it keeps its queue position; at zero it leaves the book.
    pub fn reduce(&mut self, id: OrderId, remaining: i64) {
        if let Some(i) = self.orders.iter().position(|o| o.id == id) {
            if remaining <= 0 {
                self.orders.swap_remove(i);
            } else {
                self.orders[i].remaining = remaining;
            }
        }
    }

    /// Empties the venue: no book (it waits for a snapshot again) and no resting order.
    pub fn reset(&mut self) {
        self.book = SyncedBook::new(self.book.book().market().clone());
        self.orders.clear();
        self.changed.clear();
    }

    /// A cancel arrives: the order leaves the book, or it is already gone.
    pub fn cancel(&mut self, id: OrderId, out: &mut Vec<ExchangeReport>) {
        match self.orders.iter().position(|o| o.id == id) {
            Some(i) => {
                self.orders.swap_remove(i);
                out.push(ExchangeReport::Cancelled { id });
            }
            None => out.push(ExchangeReport::CancelRejected { id }),
        }
    }

    /// A cancel-all arrives: every resting order leaves the book.
    pub fn cancel_all(&mut self, out: &mut Vec<ExchangeReport>) {
        for o in self.orders.drain(..) {
            out.push(ExchangeReport::Cancelled { id: o.id });
        }
    }

    /// Notes the displayed size, before an update, at the price of each order for which
    /// `touched(side, price)`.
    fn remember_levels(&mut self, touched: impl Fn(Side, i64) -> bool) {
        self.changed.clear();
        for (i, o) in self.orders.iter().enumerate() {
            if touched(o.side, o.price) {
                self.changed
                    .push((i, level_qty(self.book.book(), o.side, o.price)));
            }
        }
    }

    /// Moves the queue of every remembered order by the change of its level.
    fn update_queues(&mut self) {
        for &(i, old) in &self.changed {
            let o = &mut self.orders[i];
            let new = level_qty(self.book.book(), o.side, o.price);
            if new != old {
                o.queue.on_level_change(old, new, self.cancel_model);
            }
        }
        self.changed.clear();
    }

    /// Fills in full every order that the opposite side of the book now reaches.
    fn fill_crossed(&mut self, ts: UnixNanos, out: &mut Vec<ExchangeReport>) {
        let (bid, ask) = (
            self.book.book().best_bid().map(|l| l.price.ticks()),
            self.book.book().best_ask().map(|l| l.price.ticks()),
        );
        let mut i = 0;
        while i < self.orders.len() {
            let o = &self.orders[i];
            let reached = match o.side {
                Side::Buy => ask.is_some_and(|a| a <= o.price),
                Side::Sell => bid.is_some_and(|b| b >= o.price),
            };
            if reached && self.fill(i, o.remaining, ts, out) {
                continue;
            }
            i += 1;
        }
    }

    /// Fills `lots` of order `i` as maker at its price; returns whether it was removed.
    fn fill(&mut self, i: usize, lots: i64, ts: UnixNanos, out: &mut Vec<ExchangeReport>) -> bool {
        let o = &mut self.orders[i];
        o.remaining -= lots;
        let done = o.remaining <= 0;
        out.push(ExchangeReport::Filled {
            id: o.id,
            side: o.side,
            price: Price::from_ticks(o.price),
            qty: Qty::from_lots(lots),
            liquidity: Liquidity::Maker,
            done,
            ts,
        });
        if done {
            self.orders.swap_remove(i);
        }
        done
    }
}

/// Whether a trade at `trade_px` lies beyond an order's price: below a bid, above an ask.
#[inline]
fn beyond(side: Side, price: i64, trade_px: i64) -> bool {
    match side {
        Side::Buy => trade_px < price,
        Side::Sell => trade_px > price,
    }
}

/// The displayed lots at `price` on `side` of `book` (0 when there is no such level).
#[inline]
fn level_qty(book: &OrderBook, side: Side, price: i64) -> i64 {
    book.qty_at(side, Price::from_ticks(price)).lots()
}
