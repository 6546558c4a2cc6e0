//! Decision latency in process: a book event into [`MarketEngine`] through the quoter, the
//! re-quote policy, the risk checks and the order diff, out as order instructions; and the
//! quoting maths alone.
//!
//! `cargo bench -p execution --bench decision`

use criterion::{criterion_group, criterion_main, Criterion};
use execution::market::{AccountView, MarketEngine};
use flashmm_bus::MarketEvent;
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty};
use flashmm_core::risk::{BreakerConfig, GuardLimits, RiskLimits};
use flashmm_core::strategy::{InventoryView, RawQuoteParams};
use flashmm_core::time::UnixNanos;
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Instant;

/// Single decisions timed for the percentiles.
const DECISIONS: usize = 200_000;

fn spec() -> MarketSpec {
    MarketSpec::new(
        MarketId::new("SEI/USDC").unwrap(),
        Decimal::new(1, 4),
        Decimal::new(1, 1),
        Decimal::ONE,
        Decimal::ZERO,
        Decimal::ZERO,
    )
    .unwrap()
}

fn engine() -> MarketEngine {
    MarketEngine::new(
        spec(),
        RawQuoteParams {
            quote_frequency_hz: 1e9,
            requote_tolerance_ticks: 0,
            ..RawQuoteParams::default()
        },
        Decimal::from(100),
        RiskLimits {
            max_position_quote: Decimal::from(2_000),
            max_order_notional: Decimal::from(500),
            max_open_orders: 1_000_000,
            daily_loss_limit: Decimal::from(200),
            max_drawdown: Decimal::from(300),
            stale_data_timeout_ms: u64::MAX / 2_000_000,
            max_orders_per_sec: u32::MAX,
        },
        GuardLimits {
            price_band_bps: Decimal::from(500),
            global_max_notional: Decimal::from(1_000_000),
            extreme_move_sigmas: 5.0,
            extreme_move_window_ms: 1_000,
            extreme_move_min_bps: 30.0,
            drift_hit_rate_floor: 0.4,
            drift_min_samples: 200,
            breaker: BreakerConfig {
                threshold: 5,
                window_ms: 1_000,
                backoff_ms: 1_000,
                max_backoff_ms: 10_000,
            },
        },
        1,
        UnixNanos(0),
    )
}

fn levels(start: i64, step: i64) -> Vec<BookLevel> {
    (0..20)
        .map(|i| BookLevel::new(Price::from_ticks(start + step * i), Qty::from_lots(500)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let market = MarketId::new("SEI/USDC").unwrap();
    let account = AccountView {
        can_quote: true,
        daily_pnl: Decimal::ZERO,
        equity: Decimal::ZERO,
        equity_peak: Decimal::ZERO,
        global_exposure: Decimal::ZERO,
    };
    let mut m = engine();
    let snap = MarketEvent::Snapshot(BookSnapshot {
        market: market.clone(),
        seq: 1,
        bids: levels(3_999, -1),
        asks: levels(4_001, 1),
        ts: UnixNanos(0),
    });
    m.on_market_event(UnixNanos(0), &snap);
    let mut seq = 1u64;
    let mut now = 0i64;
    let mut step = |m: &mut MarketEngine| {
        seq += 1;
        now += 1_000_000;
        // The best bid alternates between two prices, so every decision re-quotes.
        let bid = if seq.is_multiple_of(2) { 4_000 } else { 3_999 };
        let delta = MarketEvent::Delta(BookDelta {
            market: market.clone(),
            seq,
            prev_seq: Some(seq - 1),
            bids: vec![BookLevel::new(
                Price::from_ticks(4_000),
                Qty::from_lots(if bid == 4_000 { 500 } else { 0 }),
            )],
            asks: vec![],
            ts: UnixNanos(now),
        });
        m.on_market_event(UnixNanos(now), &delta);
        let d = m.decide(UnixNanos(now), &account, usize::MAX);
        // The venue "accepts" nothing: orders stay submitted, as in flight.
        m.working.clear();
        d
    };
    // Percentiles over single decisions, each timed on its own (criterion gives means).
    let mut samples: Vec<u64> = (0..DECISIONS)
        .map(|_| {
            let t = Instant::now();
            black_box(step(&mut m));
            t.elapsed().as_nanos() as u64
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize] as f64 / 1e3;
    println!(
        "decision, {DECISIONS} single decisions: p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0)
    );
    c.bench_function("decision: book delta → order instructions", |b| {
        b.iter(|| black_box(step(&mut m)))
    });
    let now = UnixNanos(1_000_000 * (DECISIONS as i64 + 1));
    let quoter = m.quoter().expect("quoter built").clone();
    let book = m.book().clone();
    let inv = InventoryView {
        position_lots: 120,
        traded_notional: Decimal::from(10_000),
    };
    c.bench_function("quoting maths: Quoter::quote", |b| {
        b.iter(|| black_box(quoter.quote(now, &book, &inv, None)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
