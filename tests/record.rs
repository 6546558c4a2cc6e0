//! `flashmm record` follows the live `md:{mkt}` streams that ingest writes from the simulator
//! and produces a recording that replays cleanly into FlashMM's book for every market.

use std::collections::BTreeMap;
use std::process::Command;

use flashmm_core::book::OrderBook;
use flashmm_core::market_event::MarketEvent;
use flashmm_e2e::{bin, Stage};
use flashmm_recording::{RecordEvent, RecordingReader};

#[test]
fn record_writes_a_replayable_recording_of_every_market() {
    let stage = Stage::new("record");
    let _venue = stage.start("sim-venue", &["--seed", "11"]);
    let _ingest = stage.start("ingest", &[]);

    let out = stage.dir.join("live.rec");
    let status = Command::new(bin("flashmm"))
        .args([
            "--config",
            &stage.config,
            "record",
            "--seconds",
            "4",
            "--out",
        ])
        .arg(&out)
        .envs(stage.env())
        .status()
        .expect("run flashmm record");
    assert!(status.success(), "flashmm record failed");

    let mut reader = RecordingReader::open(&out).expect("open the recording");
    let symbols: Vec<String> = reader
        .header()
        .markets
        .iter()
        .map(|m| m.id().as_str().to_owned())
        .collect();
    assert_eq!(symbols, ["SEI/USDC", "ETH/USDC"]);
    let mut books: BTreeMap<String, OrderBook> = BTreeMap::new();
    let mut deltas: BTreeMap<String, usize> = BTreeMap::new();
    let mut last_ts = 0;
    for record in reader.by_ref() {
        let record = record.expect("a readable record");
        assert!(
            record.recv_ts.0 >= last_ts - 1_000_000_000,
            "records out of time order"
        );
        last_ts = last_ts.max(record.recv_ts.0);
        let market = record.event.market().clone();
        let symbol = market.as_str().to_owned();
        match &record.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => {
                books
                    .entry(symbol)
                    .or_insert_with(|| OrderBook::new(market))
                    .apply_snapshot(s)
                    .expect("snapshot applies");
            }
            RecordEvent::Market(MarketEvent::Delta(d)) => {
                let book = books.get_mut(&symbol).expect("a delta before any snapshot");
                book.apply_delta(d).expect("every recorded delta applies");
                *deltas.entry(symbol).or_default() += 1;
            }
            RecordEvent::Market(MarketEvent::Trade(t)) => {
                assert!(books.contains_key(&symbol) && t.qty.lots() > 0)
            }
            RecordEvent::Top(_) => {}
        }
    }
    for symbol in &symbols {
        assert!(
            deltas.get(symbol).copied().unwrap_or(0) >= 5,
            "{symbol}: too few deltas recorded ({deltas:?})"
        );
        assert!(books[symbol].best_bid().is_some() && books[symbol].best_ask().is_some());
    }
    let _ = std::fs::remove_dir_all(&stage.dir);
}
