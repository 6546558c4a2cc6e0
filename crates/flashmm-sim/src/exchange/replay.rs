//! A market that follows a recording: the recorded book is the market's resting liquidity,
//! and participants' orders are filled by the queue model ([`crate::queue`]).

use super::market::Translate;
use super::Outbound;
use crate::account::{AccountId, Ledger};
use crate::matching::{CancelReason, MatchingEngine, OrderId};
use crate::queue::{CancelModel, ExchangeReport, FillSimulator, NewOrder};
use flashmm_core::book::BookLevel;
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use flashmm_core::time::UnixNanos;
use flashmm_recording::{Record, RecordEvent};
use flashmm_venue::protocol::{DeltaMsg, ServerMessage, SnapshotMsg, TradeMsg, WireLevel};
use std::sync::Arc;

/// How a recorded market is replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayOptions {
    /// The recording time (UTC ns, receive time) that the first advance of the exchange maps
    /// to; records before it are applied at once. Several markets replayed together share it,
    /// so they stay aligned as they were recorded.
    pub start_ns: i64,
    /// The recording time at which one lap ends (the last record of the longest market).
    pub end_ns: i64,
    /// Whether the replay starts again from the beginning after the end; otherwise the
    /// market stays as the recording left it.
    pub looped: bool,
    /// Where cancellations at a level are assumed to stand relative to participants' orders.
    pub cancel_model: CancelModel,
}

/// The replay of one market.
#[derive(Debug)]
pub(crate) struct Replay {
    records: Arc<[Record]>,
    options: ReplayOptions,
    next: usize,
    /// The wall time (UTC ns) of the current lap's `start_ns`; set by the first advance.
    origin_wall: Option<i64>,
    venue: FillSimulator,
    wire_seq: u64,
    next_trade: u64,
    laps: u64,
    taker: AccountId,
    scratch: Vec<ExchangeReport>,
}

impl Replay {
    /// A replay of `records` (one market's, in receive order) for `engine`'s market; the
    /// venue's counterparty `taker` is funded with ample balances.
    pub fn new(
        records: Arc<[Record]>,
        options: ReplayOptions,
        engine: &MatchingEngine,
        ledger: &mut Ledger,
        taker: AccountId,
    ) -> Result<Self, crate::account::LedgerError> {
        let ample = Ledger::MAX_BALANCE / rust_decimal::Decimal::TEN;
        ledger.deposit(taker, engine.base_asset(), ample)?;
        ledger.deposit(taker, engine.quote_asset(), ample)?;
        Ok(Replay {
            records,
            options,
            next: 0,
            origin_wall: None,
            venue: FillSimulator::new(engine.spec().id().clone(), options.cancel_model, true),
            wire_seq: 0,
            next_trade: 1,
            laps: 0,
            taker,
            scratch: Vec::new(),
        })
    }

    /// A market that follows a live feed: no record of its own, each event is applied as it
    /// arrives ([`Replay::apply_now`]).
    pub fn follow(
        engine: &MatchingEngine,
        ledger: &mut Ledger,
        taker: AccountId,
    ) -> Result<Self, crate::account::LedgerError> {
        let options = ReplayOptions {
            start_ns: 0,
            end_ns: 0,
            looped: false,
            cancel_model: CancelModel::default(),
        };
        Replay::new(Vec::new().into(), options, engine, ledger, taker)
    }

    /// Applies one event of a followed feed now (wall time `now_ns`): published on the
    /// simulator's feed and filling participants' orders it reaches, as a recorded one.
    pub fn apply_now(
        &mut self,
        event: &RecordEvent,
        now_ns: i64,
        engine: &mut MatchingEngine,
        ledger: &mut Ledger,
        tr: &mut Translate<'_>,
        out: &mut Vec<Outbound>,
    ) {
        self.apply(event, now_ns, engine, ledger, tr, out);
    }

    /// Laps completed (restarts from the beginning).
    pub fn laps(&self) -> u64 {
        self.laps
    }

    /// Whether a participant's order rests in the recorded book.
    pub fn has(&self, id: OrderId) -> bool {
        self.venue.orders().iter().any(|o| o.id == id.0)
    }

    /// The public book as a snapshot message.
    pub fn snapshot(&self, spec: &MarketSpec, ts: i64) -> SnapshotMsg {
        let book = self.venue.book();
        let bids: Vec<BookLevel> = book.levels(Side::Buy).collect();
        let asks: Vec<BookLevel> = book.levels(Side::Sell).collect();
        SnapshotMsg {
            market: spec.id().clone(),
            seq: self.wire_seq,
            bids: WireLevel::from_levels(spec, &bids),
            asks: WireLevel::from_levels(spec, &asks),
            ts,
        }
    }

    /// Applies every record due by wall time `now_ns` (the replay runs `speed` times real
    /// time), publishing the recorded market data and filling participants' orders it reaches.
    pub fn run_until(
        &mut self,
        now_ns: i64,
        speed: f64,
        engine: &mut MatchingEngine,
        ledger: &mut Ledger,
        tr: &mut Translate<'_>,
        out: &mut Vec<Outbound>,
    ) {
        loop {
            let origin = *self.origin_wall.get_or_insert(now_ns);
            // Recording time now: the lap's start plus the scaled wall time since its origin.
            let elapsed = (now_ns.saturating_sub(origin) as f64 * speed) as i64;
            let rec_now = self.options.start_ns.saturating_add(elapsed);
            while let Some(record) = self.records.get(self.next) {
                if record.recv_ts.as_i64() > rec_now {
                    return;
                }
                let event = record.event.clone();
                self.next += 1;
                self.apply(&event, now_ns, engine, ledger, tr, out);
            }
            if !self.options.looped || rec_now < self.options.end_ns {
                return;
            }
            let lap = self.options.end_ns.saturating_sub(self.options.start_ns);
            let lap_wall = ((lap as f64 / speed) as i64).max(1);
            self.origin_wall = Some(origin.saturating_add(lap_wall));
            self.restart(engine, ledger, tr, out);
        }
    }

    /// Starts a new lap: every participant's order is cancelled (`market_reset`), the book is
    /// emptied and the empty book published (the clear event), then the recording restarts.
    fn restart(
        &mut self,
        engine: &mut MatchingEngine,
        ledger: &mut Ledger,
        tr: &mut Translate<'_>,
        out: &mut Vec<Outbound>,
    ) {
        let ids: Vec<u64> = self.venue.orders().iter().map(|o| o.id).collect();
        for id in ids {
            let report = engine
                .cancel_by_venue(ledger, OrderId(id), CancelReason::MarketReset)
                .clone();
            tr.report(&report, out);
        }
        self.venue.reset();
        self.next = 0;
        self.laps += 1;
        self.wire_seq += 1;
        out.push(Outbound::Market {
            market: tr.index,
            msg: ServerMessage::Snapshot(self.snapshot(tr.spec, tr.ts)),
        });
    }

    fn apply(
        &mut self,
        event: &RecordEvent,
        now_ns: i64,
        engine: &mut MatchingEngine,
        ledger: &mut Ledger,
        tr: &mut Translate<'_>,
        out: &mut Vec<Outbound>,
    ) {
        let ts = UnixNanos(now_ns);
        let was_valid = self.venue.book_valid();
        let refused = self.venue.refused_updates();
        self.scratch.clear();
        self.venue.on_event(ts, event, &mut self.scratch);
        let applied = self.venue.book_valid() && self.venue.refused_updates() == refused;
        match event {
            RecordEvent::Market(MarketEvent::Snapshot(_)) if applied => {
                self.wire_seq += 1;
                out.push(Outbound::Market {
                    market: tr.index,
                    msg: ServerMessage::Snapshot(self.snapshot(tr.spec, now_ns)),
                });
            }
            RecordEvent::Market(MarketEvent::Delta(d)) if applied && was_valid => {
                self.wire_seq += 1;
                let wire = |levels: &[BookLevel]| WireLevel::from_levels(tr.spec, levels);
                out.push(Outbound::Market {
                    market: tr.index,
                    msg: ServerMessage::Delta(DeltaMsg {
                        market: tr.spec.id().clone(),
                        seq: self.wire_seq,
                        prev_seq: self.wire_seq - 1,
                        bids: wire(&d.bids),
                        asks: wire(&d.asks),
                        ts: now_ns,
                    }),
                });
            }
            RecordEvent::Market(MarketEvent::Trade(t)) => {
                let trade_id = self.next_trade;
                self.next_trade += 1;
                out.push(Outbound::Market {
                    market: tr.index,
                    msg: ServerMessage::Trade(TradeMsg {
                        market: tr.spec.id().clone(),
                        trade_id: format!("r{trade_id}"),
                        price: tr.spec.price_to_decimal(t.price),
                        size: tr.spec.qty_to_decimal(t.qty),
                        aggressor: t.aggressor,
                        ts: now_ns,
                    }),
                });
            }
            _ => {}
        }
        let fills: Vec<(u64, Qty)> = self
            .scratch
            .iter()
            .filter_map(|r| match r {
                ExchangeReport::Filled { id, qty, .. } => Some((*id, *qty)),
                _ => None,
            })
            .collect();
        for (id, qty) in fills {
            let report = engine
                .take_resting(ledger, self.taker, OrderId(id), qty)
                .clone();
            tr.report(&report, out);
            // The venue and the engine agree on what is left; an order the engine no longer
            // has leaves the venue too.
            let left = engine.order(OrderId(id)).map_or(0, |o| o.qty.lots());
            self.venue.reduce(id, left);
        }
    }

    /// Whether an order on `side` at `price` would take from the recorded book.
    pub fn crosses(&self, side: Side, price: Price) -> bool {
        self.venue.crosses(side, price)
    }

    /// The recorded levels an order on `side` limited at `price` would take, best first.
    pub fn crossed_levels(&self, side: Side, price: Price) -> Vec<BookLevel> {
        let book = self.venue.book();
        book.levels(side.opposite())
            .take_while(|l| match side {
                Side::Buy => l.price <= price,
                Side::Sell => l.price >= price,
            })
            .collect()
    }

    /// Whether the recorded book is in sync (a snapshot applied).
    pub fn book_valid(&self) -> bool {
        self.venue.book_valid()
    }

    /// A participant's order rests in the recorded book, behind the displayed size.
    pub fn rest(&mut self, id: OrderId, side: Side, price: Price, qty: Qty) {
        self.venue.rest(NewOrder {
            id: id.0,
            side,
            price,
            qty,
        });
    }

    /// A participant's order left the book, or its open size changed in place.
    pub fn reduce(&mut self, id: OrderId, remaining: i64) {
        self.venue.reduce(id.0, remaining);
    }
}
