//! One hosted market: its engine and flow, the metadata of participants' orders, and the
//! translation of the engine's reports into wire messages.

use super::replay::Replay;
use super::spread::SpreadMeter;
use super::Outbound;
use crate::account::AccountId;
use crate::flow::FlowAgent;
use crate::matching::{CancelReason, MatchingEngine, OrderEvent, OrderId, Report, TimeInForce};
use flashmm_core::book::BookLevel;
use flashmm_core::identifiers::{ClientOrderId, VenueOrderId};
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_venue::protocol::{
    DeltaMsg, FillMsg, OrderStatusWire, OrderUpdateMsg, ServerMessage, TradeMsg, WireLevel,
};
use std::collections::{HashMap, VecDeque};

/// What the venue remembers of a participant's open order beyond the engine's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderMeta {
    pub account: AccountId,
    pub client_id: ClientOrderId,
    pub side: Side,
    pub price: Price,
    /// Filled plus open: the original size, or the amended one.
    pub size: Qty,
    pub filled: Qty,
    pub tif: TimeInForce,
}

/// The account and client id of the order a request is about to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    pub account: AccountId,
    pub client_id: ClientOrderId,
}

/// One hosted market.
#[derive(Debug)]
pub(crate) struct Market {
    pub index: usize,
    pub spec: MarketSpec,
    pub engine: MatchingEngine,
    pub flow: Option<FlowAgent>,
    /// The recording the market follows, instead of a flow.
    pub replay: Option<Replay>,
    pub book: MarketOrders,
    /// With a background flow: how much participants' orders tighten its spread.
    pub spread: SpreadMeter,
}

/// Participants' orders of one market.
#[derive(Debug, Default)]
pub(crate) struct MarketOrders {
    pub orders: HashMap<OrderId, OrderMeta>,
    pub by_client: HashMap<(AccountId, ClientOrderId), OrderId>,
}

/// The venue's wire id of an engine order id.
pub(crate) fn venue_id(id: OrderId) -> VenueOrderId {
    VenueOrderId::new(id.0.to_string()).expect("a decimal number is a valid venue order id")
}

/// Where translated fills are logged, per account.
pub(crate) type FillLog = HashMap<AccountId, VecDeque<FillMsg>>;

/// Context of one translation.
pub(crate) struct Translate<'a> {
    pub index: usize,
    pub spec: &'a MarketSpec,
    pub orders: &'a mut MarketOrders,
    pub fills: &'a mut FillLog,
    pub fill_history: usize,
    pub pending: Option<&'a Pending>,
    pub ts: i64,
    /// Whether the engine's book changes and trades are public market data (not in a
    /// replayed market, whose public data is the recording's).
    pub public: bool,
}

impl Translate<'_> {
    /// Appends the wire messages of `report`: the book delta, the public trades, then the
    /// order updates and fills of participants' orders.
    pub fn report(&mut self, report: &Report, out: &mut Vec<Outbound>) {
        if self.public {
            self.public_data(report, out);
        }
        for event in &report.events {
            self.event(event, out);
        }
    }

    fn public_data(&mut self, report: &Report, out: &mut Vec<Outbound>) {
        if report.book_changed() {
            let side_levels = |side: Side| -> Vec<WireLevel> {
                report
                    .levels
                    .iter()
                    .filter(|l| l.side == side)
                    .map(|l| WireLevel::from_level(self.spec, BookLevel::new(l.price, l.qty)))
                    .collect()
            };
            let delta = DeltaMsg {
                market: self.spec.id().clone(),
                seq: report.seq,
                prev_seq: report.seq.saturating_sub(1),
                bids: side_levels(Side::Buy),
                asks: side_levels(Side::Sell),
                ts: self.ts,
            };
            out.push(Outbound::Market {
                market: self.index,
                msg: ServerMessage::Delta(delta),
            });
        }
        for t in &report.trades {
            out.push(Outbound::Market {
                market: self.index,
                msg: ServerMessage::Trade(TradeMsg {
                    market: self.spec.id().clone(),
                    trade_id: t.id.to_string(),
                    price: self.spec.price_to_decimal(t.price),
                    size: self.spec.qty_to_decimal(t.qty),
                    aggressor: t.aggressor,
                    ts: self.ts,
                }),
            });
        }
    }

    fn event(&mut self, event: &OrderEvent, out: &mut Vec<Outbound>) {
        match *event {
            OrderEvent::Accepted {
                order,
                account,
                side,
                price,
                qty,
                tif,
            } => {
                let Some(pending) = self.pending.filter(|p| p.account == account) else {
                    return;
                };
                let meta = OrderMeta {
                    account,
                    client_id: pending.client_id.clone(),
                    side,
                    price,
                    size: qty,
                    filled: Qty::ZERO,
                    tif,
                };
                self.orders
                    .by_client
                    .insert((account, meta.client_id.clone()), order);
                let update = self.update(order, &meta, qty, OrderStatusWire::Open, None);
                self.orders.orders.insert(order, meta);
                push_account(out, account, ServerMessage::Order(update));
            }
            OrderEvent::Filled(fill) => {
                let Some(meta) = self.orders.orders.get_mut(&fill.order) else {
                    return;
                };
                meta.filled = Qty::from_lots(meta.filled.lots().saturating_add(fill.qty.lots()));
                let meta = meta.clone();
                let msg = FillMsg {
                    market: self.spec.id().clone(),
                    trade_id: fill.trade.to_string(),
                    order_id: venue_id(fill.order),
                    client_order_id: meta.client_id.clone(),
                    side: fill.side,
                    liquidity: fill.liquidity,
                    price: self.spec.price_to_decimal(fill.price),
                    size: self.spec.qty_to_decimal(fill.qty),
                    fee: fill.fee,
                    fee_asset: self.spec.id().quote().to_owned(),
                    remaining: self.spec.qty_to_decimal(fill.remaining),
                    ts: self.ts,
                };
                let log = self.fills.entry(meta.account).or_default();
                log.push_back(msg.clone());
                while log.len() > self.fill_history {
                    log.pop_front();
                }
                push_account(out, meta.account, ServerMessage::Fill(msg));
                let status = if fill.is_final() {
                    self.forget(fill.order);
                    OrderStatusWire::Filled
                } else {
                    OrderStatusWire::PartiallyFilled
                };
                let update = self.update(fill.order, &meta, fill.remaining, status, None);
                push_account(out, meta.account, ServerMessage::Order(update));
            }
            OrderEvent::Cancelled { order, reason, .. } => {
                let Some(meta) = self.forget(order) else {
                    return;
                };
                let reason = match reason {
                    CancelReason::Requested => "requested".to_owned(),
                    CancelReason::SelfTrade => "self_trade".to_owned(),
                    CancelReason::MarketReset => "market_reset".to_owned(),
                    CancelReason::Replaced { by } => format!("replaced_by:{by}"),
                };
                let update = self.update(
                    order,
                    &meta,
                    Qty::ZERO,
                    OrderStatusWire::Cancelled,
                    Some(reason),
                );
                push_account(out, meta.account, ServerMessage::Order(update));
            }
            OrderEvent::Expired { order, .. } => {
                let Some(meta) = self.forget(order) else {
                    return;
                };
                let update = self.update(
                    order,
                    &meta,
                    Qty::ZERO,
                    OrderStatusWire::Expired,
                    Some("ioc_unfilled".to_owned()),
                );
                push_account(out, meta.account, ServerMessage::Order(update));
            }
            OrderEvent::Amended { order, qty, .. } => {
                let Some(meta) = self.orders.orders.get_mut(&order) else {
                    return;
                };
                meta.size = Qty::from_lots(meta.filled.lots().saturating_add(qty.lots()));
                let meta = meta.clone();
                let update = self.update(order, &meta, qty, open_status(&meta), None);
                push_account(out, meta.account, ServerMessage::Order(update));
            }
            OrderEvent::Rejected { .. } => {}
        }
    }

    fn forget(&mut self, order: OrderId) -> Option<OrderMeta> {
        let meta = self.orders.orders.remove(&order)?;
        self.orders
            .by_client
            .remove(&(meta.account, meta.client_id.clone()));
        Some(meta)
    }

    fn update(
        &self,
        order: OrderId,
        meta: &OrderMeta,
        remaining: Qty,
        status: OrderStatusWire,
        reason: Option<String>,
    ) -> OrderUpdateMsg {
        order_update(self.spec, order, meta, remaining, status, reason, self.ts)
    }
}

/// The status of an order still open.
pub(crate) fn open_status(meta: &OrderMeta) -> OrderStatusWire {
    if meta.filled.is_zero() {
        OrderStatusWire::Open
    } else {
        OrderStatusWire::PartiallyFilled
    }
}

/// The wire update of an order.
pub(crate) fn order_update(
    spec: &MarketSpec,
    order: OrderId,
    meta: &OrderMeta,
    remaining: Qty,
    status: OrderStatusWire,
    reason: Option<String>,
    ts: i64,
) -> OrderUpdateMsg {
    OrderUpdateMsg {
        market: spec.id().clone(),
        order_id: venue_id(order),
        client_order_id: meta.client_id.clone(),
        side: meta.side,
        price: spec.price_to_decimal(meta.price),
        size: spec.qty_to_decimal(meta.size),
        filled: spec.qty_to_decimal(meta.filled),
        remaining: spec.qty_to_decimal(remaining),
        tif: meta.tif,
        status,
        reason,
        ts,
    }
}

fn push_account(out: &mut Vec<Outbound>, account: AccountId, msg: ServerMessage) {
    out.push(Outbound::Account { account, msg });
}
