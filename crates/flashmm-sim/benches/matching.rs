//! Matching engine throughput: resting adds, add + cancel, and aggressive orders that match.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use flashmm_core::market::Side;
use flashmm_sim::account::{AccountId, Ledger};
use flashmm_sim::flow::{FlowAgent, FlowParams};
use flashmm_sim::matching::{
    EngineConfig, MatchingEngine, OrderEvent, OrderId, OrderRequest, TimeInForce,
};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::str::FromStr;

const N: usize = 10_000;
const MAKER: AccountId = AccountId(1);
const TAKER: AccountId = AccountId(2);

fn engine() -> (MatchingEngine, Ledger) {
    let d = |s: &str| Decimal::from_str(s).unwrap();
    let spec = flashmm_core::market::fixture::sei_usdc_with_fees();
    let mut ledger = Ledger::new();
    let e = MatchingEngine::new(spec, EngineConfig::default(), &mut ledger).unwrap();
    for a in [MAKER, TAKER] {
        ledger
            .deposit(a, e.base_asset(), d("100000000000"))
            .unwrap();
        ledger
            .deposit(a, e.quote_asset(), d("100000000000"))
            .unwrap();
    }
    (e, ledger)
}

fn order(account: AccountId, side: Side, ticks: i64, lots: i64, tif: TimeInForce) -> OrderRequest {
    OrderRequest::new(account, side, ticks, lots, tif)
}

/// Resting asks spread over 50 levels above 0.4000.
fn ask(i: usize) -> OrderRequest {
    order(
        MAKER,
        Side::Sell,
        4001 + (i % 50) as i64,
        100,
        TimeInForce::Gtc,
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("matching");
    g.throughput(Throughput::Elements(N as u64));

    g.bench_function("add_resting", |b| {
        b.iter_batched_ref(
            engine,
            |(e, l)| {
                for i in 0..N {
                    black_box(e.place(l, ask(i)));
                }
            },
            BatchSize::LargeInput,
        )
    });

    g.bench_function("cancel", |b| {
        b.iter_batched_ref(
            || {
                let (mut e, mut l) = engine();
                let ids: Vec<OrderId> = (0..N)
                    .filter_map(|i| match e.place(&mut l, ask(i)).events[0] {
                        OrderEvent::Accepted { order, .. } => Some(order),
                        _ => None,
                    })
                    .collect();
                (e, l, ids)
            },
            |(e, l, ids)| {
                for &id in ids.iter() {
                    black_box(e.cancel(l, MAKER, id));
                }
            },
            BatchSize::LargeInput,
        )
    });

    g.bench_function("match_ioc_one_fill", |b| {
        b.iter_batched_ref(
            || {
                let (mut e, mut l) = engine();
                for i in 0..N {
                    e.place(&mut l, ask(i));
                }
                (e, l)
            },
            |(e, l)| {
                for _ in 0..N {
                    black_box(e.place(l, order(TAKER, Side::Buy, 4100, 100, TimeInForce::Ioc)));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("flow");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("flow_steps", |b| {
        b.iter_batched_ref(
            || {
                let (e, mut l) = engine();
                let agent = FlowAgent::new(
                    FlowParams::sei_usdc(),
                    1,
                    AccountId(10),
                    AccountId(11),
                    &e,
                    &mut l,
                    0,
                )
                .unwrap();
                (e, l, agent)
            },
            |(e, l, agent)| {
                for _ in 0..N {
                    black_box(agent.step(e, l));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
