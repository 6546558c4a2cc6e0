//! [`BinanceConverter`]: raw Binance lines in, FlashMM records out.

use super::book::{Anchor, DiffBook, SeqCheck};
use super::message::RawTrade;
use super::message::{parse_line, BookTicker, DepthSnapshot, DepthUpdate, Message, RawLevel};
use super::TimeUnit;
use crate::import::{ImportStats, MalformedKind};
use crate::{Record, RecordEvent, TopOfBook};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{ConversionError, MarketSpec, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;

/// Converts the lines of one instrument, in receive order, into records.
///
/// Book records start with a `Snapshot` once the book is initialised (depth state exists and
/// a top of book has arrived), then `Delta`s whose `seq` counts up by one from it with
/// `prev_seq` set, so FlashMM's `OrderBook` accepts every one. A sequence gap throws the book
/// away; the next top of book after the following diff starts it again with a new
/// `Snapshot` (a resync). Every well-formed `bookTicker` becomes a `Top` record, written
/// after the delta that makes the book's best levels equal to it. Trades are written as they
/// come. Bad lines are counted in [`ImportStats::malformed`] and skipped.
///
/// Receive times are read in the capture's [`TimeUnit`] (nanoseconds unless
/// [`BinanceConverter::with_time_unit`] says otherwise). A capture without depth
/// ([`BinanceConverter::with_top_only`]) gives a book of exactly the last `bookTicker`'s two
/// levels, started by the first one.
#[derive(Debug)]
pub struct BinanceConverter {
    spec: MarketSpec,
    symbol: String,
    time_unit: TimeUnit,
    top_only: bool,
    book: DiffBook,
    initialised: bool,
    seq: u64,
    stats: ImportStats,
}

impl BinanceConverter {
    /// A converter for the Binance symbol `symbol` (e.g. `BTCUSDT`) into `spec`'s market,
    /// ticks and lots.
    pub fn new(spec: MarketSpec, symbol: &str) -> Self {
        BinanceConverter {
            spec,
            symbol: symbol.to_owned(),
            time_unit: TimeUnit::Nanos,
            top_only: false,
            book: DiffBook::default(),
            initialised: false,
            seq: 0,
            stats: ImportStats::default(),
        }
    }

    /// Reads receive times in `unit` (older captures stamp them in microseconds).
    pub fn with_time_unit(mut self, unit: TimeUnit) -> Self {
        self.time_unit = unit;
        self
    }

    /// Whether the capture has no depth (only `bookTicker` and trades): the book is then
    /// exactly the last ticker's best bid and ask, from the first ticker on.
    pub fn with_top_only(mut self, top_only: bool) -> Self {
        self.top_only = top_only;
        self
    }

    /// The market spec records are written in.
    pub fn spec(&self) -> &MarketSpec {
        &self.spec
    }

    /// The statistics so far.
    pub fn stats(&self) -> &ImportStats {
        &self.stats
    }

    /// The final statistics.
    pub fn into_stats(self) -> ImportStats {
        self.stats
    }

    /// The current book as a `Snapshot` record at the book's current sequence, received at
    /// `recv_ts`: what starts a new file in the middle of a stream (a recorder's rotation),
    /// so that the file replays on its own. The records that follow go on from the same
    /// sequence, as they would without it; the statistics are not changed. `None` before the
    /// book is initialised (the new file then starts as a recording does).
    pub fn snapshot_record(&self, recv_ts: UnixNanos) -> Option<Record> {
        self.initialised.then(|| Record {
            recv_ts,
            event: RecordEvent::from(BookSnapshot {
                market: self.spec.id().clone(),
                seq: self.seq,
                bids: self.book.levels(Side::Buy),
                asks: self.book.levels(Side::Sell),
                ts: recv_ts,
            }),
        })
    }

    /// Converts one line (with or without its line ending), appending its records to `out`.
    pub fn push_line(&mut self, line: &[u8], out: &mut Vec<Record>) {
        self.stats.lines += 1;
        if let Err(kind) = self.convert(line, out) {
            self.stats.malformed.add(kind);
        }
    }

    fn convert(&mut self, line: &[u8], out: &mut Vec<Record>) -> Result<(), MalformedKind> {
        let text = std::str::from_utf8(line).map_err(|_| MalformedKind::Encoding)?;
        let line = parse_line(text.trim_end_matches(['\n', '\r']))?;
        if line.msg.symbol().is_some_and(|s| s != self.symbol) {
            return Err(MalformedKind::OtherSymbol);
        }
        let recv_ts = self
            .time_unit
            .to_nanos(line.recv_raw)
            .ok_or(MalformedKind::Timestamp)?;
        match line.msg {
            Message::Depth(d) => self.on_depth(recv_ts, &d, out)?,
            Message::Ticker(t) => self.on_ticker(recv_ts, &t, out)?,
            Message::Trade(t) => self.on_trade(recv_ts, &t, out)?,
            Message::Snapshot(s) => self.on_snapshot(recv_ts, &s, out)?,
        }
        if let Some(last) = self.stats.last_recv_ts {
            if recv_ts < last {
                self.stats.recv_ts_backwards += 1;
            }
        }
        self.stats.first_recv_ts.get_or_insert(recv_ts);
        self.stats.last_recv_ts = Some(recv_ts);
        Ok(())
    }

    fn on_depth(
        &mut self,
        recv_ts: UnixNanos,
        d: &DepthUpdate<'_>,
        out: &mut Vec<Record>,
    ) -> Result<(), MalformedKind> {
        let ts = ms_to_nanos(d.event_ms)?;
        let bids = self.levels(&d.bids)?;
        let asks = self.levels(&d.asks)?;
        check_uncrossed(&bids, &asks)?;
        if d.first > d.last {
            return Err(MalformedKind::Schema);
        }
        self.stats.depth_updates += 1;
        match self.book.check_sequence(d.first, d.last, d.prev) {
            SeqCheck::Stale => {
                self.stats.stale_updates += 1;
                return Ok(());
            }
            SeqCheck::Gap => {
                self.stats.gaps += 1;
                self.stats.resyncs += 1;
                self.book.reset();
                self.initialised = false;
            }
            SeqCheck::Start | SeqCheck::Next => {}
        }
        self.book.apply_diff(d.last, &bids, &asks, &mut self.stats);
        self.emit_delta(recv_ts, ts, out);
        Ok(())
    }

    fn on_ticker(
        &mut self,
        recv_ts: UnixNanos,
        t: &BookTicker<'_>,
        out: &mut Vec<Record>,
    ) -> Result<(), MalformedKind> {
        let bid = self.level(&[t.bid, t.bid_qty])?;
        let ask = self.level(&[t.ask, t.ask_qty])?;
        if bid.qty.is_zero() || ask.qty.is_zero() {
            return Err(MalformedKind::Number);
        }
        if bid.price >= ask.price {
            return Err(MalformedKind::Crossed);
        }
        let ts = t.event_ms.map(ms_to_nanos).transpose()?.unwrap_or(recv_ts);
        self.stats.book_tickers += 1;
        let anchor = Anchor {
            update_id: t.update_id,
            bid,
            ask,
        };
        if self.top_only {
            self.book.replace_with_top(anchor);
        } else {
            self.book.apply_top(anchor, &mut self.stats);
        }
        if !self.initialised && (self.top_only || self.book.is_started()) {
            self.initialised = true;
            self.book.take_changes();
            self.seq += 1;
            self.stats.snapshots += 1;
            out.push(Record {
                recv_ts,
                event: RecordEvent::from(BookSnapshot {
                    market: self.spec.id().clone(),
                    seq: self.seq,
                    bids: self.book.levels(Side::Buy),
                    asks: self.book.levels(Side::Sell),
                    ts,
                }),
            });
        } else {
            self.emit_delta(recv_ts, ts, out);
        }
        self.stats.tops += 1;
        out.push(Record {
            recv_ts,
            event: RecordEvent::Top(TopOfBook {
                market: self.spec.id().clone(),
                venue_seq: t.update_id,
                bid,
                ask,
                ts,
            }),
        });
        Ok(())
    }

    fn on_trade(
        &mut self,
        recv_ts: UnixNanos,
        t: &RawTrade<'_>,
        out: &mut Vec<Record>,
    ) -> Result<(), MalformedKind> {
        let price = self.spec.price(t.price).map_err(conversion_kind)?;
        let qty = self.spec.qty(t.qty).map_err(conversion_kind)?;
        if qty.is_zero() {
            return Err(MalformedKind::Number);
        }
        let ts = ms_to_nanos(t.trade_ms)?;
        let trade_id = TradeId::new(t.id.to_string()).map_err(|_| MalformedKind::Schema)?;
        self.stats.trade_messages += 1;
        self.stats.trades += 1;
        out.push(Record {
            recv_ts,
            event: RecordEvent::from(Trade {
                market: self.spec.id().clone(),
                trade_id,
                price,
                qty,
                aggressor: t.aggressor(),
                ts,
            }),
        });
        Ok(())
    }

    fn on_snapshot(
        &mut self,
        recv_ts: UnixNanos,
        s: &DepthSnapshot<'_>,
        out: &mut Vec<Record>,
    ) -> Result<(), MalformedKind> {
        let ts = s.event_ms.map(ms_to_nanos).transpose()?.unwrap_or(recv_ts);
        let bids = self.levels(&s.bids)?;
        let asks = self.levels(&s.asks)?;
        check_uncrossed(&bids, &asks)?;
        self.stats.depth_snapshots += 1;
        self.book
            .apply_snapshot(s.last_update_id, &bids, &asks, &mut self.stats);
        self.emit_delta(recv_ts, ts, out);
        Ok(())
    }

    /// Writes the book's changes as a delta once the book is initialised (and drops them
    /// before).
    fn emit_delta(&mut self, recv_ts: UnixNanos, ts: UnixNanos, out: &mut Vec<Record>) {
        let (bids, asks) = self.book.take_changes();
        if !self.initialised || (bids.is_empty() && asks.is_empty()) {
            return;
        }
        let prev = self.seq;
        self.seq += 1;
        self.stats.deltas += 1;
        out.push(Record {
            recv_ts,
            event: RecordEvent::from(BookDelta {
                market: self.spec.id().clone(),
                seq: self.seq,
                prev_seq: Some(prev),
                bids,
                asks,
                ts,
            }),
        });
    }

    fn levels(&self, raw: &[RawLevel<'_>]) -> Result<Vec<BookLevel>, MalformedKind> {
        raw.iter().map(|l| self.level(l)).collect()
    }

    fn level(&self, raw: &RawLevel<'_>) -> Result<BookLevel, MalformedKind> {
        let price = self.spec.price(raw[0]).map_err(conversion_kind)?;
        let qty = self.spec.qty(raw[1]).map_err(conversion_kind)?;
        Ok(BookLevel::new(price, qty))
    }
}

/// Refuses an update whose own non-empty bids reach its own non-empty asks.
fn check_uncrossed(bids: &[BookLevel], asks: &[BookLevel]) -> Result<(), MalformedKind> {
    let best_bid = bids
        .iter()
        .filter(|l| !l.qty.is_zero())
        .map(|l| l.price)
        .max();
    let best_ask = asks
        .iter()
        .filter(|l| !l.qty.is_zero())
        .map(|l| l.price)
        .min();
    match (best_bid, best_ask) {
        (Some(b), Some(a)) if b >= a => Err(MalformedKind::Crossed),
        _ => Ok(()),
    }
}

fn conversion_kind(e: ConversionError) -> MalformedKind {
    match e {
        ConversionError::OffGrid { .. } => MalformedKind::OffGrid,
        _ => MalformedKind::Number,
    }
}

fn ms_to_nanos(ms: u64) -> Result<UnixNanos, MalformedKind> {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .map(UnixNanos)
        .ok_or(MalformedKind::Number)
}
