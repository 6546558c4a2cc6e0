//! Walk-forward tuning on a synthetic market: the same outcome on one thread or several, the
//! choice is the argmax of the training objective, the report is a plain run of the chosen
//! set on the report window, and records of the report window have no say in the choice.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use flashmm_backtest::synthetic::synthetic_records;
use flashmm_backtest::tune::{argmax, Grid, Objective, Split, Tape, TuneOutcome, Tuner};
use flashmm_backtest::{BacktestConfig, FeeSchedule, Quoting};
use flashmm_core::market::MarketSpec;
use flashmm_core::strategy::RawQuoteParams;
use flashmm_recording::Record;
use rust_decimal::Decimal;
use serde_json::json;

const T0: i64 = 1_700_000_000_000_000_000;
const MS: i64 = 1_000_000;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::simulated("SYN/USD", Decimal::ZERO)
}

fn fees() -> FeeSchedule {
    FeeSchedule {
        maker_rate: d("-0.0001"),
        taker_rate: d("0.0005"),
    }
}

fn base() -> BacktestConfig {
    let mut c = BacktestConfig::unlimited(fees());
    c.seed = 5;
    c
}

fn grid() -> Grid {
    Grid::from_value(
        json!({"min_spread_bps": [2.0, 10.0, 30.0], "gamma": [0.1, 1.0]}),
        100,
    )
    .unwrap()
}

const SPLIT: Split = Split {
    warmup_ns: 2_000 * MS,
    train_frac: 0.6,
    folds: 1,
    embargo_ns: 1_000 * MS,
};

fn tape(records: Vec<Record>) -> Tape {
    Tape {
        name: "syn".into(),
        spec: spec(),
        records: Arc::new(records),
        unreadable: 0,
    }
}

fn tune(records: Vec<Record>, threads: usize) -> (TuneOutcome, Tape, usize) {
    let t = tape(records);
    let folds = SPLIT
        .folds("syn", t.first_ts().unwrap(), t.last_ts().unwrap() + 1, None)
        .unwrap();
    let runs = AtomicUsize::new(0);
    let on_run = || {
        runs.fetch_add(1, Ordering::Relaxed);
    };
    let tuner = Tuner {
        tapes: vec![(t.clone(), folds, fees())],
        base: base(),
        template: RawQuoteParams::default(),
        level_notional: d("10"),
        grid: grid(),
        objective: Objective::Net,
        threads,
        seam: &|_| Ok(None),
        on_run: &on_run,
    };
    let outcome = tuner.run().unwrap();
    (outcome, t, runs.load(Ordering::Relaxed))
}

#[test]
fn tuning_is_walk_forward_and_deterministic() {
    let records = synthetic_records(spec().id(), 20_000, T0, 2 * MS, 3);
    let (one, tape, runs) = tune(records.clone(), 1);
    assert_eq!(
        runs,
        6 + 1,
        "six sets on training, the chosen one on the report window"
    );
    assert_eq!(one.runs, 7);
    let fold = &one.folds[0];
    let w = fold.windows[0];
    assert_eq!(w.train.from.0, T0 + 2_000 * MS);
    assert_eq!(w.report.from.0, w.train.until.0 + 1_000 * MS);

    // The same outcome on several threads.
    let (three, _, _) = tune(records.clone(), 3);
    assert_eq!(three.folds[0].scores, fold.scores);
    assert_eq!(three.folds[0].chosen, fold.chosen);
    assert_eq!(three.folds[0].report[0].pnl, fold.report[0].pnl);

    // The choice is the argmax of the training objective, which is each set's net P&L.
    assert_eq!(Some(fold.chosen), argmax(&fold.scores));
    assert!(
        fold.train
            .iter()
            .any(|r| r[0].net != fold.train[fold.chosen][0].net),
        "the sets differ: {:?}",
        fold.train
    );
    assert!(fold.train.iter().any(|r| r[0].fills > 0), "the sets trade");

    // The report is a plain run of the chosen set on the report window.
    let chosen = one
        .chosen()
        .unwrap()
        .apply(&RawQuoteParams::default())
        .unwrap();
    let mut c = base();
    c.quote = Quoting::FromNotional {
        template: chosen,
        level_notional: d("10"),
    };
    let plain = tape.run(c, w.report, None).unwrap();
    assert_eq!(plain.pnl, fold.report[0].pnl);
    assert_eq!(plain.trading, fold.report[0].trading);

    // Other records in the report window change the report, not the choice.
    let cut = w.train.until.0;
    let mut altered: Vec<Record> = records
        .iter()
        .filter(|r| r.recv_ts.0 < cut)
        .cloned()
        .collect();
    altered.extend(
        synthetic_records(spec().id(), 20_000, T0, 2 * MS, 99)
            .into_iter()
            .filter(|r| r.recv_ts.0 >= cut),
    );
    let (other, _, _) = tune(altered, 2);
    assert_eq!(other.folds[0].scores, fold.scores);
    assert_eq!(other.folds[0].chosen, fold.chosen);
    assert_ne!(other.folds[0].report[0].pnl, fold.report[0].pnl);
}
