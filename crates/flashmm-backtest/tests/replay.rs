//! Runs of the whole backtest loop on hand-written tiny recordings whose outcome can be
//! worked out by hand: queue-position fill timing, order latency, post-only refusals, taker
//! fees, the exact P&L of a round trip, the P&L identity and determinism for a seed.

use std::str::FromStr;

use flashmm_backtest::synthetic::synthetic_records;
use flashmm_backtest::{Backtest, BacktestConfig, FeeSchedule, Latency, Report};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::strategy::{QuoteParams, RawQuoteParams};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_recording::{Record, RecordEvent};
use rust_decimal::Decimal;

const T0: i64 = 1_700_000_000_000_000_000;
use flashmm_core::time::NANOS_PER_MILLI as MS;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn market() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::simulated(market().as_str(), Decimal::ZERO)
}

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

fn snapshot(ms: i64) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + ms * MS),
        event: RecordEvent::from(BookSnapshot {
            market: market(),
            seq: 1,
            bids: vec![lv(4_000, 50), lv(3_999, 50)],
            asks: vec![lv(4_001, 50), lv(4_002, 50)],
            ts: UnixNanos(T0 + ms * MS),
        }),
    }
}

fn delta(ms: i64, seq: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + ms * MS),
        event: RecordEvent::from(BookDelta {
            market: market(),
            seq,
            prev_seq: Some(seq - 1),
            bids,
            asks,
            ts: UnixNanos(T0 + ms * MS),
        }),
    }
}

fn trade(ms: i64, aggressor: Side, price: i64, lots: i64) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + ms * MS),
        event: RecordEvent::from(Trade {
            market: market(),
            trade_id: TradeId::new(format!("t{ms}")).unwrap(),
            price: Price::from_ticks(price),
            qty: Qty::from_lots(lots),
            aggressor,
            ts: UnixNanos(T0 + ms * MS),
        }),
    }
}

/// Quotes one level of 10 lots at the touch (tiny half-spread, one-tick minimum), at up to
/// 1000 re-quotes a second, no inventory skew.
fn config(order_latency_ms: f64) -> BacktestConfig {
    let raw = RawQuoteParams {
        gamma: 0.1,
        horizon_secs: 1.0,
        sigma_default_bps: 0.2,
        sigma_floor_bps: 0.2,
        kappa_default: 100.0,
        kappa_max: 100.0,
        stale_widen: 1.0,
        vol_widen: 0.0,
        min_spread_bps: 0.0,
        levels: 1,
        base_size_lots: 10,
        size_skew: 0.0,
        inventory_widen_bps: 0.0,
        quote_frequency_hz: 1_000.0,
        ..RawQuoteParams::default()
    };
    let mut c = BacktestConfig::unlimited(FeeSchedule::from_spec(&spec()));
    c.quote = flashmm_backtest::Quoting::Fixed(QuoteParams::validate(raw).unwrap());
    c.feed_latency = Latency::from_ms(5.0, 0.0);
    c.order_latency = Latency::from_ms(order_latency_ms, 0.0);
    c
}

fn run(config: BacktestConfig, records: Vec<Record>) -> Report {
    Backtest::new(config, spec(), None)
        .unwrap()
        .run(records.into_iter().map(Ok), &mut |_| {})
        .unwrap()
}

/// Our bid joins behind 50 lots at 15 ms (5 ms feed + 10 ms order latency). A 30-lot sell at
/// 10 ms happens before we are there; the delta at 20 ms shows the level at 20 lots, so 20 are
/// ahead of us; a 25-lot sell at 30 ms fills 5 of our 10, a 10-lot sell at 40 ms the other 5.
/// Our ask rests behind 50 lots: a 60-lot buy at 50 ms fills all 10.
fn round_trip() -> Vec<Record> {
    vec![
        snapshot(0),
        trade(10, Side::Sell, 4_000, 30),
        delta(20, 2, vec![lv(4_000, 20)], vec![]),
        trade(30, Side::Sell, 4_000, 25),
        trade(40, Side::Sell, 4_000, 10),
        trade(50, Side::Buy, 4_001, 60),
        trade(60, Side::Buy, 4_003, 1),
    ]
}

#[test]
fn queue_position_decides_when_a_passive_order_fills() {
    let r = run(config(10.0), round_trip());
    let at = |ms: i64| T0 + ms * MS;
    assert_eq!(
        r.position_curve,
        vec![(at(30), d("0.5")), (at(40), d("1.0")), (at(50), d("0.0"))],
        "5 lots at 30 ms, 5 at 40 ms, sold 10 at 50 ms"
    );
    assert_eq!((r.trading.maker_fills, r.trading.taker_fills), (3, 0));
    // The strategy learned of the first partial fill at 40 ms and re-quoted at its next
    // view (45 ms): the cancel reached the venue at 55 ms, after the order had filled.
    assert_eq!(r.trading.strategy.cancels_too_late, 1);
}

#[test]
fn a_round_trip_earns_the_spread_and_the_maker_rebates_exactly() {
    let r = run(config(10.0), round_trip());
    // Bought 1.0 at 0.4000, sold 1.0 at 0.4001: 0.0001. Rebates 1 bp of 0.4 + 0.4001.
    assert_eq!(r.pnl.realized, d("0.0001"));
    assert_eq!(r.pnl.rebates, d("0.00008001"));
    assert_eq!(r.pnl.fees_paid, d("0"));
    assert_eq!(r.pnl.net, d("0.00018001"));
    assert_eq!(r.pnl.cash_flow, r.pnl.net);
    assert_eq!(r.pnl.final_position, d("0.0"));
    assert_eq!(r.trading.notional, d("0.8001"));
}

#[test]
fn order_latency_moves_the_order_behind_the_trades() {
    // With 25 ms of order latency the bid reaches the venue at 30 ms, after the trade there
    // (ties go to the recorded event): it joins behind 20 lots and the 10-lot sell at 40 ms
    // does not reach it.
    let r = run(config(25.0), round_trip());
    assert!(
        r.position_curve.iter().all(|(_, q)| *q <= d("0")),
        "{:?}",
        r.position_curve
    );
    assert_eq!(r.trading.bought, d("0"));
}

/// The book moves down a tick at 12 ms, while our quotes (formed on the 0 ms book, seen at
/// 5 ms) are on their way: the bid at 4000 reaches a book whose best ask is 4000 (7 lots).
fn moving_book() -> Vec<Record> {
    vec![
        snapshot(0),
        delta(12, 2, vec![lv(4_000, 0), lv(3_998, 40)], vec![lv(4_000, 7)]),
        trade(30, Side::Buy, 4_005, 1),
    ]
}

#[test]
fn post_only_orders_that_would_cross_are_refused() {
    let r = run(config(10.0), moving_book());
    assert!(r.trading.strategy.rejected_would_cross >= 1);
    assert_eq!(r.trading.taker_fills, 0);
    assert_eq!(r.pnl.fees_paid, d("0"));
}

#[test]
fn crossing_orders_pay_the_taker_fee_when_allowed() {
    let mut c = config(10.0);
    c.post_only = false;
    let r = run(c, moving_book());
    assert_eq!(r.trading.strategy.rejected_would_cross, 0);
    assert_eq!(r.trading.taker_fills, 1);
    // 7 lots (0.7) taken at 0.4000: notional 0.28, taker fee 5 bp.
    assert_eq!(r.trading.bought, d("0.7"));
    assert_eq!(r.pnl.fees_paid, d("0.00014"));
}

#[test]
fn pnl_identity_holds_and_runs_are_deterministic_for_a_seed() {
    let records = synthetic_records(&market(), 20_000, T0, 2 * MS, 3);
    let mut c = config(10.0);
    c.feed_latency = Latency::from_ms(5.0, 2.0);
    c.order_latency = Latency::from_ms(10.0, 4.0);
    c.seed = 11;
    let a = run(c.clone(), records.clone());
    assert!(a.trading.maker_fills > 10, "{:?}", a.trading);
    assert!(a.trading.bought > d("0") && a.trading.sold > d("0"));
    assert_eq!(
        a.pnl.net, a.pnl.cash_flow,
        "average-cost P&L = cash-flow P&L"
    );
    assert_eq!(
        a.pnl.net,
        a.pnl.realized + a.pnl.unrealized - a.pnl.fees_paid + a.pnl.rebates
    );
    assert!(a.pnl.rebates > d("0"));
    assert!(a.pnl.max_drawdown >= d("0"));
    let quantiles: Vec<Decimal> = a.inventory.quantiles.iter().map(|q| q.1).collect();
    assert!(quantiles.windows(2).all(|w| w[0] <= w[1]), "{quantiles:?}");
    assert_eq!(a.markouts.len(), 3);
    assert!(a.markouts[0].fills > 0);
    let spread = &a.spread;
    assert!(spread.market_bps.unwrap() > 0.0 && spread.ours_bps.unwrap() > 0.0);
    assert!(spread.with_us_bps.unwrap() <= spread.market_bps.unwrap());

    let b = run(c.clone(), records.clone());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap(),
        "same seed, same report"
    );
    c.seed = 12;
    let other = run(c, records);
    assert_ne!(
        serde_json::to_string(&a.equity_curve).unwrap(),
        serde_json::to_string(&other.equity_curve).unwrap(),
        "another seed draws other latencies"
    );
}

#[test]
fn a_daily_loss_trips_the_kill_switch() {
    // Our bid fills (10 lots by 40 ms), then the market drops 100 ticks: at 0.39 the 1.0 SEI
    // bought at 0.40 has lost about 0.01, beyond the 0.001 daily loss limit.
    let records = vec![
        snapshot(0),
        trade(10, Side::Sell, 4_000, 30),
        delta(20, 2, vec![lv(4_000, 20)], vec![]),
        trade(30, Side::Sell, 4_000, 25),
        trade(40, Side::Sell, 4_000, 10),
        delta(
            45,
            3,
            vec![lv(4_000, 0), lv(3_999, 0), lv(3_900, 50)],
            vec![lv(4_001, 0), lv(4_002, 0), lv(3_901, 50)],
        ),
        delta(60, 4, vec![lv(3_900, 60)], vec![]),
        trade(70, Side::Sell, 3_900, 100),
        trade(80, Side::Buy, 3_901, 100),
    ];
    let mut c = config(10.0);
    c.risk.daily_loss_limit = d("0.001");
    let r = run(c, records);
    assert_eq!(
        r.trading.strategy.halted,
        Some(flashmm_core::risk::RiskViolationKind::DailyLoss)
    );
    assert!(r.trading.strategy.risk_holds.contains_key("daily_loss"));
    // Nothing trades after the switch: the position stays the 1.0 bought before the drop.
    assert_eq!(r.pnl.final_position, d("1.0"));
    assert!(r.position_curve.iter().all(|(t, _)| *t <= T0 + 40 * MS));
    assert!(r.pnl.net < d("-0.009"), "{}", r.pnl.net);
}
