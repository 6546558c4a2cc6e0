//! The ML strategy's path: feature vectors and predictions cross the in-memory bus as the
//! services' envelopes, every entry is acked, and the prediction skews the quotes (a
//! predictor that always expects a rise ends long on average, one that expects a fall short).

use std::time::Duration;

use flashmm_backtest::synthetic::synthetic_records;
use flashmm_backtest::{
    Backtest, BacktestConfig, BacktestError, BusSeam, FeeSchedule, Predictor, Report,
};
use flashmm_bus::{Bus, MemoryBus, Namespace, Range};
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::market::{MarketSpec, Price, Qty};
use flashmm_core::risk::RiskViolationKind;
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::strategy::{QuoteParams, RawQuoteParams};
use flashmm_core::time::UnixNanos;
use flashmm_recording::{Record, RecordEvent};
use futures_executor::block_on;
use rust_decimal::Decimal;

/// Always predicts a move of `move_bps` with a confident distribution.
struct Fixed {
    move_bps: f32,
    calls: u64,
}

impl Predictor for Fixed {
    fn model_id(&self) -> &str {
        "fixed"
    }

    fn dead_band_bps(&self) -> f64 {
        0.0
    }

    fn predict(
        &mut self,
        vector: &FeatureVector,
        now: UnixNanos,
        _flat_shift: f64,
    ) -> Result<Prediction, BacktestError> {
        self.calls += 1;
        let (p_down, p_up) = if self.move_bps > 0.0 {
            (0.05, 0.9)
        } else {
            (0.9, 0.05)
        };
        Ok(Prediction {
            market: vector.market.clone(),
            model_version: "fixed".into(),
            horizon_ms: 1_000,
            p_down,
            p_flat: 0.05,
            p_up,
            expected_move_bps: self.move_bps,
            ts: now,
            origin_ts: vector.origin_ts,
            inference_ns: 0,
        })
    }
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::simulated("SEI/USDC", Decimal::ZERO)
}

fn run(move_bps: f32, bus: &MemoryBus) -> Report {
    let raw = RawQuoteParams {
        levels: 1,
        base_size_lots: 10,
        min_spread_bps: 0.0,
        quote_frequency_hz: 100.0,
        skew_multiple: 1.0,
        ..RawQuoteParams::default()
    };
    let mut config = BacktestConfig::unlimited(FeeSchedule::from_spec(&spec()));
    config.quote = flashmm_backtest::Quoting::Fixed(QuoteParams::validate(raw).unwrap());
    let seam = BusSeam::new(
        bus.clone(),
        "seamtest",
        "SEI-USDC",
        Box::new(Fixed { move_bps, calls: 0 }),
    )
    .unwrap();
    let records = synthetic_records(spec().id(), 30_000, 1_700_000_000_000_000_000, 2_000_000, 5);
    Backtest::new(config, spec(), Some(seam))
        .unwrap()
        .run(records.into_iter().map(Ok), &mut |_| {})
        .unwrap()
}

#[test]
fn predictions_cross_the_bus_and_skew_the_quotes() {
    let ns = Namespace::new("seamtest").unwrap();
    let (feat, pred) = (ns.feat("SEI-USDC").unwrap(), ns.pred("SEI-USDC").unwrap());

    let bus = MemoryBus::default();
    let up = run(10.0, &bus);
    assert_eq!(up.strategy, "ml");
    assert_eq!(up.model_id.as_deref(), Some("fixed"));
    // 30 000 events 2 ms apart = 60 s of data; features at 50 Hz at most.
    let predictions = up.trading.strategy.predictions;
    assert!((1_000..=3_001).contains(&predictions), "{predictions}");
    block_on(async {
        assert_eq!(bus.pending_count(&feat, "inference").await.unwrap(), 0);
        assert_eq!(bus.pending_count(&pred, "execution").await.unwrap(), 0);
        let last = bus.range(&pred, Range::Newest(1)).await.unwrap();
        assert_eq!(last.len(), 1, "predictions are on {pred:?}");
        let nothing = bus
            .read_group(&pred, "execution", "probe", 10, Duration::ZERO)
            .await
            .unwrap();
        assert!(nothing.is_empty(), "every prediction was consumed");
    });

    let down = run(-10.0, &MemoryBus::default());
    assert!(
        up.inventory.mean > 0.0 && down.inventory.mean < 0.0,
        "up {} / down {}",
        up.inventory.mean,
        down.inventory.mean
    );
    assert_eq!(up.pnl.net, up.pnl.cash_flow);
}

/// A book falling one tick every 20 ms for a minute: a snapshot, then deltas that move both
/// sides down.
fn falling_records() -> Vec<Record> {
    let (t0, step) = (1_700_000_000_000_000_000i64, 20_000_000i64);
    let level = |p: i64, q: i64| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q));
    let mut records = vec![Record {
        recv_ts: UnixNanos(t0),
        event: RecordEvent::from(BookSnapshot {
            market: spec().id().clone(),
            seq: 1,
            bids: vec![level(40_000, 50)],
            asks: vec![level(40_002, 50)],
            ts: UnixNanos(t0),
        }),
    }];
    for i in 1..3_000i64 {
        let bid = 40_000 - i;
        records.push(Record {
            recv_ts: UnixNanos(t0 + i * step),
            event: RecordEvent::from(BookDelta {
                market: spec().id().clone(),
                seq: i as u64 + 1,
                prev_seq: Some(i as u64),
                bids: vec![level(bid + 1, 0), level(bid, 50)],
                asks: vec![level(bid + 3, 0), level(bid + 2, 50)],
                ts: UnixNanos(t0 + i * step),
            }),
        });
    }
    records
}

#[test]
fn a_model_the_market_keeps_proving_wrong_trips_the_drift_guard() {
    let run = |move_bps: f32| {
        let mut config = BacktestConfig::new(
            FeeSchedule::from_spec(&spec()),
            BacktestConfig::unlimited(FeeSchedule::from_spec(&spec())).risk,
        );
        config.guards.price_band_bps = Decimal::from(1_000_000);
        let seam = BusSeam::new(
            MemoryBus::default(),
            "drifttest",
            "SEI-USDC",
            Box::new(Fixed { move_bps, calls: 0 }),
        )
        .unwrap();
        Backtest::new(config, spec(), Some(seam))
            .unwrap()
            .run(falling_records().into_iter().map(Ok), &mut |_| {})
            .unwrap()
    };
    // Always "up" while the mid only falls: every scored outcome is a miss, and after the
    // 200 the floor needs, the kill switch trips.
    let wrong = run(10.0);
    assert_eq!(
        wrong.trading.strategy.halted,
        Some(RiskViolationKind::ModelDrift)
    );
    // Always "down" is always right: nothing trips.
    let right = run(-10.0);
    assert_eq!(right.trading.strategy.halted, None);
}
