//! The ML strategy's path: feature vectors and predictions cross the in-memory bus as the
//! services' envelopes, every entry is acked, and the prediction skews the quotes (a
//! predictor that always expects a rise ends long on average, one that expects a fall short).

use std::time::Duration;

use flashmm_backtest::synthetic::synthetic_records;
use flashmm_backtest::{
    Backtest, BacktestConfig, BacktestError, BusSeam, FeeSchedule, Predictor, Report,
};
use flashmm_bus::{Bus, MemoryBus, Namespace, Range};
use flashmm_core::market::MarketSpec;
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::strategy::{QuoteParams, RawQuoteParams};
use flashmm_core::time::UnixNanos;
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

    fn predict(
        &mut self,
        vector: &FeatureVector,
        now: UnixNanos,
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
