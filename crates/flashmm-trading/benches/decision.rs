//! Decision latency in process: a book event into [`MarketEngine`] through the quoter, the
//! re-quote policy, the risk checks and the order diff, out as order instructions; and the
//! quoting maths alone.
//!
//! `cargo bench -p flashmm-trading --bench decision`

use criterion::{criterion_group, criterion_main, Criterion};
// `market` is imported for the fixture below, which names it `super::market`.
use flashmm_core::book::BookDelta;
use flashmm_core::market::MarketId;
use flashmm_core::market_event::MarketEvent;
use flashmm_core::strategy::InventoryView;
use flashmm_core::time::{MonoNanos, UnixNanos};
use flashmm_trading::market::{self, MarketEngine};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Instant;

#[path = "../src/fixture.rs"]
mod fixture;

/// Single decisions timed for the percentiles.
const DECISIONS: usize = 200_000;

fn bench(c: &mut Criterion) {
    let market = MarketId::new("SEI/USDC").unwrap();
    let account = fixture::account(true);
    let mut m = fixture::engine(1_000_000);
    let snap = MarketEvent::Snapshot(fixture::book_snapshot(
        1,
        fixture::levels(3_999, -1),
        fixture::levels(4_001, 1),
    ));
    m.on_market_event(UnixNanos(0), MonoNanos(0), &snap);
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
            bids: vec![fixture::level(4_000, if bid == 4_000 { 500 } else { 0 })],
            asks: vec![],
            ts: UnixNanos(now),
        });
        m.on_market_event(UnixNanos(now), MonoNanos(now), &delta);
        let d = m.decide(UnixNanos(now), MonoNanos(now), &account, usize::MAX);
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
