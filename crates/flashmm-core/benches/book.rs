//! Book update cost: applying typical 1–3 level deltas to a 20-level book.

use criterion::{criterion_group, criterion_main, Criterion};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot, OrderBook};
use flashmm_core::market::{MarketId, Price, Qty};
use flashmm_core::time::UnixNanos;
use std::hint::black_box;

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

fn bench_delta(c: &mut Criterion) {
    let market = MarketId::new("SEI/USDC").unwrap();
    let mut book = OrderBook::new(market.clone());
    book.apply_snapshot(&BookSnapshot {
        market: market.clone(),
        seq: 0,
        bids: (0..20).map(|i| lv(10_000 - i, 10 + i)).collect(),
        asks: (0..20).map(|i| lv(10_001 + i, 10 + i)).collect(),
        ts: UnixNanos(0),
    })
    .unwrap();
    // A cycle of deltas that returns the book to its start: size changes at the touch,
    // a level removed and re-added deeper in the book, both sides.
    let cycle = [
        (vec![lv(10_000, 12)], vec![]),
        (vec![], vec![lv(10_001, 7), lv(10_003, 30)]),
        (vec![lv(9_995, 0), lv(9_999, 3)], vec![lv(10_010, 1)]),
        (vec![lv(9_995, 15), lv(10_000, 10)], vec![lv(10_001, 10)]),
        (vec![lv(9_999, 11)], vec![lv(10_003, 12), lv(10_010, 19)]),
    ];
    let mut deltas: Vec<BookDelta> = cycle
        .into_iter()
        .map(|(bids, asks)| BookDelta {
            market: market.clone(),
            seq: 0,
            prev_seq: None,
            bids,
            asks,
            ts: UnixNanos(0),
        })
        .collect();
    let mut seq = 0u64;
    let mut i = 0usize;
    c.bench_function("book/apply_delta_1to3_levels_20deep", |b| {
        b.iter(|| {
            let d = &mut deltas[i % 5];
            i += 1;
            d.prev_seq = Some(seq);
            seq += 1;
            d.seq = seq;
            black_box(book.apply_delta(black_box(d))).unwrap();
        })
    });
}

criterion_group!(benches, bench_delta);
criterion_main!(benches);
