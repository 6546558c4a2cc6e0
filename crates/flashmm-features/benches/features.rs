//! Feature update cost per book event: a 20-level book taking 1–3 level deltas, each
//! followed by `FeatureEngine::on_book` (and, separately, `on_trade`).

use criterion::{criterion_group, criterion_main, Criterion};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_features::{FeatureConfig, FeatureEngine};
use std::hint::black_box;

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

/// A 20-level book and a cycle of 1–3 level deltas that returns it to its start.
fn setup() -> (MarketId, OrderBook, Vec<BookDelta>) {
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
    let cycle = [
        (vec![lv(10_000, 12)], vec![]),
        (vec![], vec![lv(10_001, 7), lv(10_003, 30)]),
        (vec![lv(9_995, 0), lv(9_999, 3)], vec![lv(10_010, 1)]),
        (vec![lv(9_995, 15), lv(10_000, 10)], vec![lv(10_001, 10)]),
        (vec![lv(9_999, 11)], vec![lv(10_003, 12), lv(10_010, 19)]),
    ];
    let deltas = cycle
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
    (market, book, deltas)
}

fn bench_features(c: &mut Criterion) {
    let (market, mut book, mut deltas) = setup();
    let mut engine = FeatureEngine::new(market.clone(), FeatureConfig::default()).unwrap();
    // Warm the windows: a book event every 5 ms for 60 s of simulated time.
    let step = 5_000_000i64;
    let mut now = 0i64;
    for _ in 0..12_000 {
        now += step;
        engine.on_book(&book, UnixNanos(now)).unwrap();
    }

    c.bench_function("features/on_book_20deep", |b| {
        b.iter(|| {
            now += step;
            engine
                .on_book(black_box(&book), black_box(UnixNanos(now)))
                .unwrap();
            black_box(engine.values());
        })
    });

    let mut seq = 0u64;
    let mut i = 0usize;
    c.bench_function(
        "features/apply_delta_then_on_book_20deep_1to3_levels",
        |b| {
            b.iter(|| {
                let d = &mut deltas[i % 5];
                i += 1;
                seq += 1;
                d.seq = seq;
                book.apply_delta(black_box(d)).unwrap();
                now += step;
                engine
                    .on_book(black_box(&book), black_box(UnixNanos(now)))
                    .unwrap();
                black_box(engine.values());
            })
        },
    );

    let mut trade = Trade {
        market,
        trade_id: TradeId::new("t-1").unwrap(),
        price: Price::from_ticks(10_000),
        qty: Qty::from_lots(1),
        aggressor: Side::Buy,
        ts: UnixNanos(now),
    };
    let mut k = 0i64;
    c.bench_function("features/on_trade", |b| {
        b.iter(|| {
            k += 1;
            now += step;
            trade.price = Price::from_ticks(10_000 + (k & 1));
            trade.qty = Qty::from_lots(1 + (k & 7));
            trade.aggressor = if k & 2 == 0 { Side::Buy } else { Side::Sell };
            trade.ts = UnixNanos(now);
            engine.on_trade(black_box(&trade), UnixNanos(now)).unwrap();
            black_box(engine.values());
        })
    });
}

criterion_group!(benches, bench_features);
criterion_main!(benches);
