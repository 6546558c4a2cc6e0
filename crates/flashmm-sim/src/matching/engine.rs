//! The matching engine of one market.

use super::book::Book;
use super::{
    CancelReason, EngineConfig, EngineError, FeeSchedule, Fill, L2Snapshot, LevelUpdate, Liquidity,
    OrderEvent, OrderId, OrderRequest, RejectReason, Report, RestingOrder, SelfTradePrevention,
    TimeInForce, Trade, TradeSeq,
};
use crate::account::{AccountId, AssetId, Ledger, LedgerError};
use flashmm_core::book::BookLevel;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use rust_decimal::Decimal;

/// A price-time priority matching engine for one market, settling against a [`Ledger`].
///
/// Each request method returns the [`Report`] of what it caused; the report stays readable
/// through [`MatchingEngine::last_report`] until the next request. The ledger is passed in
/// rather than owned because accounts hold one balance per asset across all markets.
///
/// Fills execute at the resting order's price. Fees are charged in quote currency on the fill
/// notional: the maker rate on the resting side, the taker rate on the incoming side.
#[derive(Debug, Clone)]
pub struct MatchingEngine {
    spec: MarketSpec,
    config: EngineConfig,
    fees: FeeSchedule,
    base: AssetId,
    quote: AssetId,
    book: Book,
    next_order: u64,
    next_trade: u64,
    seq: u64,
    report: Report,
    touched: Vec<(Side, Price)>,
}

impl MatchingEngine {
    /// An empty book for `spec`, registering its base and quote assets in `ledger`.
    pub fn new(
        spec: MarketSpec,
        config: EngineConfig,
        ledger: &mut Ledger,
    ) -> Result<Self, EngineError> {
        let fees = FeeSchedule::new(&spec)?;
        let base = ledger.register_asset(spec.id().base())?;
        let quote = ledger.register_asset(spec.id().quote())?;
        Ok(MatchingEngine {
            spec,
            config,
            fees,
            base,
            quote,
            book: Book::default(),
            next_order: 1,
            next_trade: 1,
            seq: 0,
            report: Report::default(),
            touched: Vec::new(),
        })
    }

    /// The market spec.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// The base asset's ledger handle.
    pub fn base_asset(&self) -> AssetId {
        self.base
    }

    /// The quote asset's ledger handle.
    pub fn quote_asset(&self) -> AssetId {
        self.quote
    }

    /// The current book sequence number (0 before any change).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The report of the latest request.
    pub fn last_report(&self) -> &Report {
        &self.report
    }

    /// The open order with this id.
    pub fn order(&self, id: OrderId) -> Option<&RestingOrder> {
        self.book.get(id)
    }

    /// The open orders of `account`, oldest first.
    pub fn open_orders(&self, account: AccountId) -> Vec<RestingOrder> {
        let mut orders: Vec<RestingOrder> = self
            .book
            .orders()
            .filter(|o| o.account == account)
            .copied()
            .collect();
        orders.sort_unstable_by_key(|o| o.id);
        orders
    }

    /// The number of open orders.
    pub fn open_order_count(&self) -> usize {
        self.book.len()
    }

    /// The best bid level.
    pub fn best_bid(&self) -> Option<BookLevel> {
        self.book.best_level(Side::Buy)
    }

    /// The best ask level.
    pub fn best_ask(&self) -> Option<BookLevel> {
        self.book.best_level(Side::Sell)
    }

    /// The best price of `side` among the resting orders `keep` accepts (e.g. the book without
    /// some accounts' orders).
    pub fn best_price_where(
        &self,
        side: Side,
        keep: impl Fn(&RestingOrder) -> bool,
    ) -> Option<Price> {
        self.book.best_price_where(side, keep)
    }

    /// The whole aggregated book with its sequence number.
    pub fn snapshot(&self) -> L2Snapshot {
        self.snapshot_depth(usize::MAX)
    }

    /// The best `depth` levels of each side with the sequence number.
    pub fn snapshot_depth(&self, depth: usize) -> L2Snapshot {
        L2Snapshot {
            seq: self.seq,
            bids: self.book.levels(Side::Buy, depth),
            asks: self.book.levels(Side::Sell, depth),
        }
    }

    /// Places a limit order given in ticks and lots.
    pub fn place(&mut self, ledger: &mut Ledger, req: OrderRequest) -> &Report {
        self.report.reset();
        if let Err(reason) = self.try_place(ledger, req) {
            self.reject(req.account, None, reason);
        }
        self.finish()
    }

    /// Places a limit order given as exact decimals, refusing prices off the tick grid and
    /// sizes off the lot grid with a typed reason.
    pub fn place_decimal(
        &mut self,
        ledger: &mut Ledger,
        account: AccountId,
        side: Side,
        price: Decimal,
        qty: Decimal,
        tif: TimeInForce,
    ) -> &Report {
        match self.convert(price, qty) {
            Ok((price, qty)) => self.place(
                ledger,
                OrderRequest {
                    account,
                    side,
                    price,
                    qty,
                    tif,
                },
            ),
            Err(reason) => {
                self.report.reset();
                self.reject(account, None, reason);
                self.finish()
            }
        }
    }

    /// Cancels an open order of `account`.
    pub fn cancel(&mut self, ledger: &mut Ledger, account: AccountId, id: OrderId) -> &Report {
        self.report.reset();
        match self.book.get(id) {
            Some(o) if o.account == account => {
                self.cancel_resting(ledger, id, CancelReason::Requested);
            }
            _ => self.reject(account, Some(id), RejectReason::UnknownOrder),
        }
        self.finish()
    }

    /// Cancels an open order on the venue's own account, whoever owns it, for `reason`.
    pub fn cancel_by_venue(
        &mut self,
        ledger: &mut Ledger,
        id: OrderId,
        reason: CancelReason,
    ) -> &Report {
        self.report.reset();
        self.cancel_resting(ledger, id, reason);
        self.finish()
    }

    /// Cancels every open order of `account`, oldest first.
    pub fn cancel_all(&mut self, ledger: &mut Ledger, account: AccountId) -> &Report {
        self.report.reset();
        for order in self.open_orders(account) {
            self.cancel_resting(ledger, order.id, CancelReason::Requested);
        }
        self.finish()
    }

    /// Replaces an open order's price and open size.
    ///
    /// At the same price with a size not larger than the open size the order is amended in
    /// place and keeps its time priority. Otherwise it is cancelled and a new order with a new
    /// id and the same side and time in force is placed, at the back of its level. A refused
    /// replace (validation, post-only crossing, funding) leaves the original untouched.
    pub fn replace(
        &mut self,
        ledger: &mut Ledger,
        account: AccountId,
        id: OrderId,
        price: Price,
        qty: Qty,
    ) -> &Report {
        self.report.reset();
        if let Err(reason) = self.try_replace(ledger, account, id, price, qty) {
            self.reject(account, Some(id), reason);
        }
        self.finish()
    }

    /// An outside counterparty, `taker`, takes up to `qty` of the resting order `id` at its
    /// price: the order fills as maker, `taker` as taker, both settled in `ledger`. The replay
    /// of a recording fills participants' orders this way when the recorded flow reaches
    /// them. Rejected when there is no such order or `taker` cannot fund its side.
    pub fn take_resting(
        &mut self,
        ledger: &mut Ledger,
        taker: AccountId,
        id: OrderId,
        qty: Qty,
    ) -> &Report {
        self.report.reset();
        if let Err(reason) = self.try_take_resting(ledger, taker, id, qty) {
            self.reject(taker, Some(id), reason);
        }
        self.finish()
    }

    fn try_take_resting(
        &mut self,
        ledger: &mut Ledger,
        taker: AccountId,
        id: OrderId,
        qty: Qty,
    ) -> Result<(), RejectReason> {
        let maker = *self.book.get(id).ok_or(RejectReason::UnknownOrder)?;
        let qty = Qty::from_lots(qty.lots().min(maker.qty.lots()));
        if qty.lots() <= 0 {
            return Err(RejectReason::NonPositiveSize);
        }
        let side = maker.side.opposite();
        let notional = self
            .spec
            .notional(maker.price, qty)
            .map_err(|_| RejectReason::OutOfRange)?;
        let reserved = self.reservation(side, notional, qty)?;
        let asset = self.funding_asset(side);
        ledger
            .reserve(taker, asset, reserved)
            .map_err(insufficient)?;
        let mut order = RestingOrder {
            id: self.new_order_id(),
            account: taker,
            side,
            price: maker.price,
            qty,
            filled: Qty::ZERO,
            tif: TimeInForce::Ioc,
            reserved,
        };
        self.execute(ledger, maker, &mut order);
        if !order.reserved.is_zero() {
            ledger.spend_reserved(taker, asset, order.reserved, Decimal::ZERO);
        }
        Ok(())
    }

    fn try_place(&mut self, ledger: &mut Ledger, req: OrderRequest) -> Result<(), RejectReason> {
        let notional = self.validate(req.side, req.price, req.qty, req.tif)?;
        let reserved = self.reservation(req.side, notional, req.qty)?;
        let asset = self.funding_asset(req.side);
        ledger
            .reserve(req.account, asset, reserved)
            .map_err(insufficient)?;
        let order = RestingOrder {
            id: self.new_order_id(),
            account: req.account,
            side: req.side,
            price: req.price,
            qty: req.qty,
            filled: Qty::ZERO,
            tif: req.tif,
            reserved,
        };
        self.enter(ledger, order);
        Ok(())
    }

    fn try_replace(
        &mut self,
        ledger: &mut Ledger,
        account: AccountId,
        id: OrderId,
        price: Price,
        qty: Qty,
    ) -> Result<(), RejectReason> {
        let old = match self.book.get(id) {
            Some(o) if o.account == account => *o,
            _ => return Err(RejectReason::UnknownOrder),
        };
        if price == old.price && qty <= old.qty {
            // Validated as IOC: a smaller order at its own price cannot newly cross, and its
            // level only shrinks, so the post-only and level-capacity checks do not apply.
            let notional = self.validate(old.side, price, qty, TimeInForce::Ioc)?;
            let reserved = self.reservation(old.side, notional, qty)?;
            let asset = self.funding_asset(old.side);
            ledger
                .release(account, asset, old.reserved - reserved)
                .map_err(insufficient)?;
            let amended = RestingOrder {
                qty,
                reserved,
                ..old
            };
            self.book.update(amended);
            self.touched.push((old.side, price));
            self.report.events.push(OrderEvent::Amended {
                order: id,
                account,
                price,
                qty,
            });
            return Ok(());
        }
        let notional = self.validate(old.side, price, qty, old.tif)?;
        let reserved = self.reservation(old.side, notional, qty)?;
        let asset = self.funding_asset(old.side);
        let available = ledger.balance(account, asset).available + old.reserved;
        if reserved > available {
            return Err(RejectReason::InsufficientBalance {
                asset: ledger.asset_name(asset).to_owned(),
                required: reserved,
                available,
            });
        }
        let new_id = self.new_order_id();
        self.cancel_resting(ledger, id, CancelReason::Replaced { by: new_id });
        ledger
            .reserve(account, asset, reserved)
            .map_err(insufficient)?;
        self.enter(
            ledger,
            RestingOrder {
                id: new_id,
                price,
                qty,
                filled: Qty::ZERO,
                reserved,
                ..old
            },
        );
        Ok(())
    }

    /// Checks price, size, notional, post-only and level capacity; returns the notional.
    fn validate(
        &self,
        side: Side,
        price: Price,
        qty: Qty,
        tif: TimeInForce,
    ) -> Result<Decimal, RejectReason> {
        if price.ticks() <= 0 {
            return Err(RejectReason::NonPositivePrice);
        }
        if qty.lots() <= 0 {
            return Err(RejectReason::NonPositiveSize);
        }
        let notional = self
            .spec
            .notional(price, qty)
            .map_err(|_| RejectReason::OutOfRange)?;
        if notional < self.spec.min_notional() {
            return Err(RejectReason::BelowMinNotional {
                notional,
                min: self.spec.min_notional(),
            });
        }
        if tif == TimeInForce::PostOnly && self.crosses(side, price) {
            return Err(RejectReason::PostOnlyWouldTake);
        }
        if tif != TimeInForce::Ioc && self.book.level_qty(side, price).checked_add(qty).is_none() {
            return Err(RejectReason::OutOfRange);
        }
        Ok(notional)
    }

    fn convert(&self, price: Decimal, qty: Decimal) -> Result<(Price, Qty), RejectReason> {
        let price = self
            .spec
            .price_from_decimal(price)
            .map_err(RejectReason::of_price)?;
        let qty = self
            .spec
            .qty_from_decimal(qty)
            .map_err(RejectReason::of_size)?;
        Ok((price, qty))
    }

    /// What an order of this side, notional and size must reserve.
    fn reservation(
        &self,
        side: Side,
        notional: Decimal,
        qty: Qty,
    ) -> Result<Decimal, RejectReason> {
        match side {
            Side::Buy => self
                .fees
                .buy_reserve(notional)
                .ok_or(RejectReason::OutOfRange),
            Side::Sell => Ok(self.spec.qty_to_decimal(qty)),
        }
    }

    fn funding_asset(&self, side: Side) -> AssetId {
        match side {
            Side::Buy => self.quote,
            Side::Sell => self.base,
        }
    }

    /// Whether an order on `side` at `price` would trade against the opposite best.
    fn crosses(&self, side: Side, price: Price) -> bool {
        self.book
            .best(side.opposite())
            .is_some_and(|best| crosses(side, price, best.price))
    }

    /// Announces an accepted order, matches it, then rests or expires the remainder.
    fn enter(&mut self, ledger: &mut Ledger, mut order: RestingOrder) {
        self.report.events.push(OrderEvent::Accepted {
            order: order.id,
            account: order.account,
            side: order.side,
            price: order.price,
            qty: order.qty,
            tif: order.tif,
        });
        while !order.qty.is_zero() {
            let Some(maker) = self.book.best(order.side.opposite()).copied() else {
                break;
            };
            if !crosses(order.side, order.price, maker.price) {
                break;
            }
            if maker.account == order.account
                && self.config.self_trade == SelfTradePrevention::CancelResting
            {
                self.cancel_resting(ledger, maker.id, CancelReason::SelfTrade);
                continue;
            }
            self.execute(ledger, maker, &mut order);
        }
        if order.qty.is_zero() {
            return;
        }
        if order.tif == TimeInForce::Ioc {
            let asset = self.funding_asset(order.side);
            ledger.spend_reserved(order.account, asset, order.reserved, Decimal::ZERO);
            self.report.events.push(OrderEvent::Expired {
                order: order.id,
                account: order.account,
                qty: order.qty,
            });
        } else {
            self.book.insert(order);
            self.touched.push((order.side, order.price));
        }
    }

    /// Trades `taker` against the resting `maker` at the maker's price.
    fn execute(&mut self, ledger: &mut Ledger, mut maker: RestingOrder, taker: &mut RestingOrder) {
        let qty = Qty::from_lots(maker.qty.lots().min(taker.qty.lots()));
        let price = maker.price;
        // Cannot fail: bounded by the notional of the buy order validated on entry.
        let notional = self.spec.notional(price, qty).unwrap_or_default();
        let trade = TradeSeq(self.next_trade);
        self.next_trade += 1;
        let maker_fee = self.fees.fee(notional, Liquidity::Maker);
        let taker_fee = self.fees.fee(notional, Liquidity::Taker);
        self.settle(ledger, &mut maker, qty, notional, maker_fee);
        self.settle(ledger, taker, qty, notional, taker_fee);
        ledger.collect_fee(self.quote, maker_fee + taker_fee);
        if maker.qty.is_zero() {
            self.book.remove(maker.id);
        } else {
            self.book.update(maker);
        }
        self.touched.push((maker.side, price));
        for (o, liquidity, fee) in [
            (&maker, Liquidity::Maker, maker_fee),
            (&*taker, Liquidity::Taker, taker_fee),
        ] {
            self.report.events.push(OrderEvent::Filled(Fill {
                trade,
                order: o.id,
                account: o.account,
                side: o.side,
                liquidity,
                price,
                qty,
                fee,
                remaining: o.qty,
            }));
        }
        self.report.trades.push(Trade {
            id: trade,
            price,
            qty,
            aggressor: taker.side,
        });
    }

    /// Moves one side's part of a fill through the ledger and updates the order.
    fn settle(
        &self,
        ledger: &mut Ledger,
        order: &mut RestingOrder,
        qty: Qty,
        notional: Decimal,
        fee: Decimal,
    ) {
        order.qty = Qty::from_lots(order.qty.lots() - qty.lots());
        order.filled = Qty::from_lots(order.filled.lots() + qty.lots());
        let portion = if order.qty.is_zero() {
            order.reserved
        } else {
            // Cannot fail: a part of the order's own validated reservation.
            let n = self.spec.notional(order.price, qty).unwrap_or_default();
            self.reservation(order.side, n, qty).unwrap_or_default()
        };
        order.reserved -= portion;
        let base_qty = self.spec.qty_to_decimal(qty);
        match order.side {
            Side::Buy => {
                ledger.spend_reserved(order.account, self.quote, portion, notional + fee);
                ledger.credit(order.account, self.base, base_qty);
            }
            Side::Sell => {
                ledger.spend_reserved(order.account, self.base, portion, base_qty);
                ledger.credit(order.account, self.quote, notional - fee);
            }
        }
    }

    fn cancel_resting(&mut self, ledger: &mut Ledger, id: OrderId, reason: CancelReason) {
        let Some(order) = self.book.remove(id) else {
            return;
        };
        let asset = self.funding_asset(order.side);
        ledger.spend_reserved(order.account, asset, order.reserved, Decimal::ZERO);
        self.touched.push((order.side, order.price));
        self.report.events.push(OrderEvent::Cancelled {
            order: id,
            account: order.account,
            qty: order.qty,
            reason,
        });
    }

    fn reject(&mut self, account: AccountId, order: Option<OrderId>, reason: RejectReason) {
        self.report.events.push(OrderEvent::Rejected {
            account,
            order,
            reason,
        });
    }

    fn new_order_id(&mut self) -> OrderId {
        let id = OrderId(self.next_order);
        self.next_order += 1;
        id
    }

    /// Turns the touched levels into level updates and stamps the sequence number.
    fn finish(&mut self) -> &Report {
        for (i, &(side, price)) in self.touched.iter().enumerate() {
            if self.touched[..i].contains(&(side, price)) {
                continue;
            }
            self.report.levels.push(LevelUpdate {
                side,
                price,
                qty: self.book.level_qty(side, price),
            });
        }
        self.touched.clear();
        if !self.report.levels.is_empty() {
            self.seq += 1;
        }
        self.report.seq = self.seq;
        &self.report
    }
}

/// Whether an order on `side` limited at `limit` trades against a resting price `resting`.
#[inline]
fn crosses(side: Side, limit: Price, resting: Price) -> bool {
    match side {
        Side::Buy => limit >= resting,
        Side::Sell => limit <= resting,
    }
}

fn insufficient(e: LedgerError) -> RejectReason {
    match e {
        LedgerError::Insufficient {
            asset,
            required,
            available,
        } => RejectReason::InsufficientBalance {
            asset,
            required,
            available,
        },
        _ => RejectReason::OutOfRange,
    }
}
