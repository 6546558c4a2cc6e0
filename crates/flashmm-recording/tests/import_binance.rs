//! Imports the real Binance BTCUSDT spot capture from `../shared/data` and checks the
//! recording: every delta applies to an `OrderBook`, the replayed top equals every `Top`,
//! every trade line became a trade, no line was malformed. Skips when the data is absent
//! (fails under CI).

use flashmm_core::book::OrderBook;
use flashmm_core::market_event::MarketEvent;
use flashmm_recording::import::binance::{import_binance, BinanceImportConfig};
use flashmm_recording::{Compression, RecordEvent, RecordingReader};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

fn spot_files() -> Option<Vec<PathBuf>> {
    flashmm_core::testing::shared_files(
        "binance/spot",
        &["btcusdt_20240808.gz", "btcusdt_20240809.gz"],
    )
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
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Market(MarketEvent::Delta(d)) => {
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
            RecordEvent::Market(MarketEvent::Trade(_)) => trades += 1,
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

/// Writes the first `max_lines` lines of `files`, each passed through `map` (`None` drops
/// it), to a plain file `name` in a fresh directory; returns the file.
fn rewrite(
    files: &[PathBuf],
    max_lines: usize,
    name: &str,
    map: impl Fn(&str) -> Option<String>,
) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flashmm-import-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut left = max_lines;
    for f in files {
        let gz = flate2::read::MultiGzDecoder::new(std::fs::File::open(f).unwrap());
        for line in BufReader::new(gz).lines().take(left) {
            left -= 1;
            if let Some(l) = map(&line.unwrap()) {
                std::io::Write::write_all(&mut out, format!("{l}\n").as_bytes()).unwrap();
            }
        }
    }
    std::io::Write::flush(&mut out).unwrap();
    path
}

fn import_records(
    files: &[PathBuf],
) -> (
    flashmm_recording::import::binance::BinanceImport,
    Vec<flashmm_recording::Record>,
) {
    let config = BinanceImportConfig {
        compression: Compression::None,
        ..BinanceImportConfig::default()
    };
    let mut bytes = Vec::new();
    let import = import_binance(files, &mut bytes, &config).unwrap();
    let records = RecordingReader::new(bytes.as_slice())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (import, records)
}

/// The sign of the mid's move over each 100 ms step of receive time (on a grid of whole
/// 100 ms since the epoch), from the book the records replay into: the dataset's labels
/// without a dead band, in ticks.
fn labels_100ms(records: &[flashmm_recording::Record]) -> Vec<i8> {
    const STEP: i64 = 100_000_000;
    let Some(first) = records.first() else {
        return Vec::new();
    };
    let mut book = OrderBook::new(first.event.market().clone());
    let mut mids = Vec::new();
    let mut next = (first.recv_ts.as_i64() / STEP + 1) * STEP;
    for r in records {
        while r.recv_ts.as_i64() >= next {
            mids.push(
                book.best_bid()
                    .zip(book.best_ask())
                    .map(|(b, a)| b.price.ticks() + a.price.ticks()),
            );
            next += STEP;
        }
        match &r.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(d).unwrap(),
            _ => {}
        }
    }
    mids.windows(2)
        .filter_map(|w| Some((w[1]? - w[0]?).signum() as i8))
        .collect()
}

/// Older captures stamp the receive time in microseconds: the same capture rewritten so
/// imports to the same book and the same 100 ms labels, over the same span.
#[test]
fn microsecond_capture_imports_like_the_nanosecond_one() {
    let Some(files) = spot_files() else { return };
    const LINES: usize = 20_000;
    // The nanosecond capture truncated to whole microseconds, and the same in microseconds.
    let split = |l: &str| -> (i64, String) {
        let (ts, json) = l.split_once(' ').unwrap();
        (ts.parse::<i64>().unwrap() / 1_000, json.to_owned())
    };
    let ns = rewrite(&files, LINES, "ns.txt", |l| {
        let (us, json) = split(l);
        Some(format!("{} {json}", us * 1_000))
    });
    let us = rewrite(&files, LINES, "us.txt", |l| {
        let (us, json) = split(l);
        Some(format!("{us} {json}"))
    });
    let (import_ns, records_ns) = import_records(std::slice::from_ref(&ns));
    let (import_us, records_us) = import_records(std::slice::from_ref(&us));
    assert_eq!(import_ns.time_unit.name(), "ns");
    assert_eq!(import_us.time_unit.name(), "µs");
    let span = |i: &flashmm_recording::import::binance::BinanceImport| {
        i.stats
            .last_recv_ts
            .unwrap()
            .since(i.stats.first_recv_ts.unwrap())
    };
    assert_eq!(span(&import_us), span(&import_ns));
    // 20 000 lines are about two minutes of this capture, not a fraction of a second.
    assert!(span(&import_us) > 60_000_000_000, "{}", span(&import_us));
    assert_eq!(records_us.len(), records_ns.len());
    assert!(records_us == records_ns, "the two imports differ");
    let (labels_ns, labels_us) = (labels_100ms(&records_ns), labels_100ms(&records_us));
    assert!(labels_us.len() > 600, "{}", labels_us.len());
    assert_eq!(labels_us, labels_ns);
    let down = labels_us.iter().filter(|&&l| l < 0).count();
    assert!(
        down * 4 < labels_us.len(),
        "{down} of {} steps down",
        labels_us.len()
    );
    for p in [ns, us] {
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }
}

/// A capture of `bookTicker` and trades only (the same capture without its depth): a book
/// from the first ticker whose levels are exactly the ticker's at every step.
#[test]
fn ticker_and_trade_capture_books_the_ticker_at_every_step() {
    let Some(files) = spot_files() else { return };
    let path = rewrite(&files, 20_000, "top.txt", |l| {
        (l.contains("@bookTicker\"") || l.contains("@trade\"")).then(|| l.to_owned())
    });
    let (import, records) = import_records(std::slice::from_ref(&path));
    assert!(import.top_only);
    let stats = &import.stats;
    assert_eq!(stats.malformed.total(), 0, "{stats}");
    assert_eq!((stats.depth_updates, stats.snapshots), (0, 1));
    assert!(stats.tops > 5_000 && stats.trades > 1_000, "{stats}");
    let mut book = OrderBook::new(import.spec.id().clone());
    let mut checked = 0u64;
    for r in &records {
        match &r.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(d).unwrap(),
            RecordEvent::Top(t) => {
                let bids: Vec<_> = book.levels(flashmm_core::market::Side::Buy).collect();
                let asks: Vec<_> = book.levels(flashmm_core::market::Side::Sell).collect();
                assert_eq!(
                    (bids, asks),
                    (vec![t.bid], vec![t.ask]),
                    "top {}",
                    t.venue_seq
                );
                checked += 1;
            }
            RecordEvent::Market(MarketEvent::Trade(_)) => {}
        }
    }
    assert_eq!(checked, stats.tops);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}
