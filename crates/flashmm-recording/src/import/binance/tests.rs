//! Unit tests of the Binance importer on hand-written lines.

use super::*;
use crate::import::{ImportError, ImportStats, MalformedKind};
use crate::{Record, RecordEvent, RecordingReader};
use flashmm_core::book::{BookLevel, OrderBook};
use flashmm_core::market::{MarketSpec, Price, Qty, Side};
use flashmm_core::market_event::MarketEvent;
use rust_decimal::Decimal;

/// BTC/USDT with a 0.01 tick and a 0.00001 lot.
fn spec() -> MarketSpec {
    flashmm_core::market::fixture::spec(
        "BTC/USDT",
        Decimal::new(1, 2),
        Decimal::new(1, 5),
        Decimal::ZERO,
    )
}

fn lv(price_ticks: i64, lots: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(price_ticks), Qty::from_lots(lots))
}

/// A spot depth diff line; levels as `[["price","qty"],...]` JSON.
fn depth(recv: i64, first: u64, last: u64, bids: &str, asks: &str) -> String {
    format!(
        r#"{recv} {{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":{first},"u":{last},"b":{bids},"a":{asks}}}}}"#
    )
}

/// A futures depth diff line with `pu`.
fn fdepth(recv: i64, first: u64, last: u64, prev: u64, bids: &str, asks: &str) -> String {
    format!(
        r#"{recv} {{"stream":"btcusdt@depth@0ms","data":{{"e":"depthUpdate","E":1721347201585,"T":1721347201533,"s":"BTCUSDT","U":{first},"u":{last},"pu":{prev},"b":{bids},"a":{asks}}}}}"#
    )
}

fn ticker(recv: i64, u: u64, bid: &str, bid_qty: &str, ask: &str, ask_qty: &str) -> String {
    format!(
        r#"{recv} {{"stream":"btcusdt@bookTicker","data":{{"u":{u},"s":"BTCUSDT","b":"{bid}","B":"{bid_qty}","a":"{ask}","A":"{ask_qty}"}}}}"#
    )
}

fn trade(recv: i64, id: u64, price: &str, qty: &str, m: bool) -> String {
    format!(
        r#"{recv} {{"stream":"btcusdt@trade","data":{{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":{id},"p":"{price}","q":"{qty}","T":1723161255342,"m":{m},"M":true}}}}"#
    )
}

/// Converts `lines`; returns the records and the statistics.
fn convert(lines: &[String]) -> (Vec<Record>, ImportStats) {
    let mut c = BinanceConverter::new(spec(), "BTCUSDT");
    let mut out = Vec::new();
    for l in lines {
        c.push_line(l.as_bytes(), &mut out);
    }
    (out, c.into_stats())
}

/// Replays book records into an `OrderBook`: every snapshot and delta must apply, and after
/// every `Top` the book's best levels must equal it. Returns the final book.
fn replay(records: &[Record]) -> OrderBook {
    let mut book = OrderBook::new(spec().id().clone());
    for r in records {
        match &r.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(d).unwrap(),
            RecordEvent::Top(t) if book.seq().is_some() => {
                assert_eq!(book.best_bid(), Some(t.bid));
                assert_eq!(book.best_ask(), Some(t.ask));
            }
            _ => {}
        }
    }
    book
}

fn kinds(records: &[Record]) -> Vec<&'static str> {
    records.iter().map(|r| r.event.kind()).collect()
}

#[test]
fn exact_ticks_and_lots_and_first_snapshot() {
    let lines = [
        depth(
            1,
            100,
            105,
            r#"[["61837.62000000","0.61700000"],["61830.00000000","1.00000000"]]"#,
            r#"[["61837.64000000","1.54698000"],["61840.00000000","0.00000000"]]"#,
        ),
        ticker(
            2,
            106,
            "61837.63000000",
            "3.78826000",
            "61837.64000000",
            "1.60520000",
        ),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(kinds(&records), ["snapshot", "top"]);
    let RecordEvent::Market(MarketEvent::Snapshot(snap)) = &records[0].event else {
        panic!("{:?}", records[0])
    };
    assert_eq!(snap.seq, 1);
    assert_eq!(
        snap.bids,
        [
            lv(6_183_763, 378_826),
            lv(6_183_762, 61_700),
            lv(6_183_000, 100_000)
        ]
    );
    assert_eq!(snap.asks, [lv(6_183_764, 160_520)]);
    assert_eq!(records[0].recv_ts.as_i64(), 2);
    let RecordEvent::Top(top) = &records[1].event else {
        panic!()
    };
    assert_eq!(
        (top.venue_seq, top.bid, top.ask),
        (106, lv(6_183_763, 378_826), lv(6_183_764, 160_520))
    );
    assert_eq!(
        spec().price_to_decimal(top.bid.price).to_string(),
        "61837.63"
    );
    assert_eq!(
        (
            stats.depth_updates,
            stats.book_tickers,
            stats.snapshots,
            stats.tops
        ),
        (1, 1, 1, 1)
    );
    replay(&records);
}

#[test]
fn nothing_but_tops_and_trades_before_depth() {
    let lines = [
        ticker(1, 10, "100.00", "1", "100.01", "1"),
        trade(2, 7, "100.01", "0.5", false),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(kinds(&records), ["top", "trade"]);
    assert_eq!(stats.snapshots, 0);
}

#[test]
fn spot_sequence_gap_resyncs() {
    let lines = [
        depth(1, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
        ticker(2, 105, "100.00", "1", "100.05", "1"),
        // U = previous u + 1: applies.
        depth(3, 106, 110, r#"[["99.00","2"]]"#, "[]"),
        // Already covered: stale.
        depth(4, 101, 110, r#"[["98.00","2"]]"#, "[]"),
        // U skips 111..=114: a gap; the book restarts from this diff.
        depth(5, 115, 120, r#"[["99.50","3"]]"#, "[]"),
        ticker(6, 121, "100.00", "1", "100.05", "1"),
        depth(7, 121, 125, r#"[["99.60","1"]]"#, "[]"),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(
        kinds(&records),
        ["snapshot", "top", "delta", "snapshot", "top", "delta"]
    );
    assert_eq!((stats.gaps, stats.resyncs, stats.stale_updates), (1, 1, 1));
    // After the resync the 99.00 bid from before the gap is gone.
    let RecordEvent::Market(MarketEvent::Snapshot(s)) = &records[3].event else {
        panic!()
    };
    assert_eq!(s.bids, [lv(10_000, 100_000), lv(9_950, 300_000)]);
    assert_eq!(s.seq, 3);
    let book = replay(&records);
    assert_eq!(book.seq(), Some(4));
    assert_eq!(book.levels(Side::Buy).len(), 3);
}

/// A snapshot record taken mid-stream starts a file that replays on its own, and the records
/// after it are those of the uninterrupted conversion.
#[test]
fn snapshot_record_starts_a_file_mid_stream() {
    let lines = [
        depth(1, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
        ticker(2, 105, "100.00", "1", "100.05", "1"),
        depth(3, 106, 110, r#"[["99.00","2"]]"#, "[]"),
        trade(4, 7, "100.05", "0.5", false),
        depth(5, 111, 115, r#"[["99.50","3"]]"#, r#"[["100.10","1"]]"#),
        ticker(6, 116, "100.00", "2", "100.05", "1"),
    ];
    let (whole, stats) = convert(&lines);
    let mut c = BinanceConverter::new(spec(), "BTCUSDT");
    assert_eq!(c.snapshot_record(flashmm_core::time::UnixNanos(0)), None);
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for l in &lines[..3] {
        c.push_line(l.as_bytes(), &mut first);
    }
    let at = flashmm_core::time::UnixNanos(3);
    let start = c.snapshot_record(at).unwrap();
    second.push(start.clone());
    for l in &lines[3..] {
        c.push_line(l.as_bytes(), &mut second);
    }
    assert_eq!(*c.stats(), stats);
    // The second file alone replays, and ends as the uninterrupted book.
    let book = replay(&second);
    assert_eq!(book.to_snapshot(), replay(&whole).to_snapshot());
    let RecordEvent::Market(MarketEvent::Snapshot(s)) = &start.event else {
        panic!()
    };
    assert_eq!(s.seq, 2);
    assert_eq!(s.bids, [lv(10_000, 100_000), lv(9_900, 200_000)]);
    first.extend(second.into_iter().skip(1));
    assert_eq!(first, whole);
}

#[test]
fn futures_sequence_uses_pu() {
    let lines = [
        fdepth(
            1,
            500,
            510,
            400,
            r#"[["100.00","1"]]"#,
            r#"[["100.10","1"]]"#,
        ),
        ticker(2, 511, "100.00", "1", "100.10", "1"),
        // pu = previous u: applies even though U jumps (futures ids are not contiguous).
        fdepth(3, 530, 540, 510, r#"[["99.90","1"]]"#, "[]"),
        // pu != previous u: a gap.
        fdepth(4, 560, 570, 550, r#"[["99.80","1"]]"#, "[]"),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(kinds(&records), ["snapshot", "top", "delta"]);
    assert_eq!((stats.gaps, stats.resyncs), (1, 1));
    replay(&records);
}

#[test]
fn ticker_removes_levels_crossing_it() {
    let lines = [
        depth(
            1,
            100,
            105,
            r#"[["100.02","1"],["100.00","1"]]"#,
            r#"[["100.03","1"],["100.05","1"]]"#,
        ),
        ticker(2, 106, "100.01", "2", "100.04", "3"),
    ];
    let (records, stats) = convert(&lines);
    let RecordEvent::Market(MarketEvent::Snapshot(s)) = &records[0].event else {
        panic!()
    };
    // The bid at 100.02 and the ask at 100.03 crossed the exact top and were removed.
    assert_eq!(s.bids, [lv(10_001, 200_000), lv(10_000, 100_000)]);
    assert_eq!(s.asks, [lv(10_004, 300_000), lv(10_005, 100_000)]);
    assert_eq!(stats.crossed_fixes, 2);
    replay(&records);
}

#[test]
fn newer_ticker_wins_over_older_diff_and_newer_diff_wins_over_older_levels() {
    let lines = [
        depth(1, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
        ticker(2, 120, "100.01", "2", "100.04", "3"),
        // Older than the ticker (u 110 <= 120): its bid above the top and its size at the
        // top's ask are ignored; the level further out applies.
        depth(
            3,
            106,
            110,
            r#"[["100.03","5"],["99.00","1"]]"#,
            r#"[["100.04","9"]]"#,
        ),
        // Newer than the ticker: its bid at 100.04 wins and removes the older ask there.
        depth(4, 111, 130, r#"[["100.04","1"]]"#, "[]"),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(kinds(&records), ["snapshot", "top", "delta", "delta"]);
    assert_eq!(stats.ticker_overrides, 2);
    assert_eq!(stats.crossed_fixes, 1);
    let RecordEvent::Market(MarketEvent::Delta(d)) = &records[2].event else {
        panic!()
    };
    assert_eq!(
        (d.bids.as_slice(), d.asks.as_slice()),
        (&[lv(9_900, 100_000)][..], &[][..])
    );
    let RecordEvent::Market(MarketEvent::Delta(d)) = &records[3].event else {
        panic!()
    };
    assert_eq!(d.bids, [lv(10_004, 100_000)]);
    assert_eq!(d.asks, [lv(10_004, 0)]);
    assert_eq!((d.seq, d.prev_seq), (3, Some(2)));
    let book = replay(&records);
    assert_eq!(book.best_bid(), Some(lv(10_004, 100_000)));
    assert_eq!(book.best_ask(), Some(lv(10_005, 100_000)));
}

#[test]
fn rest_snapshot_merges_by_update_id() {
    let snapshot = r#"7 {"lastUpdateId":103,"bids":[["100.00","4"],["99.00","4"],["98.00","4"]],"asks":[["100.05","4"],["100.06","4"]]}"#;
    let lines = [
        depth(1, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
        ticker(2, 106, "100.00", "1", "100.05", "1"),
        // Taken at id 103, before the diff of 100..=105: the levels that diff set keep the
        // diff's sizes, the others come from the snapshot.
        snapshot.to_owned(),
        depth(8, 106, 107, r#"[["98.00","0"]]"#, "[]"),
    ];
    let (records, stats) = convert(&lines);
    assert_eq!(kinds(&records), ["snapshot", "top", "delta", "delta"]);
    assert_eq!(stats.depth_snapshots, 1);
    assert_eq!(stats.gaps, 0);
    let book = replay(&records);
    assert_eq!(
        book.levels(Side::Buy).collect::<Vec<_>>(),
        [lv(10_000, 100_000), lv(9_900, 400_000)]
    );
    assert_eq!(
        book.levels(Side::Sell).collect::<Vec<_>>(),
        [lv(10_005, 100_000), lv(10_006, 400_000)]
    );
}

#[test]
fn trades_map_aggressor_from_m() {
    let lines = [
        trade(1, 3_735_683_259, "61837.63000000", "0.02000000", true),
        trade(2, 3_735_683_260, "61837.64000000", "0.00100000", false),
        r#"3 {"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":5,"s":"BTCUSDT","a":77,"p":"1.00","q":"1","f":1,"l":2,"T":4,"m":true}}"#.to_owned(),
    ];
    let (records, stats) = convert(&lines);
    let trades: Vec<_> = records
        .iter()
        .map(|r| match &r.event {
            RecordEvent::Market(MarketEvent::Trade(t)) => t.clone(),
            e => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(trades[0].aggressor, Side::Sell);
    assert_eq!(trades[1].aggressor, Side::Buy);
    assert_eq!(trades[2].aggressor, Side::Sell);
    assert_eq!(trades[0].trade_id.as_str(), "3735683259");
    assert_eq!(trades[2].trade_id.as_str(), "77");
    assert_eq!(
        (trades[0].price.ticks(), trades[0].qty.lots()),
        (6_183_763, 2_000)
    );
    assert_eq!(trades[0].ts.as_i64(), 1_723_161_255_342_000_000);
    assert_eq!(stats.trades, 3);
}

#[test]
fn malformed_lines_are_counted_by_kind() {
    let cases: Vec<(Vec<u8>, MalformedKind)> = vec![
        (b"\xff\xfe 1".to_vec(), MalformedKind::Encoding),
        (b"".to_vec(), MalformedKind::Timestamp),
        (b"abc {}".to_vec(), MalformedKind::Timestamp),
        (b"{\"stream\":1}".to_vec(), MalformedKind::Timestamp),
        (
            b"1 {\"stream\":\"btcusdt@trade\",\"data\":{".to_vec(),
            MalformedKind::Json,
        ),
        (b"1 not json".to_vec(), MalformedKind::Json),
        (
            b"1 {\"stream\":\"btcusdt@trade\"}".to_vec(),
            MalformedKind::Schema,
        ),
        (b"1 {\"foo\":1}".to_vec(), MalformedKind::Schema),
        (
            b"1 {\"stream\":\"btcusdt@kline_1m\",\"data\":{}}".to_vec(),
            MalformedKind::UnknownStream,
        ),
        (
            trade(1, 1, "NaN", "1", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "1e3", "1", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "12abc", "1", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "100.00", "-1", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "0", "1", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "100.00", "0", true).into_bytes(),
            MalformedKind::Number,
        ),
        (
            trade(1, 1, "100.001", "1", true).into_bytes(),
            MalformedKind::OffGrid,
        ),
        (
            trade(1, 1, "1", "1", true)
                .replace("\"p\":\"1\"", "\"p\":1")
                .into_bytes(),
            MalformedKind::Schema,
        ),
        (
            trade(1, 1, "1", "1", true)
                .replace("BTCUSDT", "ETHUSDT")
                .into_bytes(),
            MalformedKind::OtherSymbol,
        ),
        (
            ticker(1, 1, "100.05", "1", "100.00", "1").into_bytes(),
            MalformedKind::Crossed,
        ),
        (
            depth(1, 1, 2, r#"[["100.05","1"]]"#, r#"[["100.00","1"]]"#).into_bytes(),
            MalformedKind::Crossed,
        ),
        (
            depth(1, 1, 2, r#"[["100.05","1","x"]]"#, "[]").into_bytes(),
            MalformedKind::Json,
        ),
        (
            depth(1, 9, 2, "[]", "[]").into_bytes(),
            MalformedKind::Schema,
        ),
    ];
    for (line, kind) in &cases {
        let mut c = BinanceConverter::new(spec(), "BTCUSDT");
        let mut out = Vec::new();
        c.push_line(line, &mut out);
        assert!(out.is_empty(), "{:?}", String::from_utf8_lossy(line));
        assert_eq!(
            c.stats().malformed.get(*kind),
            1,
            "{:?}: {:?}",
            String::from_utf8_lossy(line),
            c.stats().malformed
        );
        assert_eq!(c.stats().malformed.total(), 1);
    }
    // A malformed diff is skipped, so the next one shows a gap.
    let lines = [
        depth(1, 100, 105, r#"[["100.00","1"]]"#, "[]"),
        depth(2, 106, 107, r#"[["100.00","NaN"]]"#, "[]"),
        depth(3, 108, 109, r#"[["100.00","2"]]"#, "[]"),
    ];
    let (_, stats) = convert(&lines);
    assert_eq!((stats.malformed.total(), stats.gaps), (1, 1));
}

#[test]
fn symbols_and_grid_scan() {
    assert_eq!(market_from_symbol("BTCUSDT").unwrap().as_str(), "BTC/USDT");
    assert_eq!(market_from_symbol("ethbtc").unwrap().as_str(), "ETH/BTC");
    assert_eq!(
        market_from_symbol("BTCFDUSD").unwrap().as_str(),
        "BTC/FDUSD"
    );
    assert!(market_from_symbol("USDT").is_none());
    assert!(market_from_symbol("XYZ").is_none());

    let mut scan = GridScan::new();
    for l in [
        depth(1, 1, 2, r#"[["61837.63000000","0.00100000"]]"#, "[]"),
        trade(2, 1, "61837.60000000", "0.00001000", true),
        trade(3, 1, "NaN", "0.0000000001", true),
        trade(4, 1, "1.001", "1", true).replace("BTCUSDT", "ETHUSDT"),
        "garbage".to_owned(),
    ] {
        scan.push_line(l.as_bytes());
    }
    assert_eq!(scan.symbol(), Some("BTCUSDT"));
    assert_eq!(scan.messages(), 3);
    assert_eq!(scan.tick_size(), Some(Decimal::new(1, 2)));
    assert_eq!(scan.lot_size(), Some(Decimal::new(1, 10)));
}

#[test]
fn import_files_in_order() {
    let dir = std::env::temp_dir().join(format!("flashmm-binance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    std::fs::write(
        &a,
        [
            depth(1, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
            ticker(2, 106, "100.00", "1", "100.05", "1"),
        ]
        .join("\n"),
    )
    .unwrap();
    std::fs::write(
        &b,
        [
            depth(3, 106, 110, r#"[["99.90","0.5"]]"#, "[]"),
            trade(4, 1, "100.05", "0.25", false),
            "4 {oops".to_owned(),
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let mut out = Vec::new();
    let import = import_binance(&[&a, &b], &mut out, &BinanceImportConfig::default()).unwrap();
    assert_eq!(import.symbol, "BTCUSDT");
    assert_eq!(import.spec.tick_size(), Decimal::new(1, 2));
    assert_eq!(import.spec.lot_size(), Decimal::new(1, 2));
    assert_eq!((import.stats.files, import.stats.lines), (2, 5));
    assert_eq!(import.stats.malformed.get(MalformedKind::Json), 1);
    let records: Vec<Record> = RecordingReader::new(out.as_slice())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kinds(&records), ["snapshot", "top", "delta", "trade"]);
    assert_eq!(records.len() as u64, import.stats.records());

    // Explicit tick and lot: the increments in the data must be multiples of them.
    let config = BinanceImportConfig {
        tick_size: Some(Decimal::new(5, 2)),
        lot_size: Some(Decimal::ONE),
        ..BinanceImportConfig::default()
    };
    let import = import_binance(&[&a, &b], &mut Vec::new(), &config).unwrap();
    assert_eq!(import.stats.malformed.get(MalformedKind::OffGrid), 2);

    assert!(matches!(
        import_binance::<&std::path::Path, _>(&[], &mut Vec::new(), &config),
        Err(ImportError::NoInput)
    ));
    assert!(matches!(
        import_binance(&[dir.join("missing.gz")], &mut Vec::new(), &config),
        Err(ImportError::Read { .. })
    ));
    std::fs::write(
        &a,
        trade(1, 1, "1.00", "1", true).replace("BTCUSDT", "FOOBAR"),
    )
    .unwrap();
    assert!(matches!(
        import_binance(&[&a], &mut Vec::new(), &config),
        Err(ImportError::UnknownSymbol(s)) if s == "FOOBAR"
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ticker_only_capture_books_exactly_the_ticker() {
    let lines = [
        trade(1, 7, "100.01", "0.5", false),
        ticker(2, 10, "100.00", "1", "100.01", "2"),
        ticker(3, 11, "100.02", "3", "100.03", "4"),
        trade(4, 8, "100.02", "0.5", true),
        ticker(5, 12, "99.98", "5", "100.05", "6"),
        ticker(6, 13, "99.98", "7", "100.05", "6"),
    ];
    let mut c = BinanceConverter::new(spec(), "BTCUSDT").with_top_only(true);
    let mut records = Vec::new();
    for l in &lines {
        c.push_line(l.as_bytes(), &mut records);
    }
    assert_eq!(
        kinds(&records),
        ["trade", "snapshot", "top", "delta", "top", "trade", "delta", "top", "delta", "top"]
    );
    let mut book = OrderBook::new(spec().id().clone());
    for r in &records {
        match &r.event {
            RecordEvent::Market(MarketEvent::Snapshot(s)) => book.apply_snapshot(s).unwrap(),
            RecordEvent::Market(MarketEvent::Delta(d)) => book.apply_delta(d).unwrap(),
            RecordEvent::Top(t) => {
                let bids: Vec<BookLevel> = book.levels(Side::Buy).collect();
                let asks: Vec<BookLevel> = book.levels(Side::Sell).collect();
                assert_eq!(
                    (bids, asks),
                    (vec![t.bid], vec![t.ask]),
                    "top {}",
                    t.venue_seq
                );
            }
            RecordEvent::Market(MarketEvent::Trade(_)) => {}
        }
    }
    assert_eq!(c.stats().snapshots, 1);
}

#[test]
fn ticker_only_files_are_detected() {
    let dir = std::env::temp_dir().join(format!("flashmm-binance-top-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.txt");
    std::fs::write(
        &a,
        [
            ticker(1_723_161_254_087_891_268, 10, "100.00", "1", "100.01", "2"),
            ticker(1_723_161_254_087_891_269, 11, "100.02", "3", "100.03", "4"),
        ]
        .join("\n"),
    )
    .unwrap();
    let mut out = Vec::new();
    let import = import_binance(&[&a], &mut out, &BinanceImportConfig::default()).unwrap();
    assert!(import.top_only);
    let records: Vec<Record> = RecordingReader::new(out.as_slice())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kinds(&records), ["snapshot", "top", "delta", "top"]);
    replay(&records);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn microsecond_receive_times_are_detected_and_a_mix_refused() {
    let dir = std::env::temp_dir().join(format!("flashmm-binance-us-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (us, ns) = (dir.join("us.txt"), dir.join("ns.txt"));
    let lines = |t0: i64, step: i64| {
        [
            depth(t0, 100, 105, r#"[["100.00","1"]]"#, r#"[["100.05","1"]]"#),
            ticker(t0 + step, 106, "100.00", "1", "100.05", "1"),
            trade(t0 + 2 * step, 1, "100.05", "0.25", false),
        ]
        .join("\n")
    };
    std::fs::write(&us, lines(1_723_161_254_087_891, 100_000)).unwrap();
    std::fs::write(&ns, lines(1_723_161_254_087_891_000, 100_000_000)).unwrap();
    let read = |path: &std::path::Path| {
        let mut out = Vec::new();
        let import = import_binance(&[path], &mut out, &BinanceImportConfig::default()).unwrap();
        let records: Vec<Record> = RecordingReader::new(out.as_slice())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (import, records)
    };
    let (import_us, records_us) = read(&us);
    let (import_ns, records_ns) = read(&ns);
    assert_eq!(import_us.time_unit, TimeUnit::Micros);
    assert_eq!(import_ns.time_unit, TimeUnit::Nanos);
    assert_eq!(records_us, records_ns);
    assert_eq!(
        import_us
            .stats
            .last_recv_ts
            .unwrap()
            .since(import_us.stats.first_recv_ts.unwrap()),
        200_000_000
    );

    std::fs::write(
        &ns,
        lines(1_723_161_254_087_891_000, 1) + "\n" + &lines(1_723_161_254_087_891, 1),
    )
    .unwrap();
    let err = import_binance(&[&ns], &mut Vec::new(), &BinanceImportConfig::default()).unwrap_err();
    assert!(matches!(err, ImportError::MixedTimeUnits(c) if c.nanos == 3 && c.micros == 3));
    assert!(err.to_string().contains("3 in ns, 3 in µs"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
