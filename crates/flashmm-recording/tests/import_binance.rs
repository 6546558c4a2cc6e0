//! Imports the real Binance BTCUSDT spot capture from `../shared/data` and checks the
//! recording: every delta applies to an `OrderBook`, the replayed top equals every `Top`,
//! every trade line became a trade, no line was malformed. Skips when the data is absent
//! (fails under CI).

use flashmm_core::book::OrderBook;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, RecordEvent, RecordingReader};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn spot_files() -> Option<Vec<PathBuf>> {
    let dir = Path::new(DATA).join("binance/spot");
    let files: Vec<PathBuf> = ["btcusdt_20240808.gz", "btcusdt_20240809.gz"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    if files.iter().all(|f| f.is_file()) {
        Some(files)
    } else {
        let why = format!(
            "Binance sample data not found under {DATA}/binance/spot; \
             this test needs ../shared/data next to the repository"
        );
        // Under CI a missing prerequisite is a failure, not a pass.
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIP: {why}");
        None
    }
}

/// Counts the trade lines of the inputs, the first `max_lines` lines in all.
fn trade_lines(files: &[PathBuf], max_lines: usize) -> u64 {
    let mut left = max_lines;
    let mut n = 0;
    for f in files {
        let file = std::fs::File::open(f).unwrap();
        let gz = flate2::read::MultiGzDecoder::new(file);
        for line in BufReader::new(gz).lines().take(left) {
            left -= 1;
            if line.unwrap().contains("@trade\"") {
                n += 1;
            }
        }
    }
    n
}

fn check(files: &[PathBuf], max_lines: Option<u64>) {
    let config = BinanceImportConfig {
        max_lines,
        compression: Compression::None,
        ..BinanceImportConfig::default()
    };
    let mut bytes = Vec::new();
    let import = import_binance(files, &mut bytes, &config).unwrap();
    let stats = &import.stats;
    eprintln!("{}\n{stats}", import.spec.id());
    assert_eq!(import.spec.id().as_str(), "BTC/USDT");
    assert_eq!(import.spec.tick_size().to_string(), "0.01");
    // Some sizes deep in the depth snapshot have six decimals.
    assert_eq!(import.spec.lot_size().to_string(), "0.000001");
    assert_eq!(stats.malformed.total(), 0, "{stats}");
    let lines = max_lines.map_or(usize::MAX, |n| n as usize);
    assert_eq!(stats.trades, trade_lines(files, lines));
    assert_eq!(stats.tops, stats.book_tickers);
    assert!(stats.snapshots >= 1 && stats.deltas > 100 && stats.tops > 100);
    assert_eq!(stats.snapshots, 1 + stats.resyncs);

    let reader = RecordingReader::new(bytes.as_slice()).unwrap();
    assert_eq!(reader.header().markets, vec![import.spec.clone()]);
    let mut book = OrderBook::new(import.spec.id().clone());
    let (mut deltas, mut tops, mut trades, mut checked_tops) = (0u64, 0u64, 0u64, 0u64);
    let mut last_recv = None;
    for record in reader {
        let record = record.unwrap();
        if let Some(last) = last_recv {
            assert!(record.recv_ts >= last || stats.recv_ts_backwards > 0);
        }
        last_recv = Some(record.recv_ts);
        match &record.event {
            RecordEvent::Snapshot(s) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Delta(d) => {
                book.apply_delta(d)
                    .unwrap_or_else(|e| panic!("delta {} refused: {e}", d.seq));
                deltas += 1;
            }
            RecordEvent::Top(t) => {
                tops += 1;
                if book.seq().is_some() {
                    assert_eq!(book.best_bid(), Some(t.bid), "top {}", t.venue_seq);
                    assert_eq!(book.best_ask(), Some(t.ask), "top {}", t.venue_seq);
                    checked_tops += 1;
                }
            }
            RecordEvent::Trade(_) => trades += 1,
        }
    }
    assert_eq!(
        (deltas, tops, trades),
        (stats.deltas, stats.tops, stats.trades)
    );
    assert!(
        checked_tops + 1 >= tops,
        "{checked_tops} of {tops} tops checked"
    );
    // The book is deep on both sides by the end.
    assert!(book.levels(flashmm_core::market::Side::Buy).len() > 50);
    assert!(book.levels(flashmm_core::market::Side::Sell).len() > 50);
}

#[test]
fn spot_btcusdt_first_lines() {
    let Some(files) = spot_files() else { return };
    check(&files, Some(10_000));
}

/// The whole pair of files: about 100 k lines.
#[test]
fn spot_btcusdt_both_files() {
    let Some(files) = spot_files() else { return };
    check(&files, None);
}

#[test]
fn reader_streams_the_recording_from_a_file() {
    let Some(files) = spot_files() else { return };
    let dir = std::env::temp_dir().join(format!("flashmm-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("btc.rec.gz");
    let mut out = std::fs::File::create(&path).unwrap();
    let config = BinanceImportConfig {
        max_lines: Some(5_000),
        ..BinanceImportConfig::default()
    };
    let import = import_binance(&files[..1], &mut out, &config).unwrap();
    drop(out);
    let mut head = [0u8; 2];
    std::fs::File::open(&path)
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert_eq!(head, [0x1f, 0x8b]);
    let n = RecordingReader::open(&path)
        .unwrap()
        .map(Result::unwrap)
        .count() as u64;
    assert_eq!(n, import.stats.records());
    std::fs::remove_dir_all(&dir).unwrap();
}
