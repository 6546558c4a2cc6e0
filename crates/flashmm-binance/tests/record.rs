//! The live recorder (`flashmm record --venue binance`) against the mock of Binance serving a
//! real capture of `../shared/data`, with a gap and a dropped connection: the files rotate,
//! each is whole and replays on its own, the raw lines kept are what the mock served, and
//! the records are exactly those `flashmm import binance` writes from those lines.

mod support;

use flashmm_binance::record::{record, resolve_symbols, RecordConfig};
use flashmm_binance::{BinanceMarket, FeedConfig, RestClient};
use flashmm_core::book::OrderBook;
use flashmm_core::market_event::MarketEvent;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, Record, RecordEvent, RecordingReader};
use rust_decimal::Decimal;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{capture, read_lines, spec, start, Capture, Faults};

const EXCHANGE_INFO: &str = r#"{"timezone":"UTC","symbols":[
 {"symbol":"ETHUSDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","stepSize":"0.00010000"}]},
 {"symbol":"BTCUSDT","filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01","tickSize":"0.01000000"},{"filterType":"LOT_SIZE","stepSize":"0.00001000"}]}]}"#;

fn records(path: &Path) -> Vec<Record> {
    let reader = RecordingReader::open(path).unwrap();
    reader
        .map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// Replays one file's book records into an `OrderBook`: the first book record is a
/// snapshot and every one applies.
fn replays(path: &Path, recs: &[Record]) -> u64 {
    let market = recs[0].event.market().clone();
    let mut book = OrderBook::new(market);
    let mut applied = 0;
    for r in recs {
        let res = match &r.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s),
            RecordEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(d),
            _ => continue,
        };
        res.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        applied += 1;
    }
    applied
}

fn raw_lines(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap());
            BufReader::new(gz).lines().map(|l| l.unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_recording_rotates_and_equals_the_import_of_the_served_lines() {
    let Some(file) = capture("binance/spot/btcusdt_20240808.gz") else {
        return;
    };
    let mock_spec = spec("BTC/USDT", Decimal::new(1, 2));
    let capture = Capture::new(&mock_spec, &read_lines(&file, 8_000));
    let faults = Faults {
        skip: vec![capture.diff_frame(150)],
        duplicate: vec![capture.diff_frame(100)],
        drop_at: Some((capture.diff_frame(300), 20)),
        rate_limit_first: false,
        stale_snapshot: false,
    };
    let mock = start(capture, faults, EXCHANGE_INFO.to_owned()).await;

    let rest =
        RestClient::new(BinanceMarket::Spot, &mock.rest_url, Duration::from_secs(5)).unwrap();
    let symbols = resolve_symbols(&rest, &["btcusdt".to_owned()], 5000)
        .await
        .unwrap();
    assert_eq!(symbols.len(), 1);
    // exchangeInfo's tick; the lot of the sizes as the venue writes them (8 places), finer
    // than exchangeInfo's 0.00001.
    assert_eq!(symbols[0].spec.tick_size(), Decimal::new(1, 2));
    assert_eq!(symbols[0].spec.lot_size(), Decimal::new(1, 8));
    assert_eq!(symbols[0].spec.id().as_str(), "BTC/USDT");
    let spec = symbols[0].spec.clone();

    let dir = std::env::temp_dir().join(format!("flashmm-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut feed =
        FeedConfig::new(BinanceMarket::Spot, symbols).with_urls(&mock.ws_url, &mock.rest_url);
    feed.backoff_min = Duration::from_millis(20);
    feed.backoff_max = Duration::from_millis(200);
    feed.ping_interval = Duration::from_millis(500);
    feed.idle_timeout = Duration::from_secs(3);
    let config = RecordConfig {
        feed,
        out_dir: dir.clone(),
        rotate_bytes: Some(96 * 1024),
        rotate_after: None,
        raw: true,
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let recorder = tokio::spawn(record(config, async {
        let _ = stop_rx.await;
    }));
    tokio::time::timeout(Duration::from_secs(120), async {
        while !mock.done() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the mock did not serve the capture in time");
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop_tx.send(()).unwrap();
    let summary = recorder.await.unwrap().unwrap();
    let s = &summary.symbols[0];
    eprintln!(
        "{} files, {} records; {:?}",
        s.files.len(),
        s.records,
        s.stats
    );

    // Several files, each whole (no `.part` left), each replaying on its own.
    assert!(s.files.len() >= 3, "{} files", s.files.len());
    assert_eq!(s.raw_files.len(), s.files.len());
    let mut listed: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    listed.sort();
    assert!(listed
        .iter()
        .all(|p| !p.to_string_lossy().ends_with(".part")));
    assert_eq!(listed.len(), 2 * s.files.len());
    let mut live = Vec::new();
    for (i, f) in s.files.iter().enumerate() {
        let header = RecordingReader::open(f).unwrap().header().clone();
        assert_eq!(header.markets, vec![spec.clone()]);
        let recs = records(f);
        assert!(!recs.is_empty());
        assert!(replays(f, &recs) > 10, "{}", f.display());
        // Every file after the first starts with the book's snapshot at the current
        // sequence; the records after it go on as one stream.
        let skip = if i == 0 {
            0
        } else {
            assert_eq!(recs[0].event.kind(), "snapshot", "{}", f.display());
            1
        };
        live.extend(recs.into_iter().skip(skip));
    }
    assert_eq!(live.len() as u64, s.records - (s.files.len() as u64 - 1));

    // The raw lines are what the mock served: every stream frame in order, and snapshot
    // bodies (the first one answered was the grid's probe, not recorded).
    let raw = raw_lines(&s.raw_files);
    let json = |l: &String| l.split_once(' ').unwrap().1.to_owned();
    let frames: Vec<String> = raw
        .iter()
        .map(json)
        .filter(|j| j.starts_with("{\"stream\""))
        .collect();
    let bodies: Vec<String> = raw
        .iter()
        .map(json)
        .filter(|j| !j.starts_with("{\"stream\""))
        .collect();
    assert_eq!(frames, mock.sent_frames());
    assert_eq!(bodies, mock.sent_snapshots()[1..]);
    // The first sync, the one after the skipped diff, the one after the reconnection.
    assert!(bodies.len() >= 3, "{} snapshots", bodies.len());
    assert!(
        s.stats.gaps >= 1 && s.stats.stale_updates >= 1,
        "{:?}",
        s.stats
    );

    // An offline import of the same lines, with the same grid, writes the same records.
    let import_config = BinanceImportConfig {
        tick_size: Some(spec.tick_size()),
        lot_size: Some(spec.lot_size()),
        market: None,
        max_lines: None,
        compression: Compression::None,
    };
    let mut bytes = Vec::new();
    let import = import_binance(&s.raw_files, &mut bytes, &import_config).unwrap();
    assert_eq!(import.spec, spec);
    let offline: Vec<Record> = RecordingReader::new(&bytes[..])
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(offline.len(), live.len());
    assert!(offline == live, "the live records differ from the import");
    assert_eq!(import.stats.lines, raw.len() as u64);
    assert_eq!(import.stats.malformed.total(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
