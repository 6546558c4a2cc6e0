//! P&L update cost: booking fills into a position.

use criterion::{criterion_group, criterion_main, Criterion};
use flashmm_core::inventory::Position;
use flashmm_core::market::{MarketId, Price, Qty, Side};
use rust_decimal::Decimal;
use std::hint::black_box;

fn bench_fill(c: &mut Criterion) {
    let mut pos = Position::new(MarketId::new("SEI/USDC").unwrap());
    // A market-making pattern: adds, partial closes (with an uneven average cost) and flips,
    // with maker rebates and taker fees.
    let fills = [
        (Side::Buy, 4_123, 30, Decimal::new(-12, 6)),
        (Side::Buy, 4_121, 20, Decimal::new(-8, 6)),
        (Side::Sell, 4_125, 25, Decimal::new(52, 6)),
        (Side::Sell, 4_126, 60, Decimal::new(-25, 6)),
        (Side::Buy, 4_122, 35, Decimal::new(-14, 6)),
    ];
    let mut i = 0usize;
    c.bench_function("pnl/apply_fill", |b| {
        b.iter(|| {
            let (side, px, lots, fee) = fills[i % fills.len()];
            i += 1;
            pos.apply_fill(
                black_box(side),
                black_box(Price::from_ticks(px)),
                black_box(Qty::from_lots(lots)),
                black_box(fee),
            )
            .unwrap();
        })
    });
    black_box(&pos);
}

criterion_group!(benches, bench_fill);
criterion_main!(benches);
