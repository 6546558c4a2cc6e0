//! Replay throughput: book events per second through the whole backtest loop (venue book,
//! queue model, strategy book, estimators, quoter, re-quote policy, risk, metrics), single
//! threaded, baseline strategy, records already decoded in memory (each iteration gets its
//! own copy, made outside the timing). With
//! `FLASHMM_BENCH_REC=path` it replays that recording too (decoded once, outside the timing).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use flashmm_backtest::synthetic::synthetic_records;
use flashmm_backtest::{Backtest, BacktestConfig, FeeSchedule};
use flashmm_core::market::{MarketId, MarketSpec};
use flashmm_recording::{Record, RecordingReader};
use rust_decimal::Decimal;

fn spec(market: MarketId) -> MarketSpec {
    MarketSpec::new(
        market,
        Decimal::new(1, 2),
        Decimal::new(1, 3),
        Decimal::ZERO,
        Decimal::new(-1, 4),
        Decimal::new(5, 4),
    )
    .expect("valid spec")
}

fn replay(spec: &MarketSpec, records: Vec<Record>) {
    let fees = FeeSchedule::from_spec(spec);
    let config = BacktestConfig::unlimited(fees);
    let report = Backtest::new(config, spec.clone(), None)
        .expect("config")
        .run(records.into_iter().map(Ok), &mut |_| {})
        .expect("run");
    std::hint::black_box(report);
}

fn book_events(records: &[Record]) -> u64 {
    records.iter().filter(|r| r.event.is_book()).count() as u64
}

fn bench(c: &mut Criterion) {
    let market = MarketId::new("BTC/USDT").expect("market");
    let mut sets = vec![(
        "synthetic".to_owned(),
        spec(market.clone()),
        synthetic_records(&market, 400_000, 1_700_000_000_000_000_000, 2_000_000, 1),
    )];
    if let Ok(path) = std::env::var("FLASHMM_BENCH_REC") {
        let reader = RecordingReader::open(&path).expect("recording");
        let spec = reader.header().markets[0].clone();
        let records: Vec<Record> = reader.map(|r| r.expect("record")).collect();
        sets.push(("recording".to_owned(), spec, records));
    }
    for (name, spec, records) in &sets {
        let events = book_events(records);
        // One timed pass printed as a plain figure next to criterion's.
        let owned = records.clone();
        let start = Instant::now();
        replay(spec, owned);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{name}: {} records, {events} book events in {secs:.3} s = {:.0} book events/s ({:.0} records/s)",
            records.len(),
            events as f64 / secs,
            records.len() as f64 / secs
        );
        let mut group = c.benchmark_group("replay");
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Elements(events));
        group.bench_function(name.as_str(), |b| {
            b.iter_batched(
                || records.clone(),
                |r| replay(spec, r),
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
