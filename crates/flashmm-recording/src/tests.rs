//! Round trips and every error of the recording format.

use super::*;
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;

fn market() -> MarketId {
    MarketId::new("BTC/USDT").unwrap()
}

fn header() -> RecordingHeader {
    let spec = MarketSpec::new(
        market(),
        Decimal::new(1, 2),
        Decimal::new(1, 5),
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    )
    .unwrap();
    RecordingHeader {
        markets: vec![spec],
        source: "test".to_owned(),
    }
}

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

fn records() -> Vec<Record> {
    let events = vec![
        RecordEvent::from(BookSnapshot {
            market: market(),
            seq: 1,
            bids: vec![lv(100, 5), lv(99, 1)],
            asks: vec![lv(101, 2)],
            ts: UnixNanos(10),
        }),
        RecordEvent::from(BookDelta {
            market: market(),
            seq: 2,
            prev_seq: Some(1),
            bids: vec![lv(100, 0)],
            asks: vec![],
            ts: UnixNanos(11),
        }),
        RecordEvent::from(Trade {
            market: market(),
            trade_id: TradeId::new("42").unwrap(),
            price: Price::from_ticks(101),
            qty: Qty::from_lots(3),
            aggressor: Side::Buy,
            ts: UnixNanos(12),
        }),
        RecordEvent::Top(TopOfBook {
            market: market(),
            venue_seq: 7,
            bid: lv(99, 1),
            ask: lv(101, 2),
            ts: UnixNanos(13),
        }),
    ];
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| Record {
            recv_ts: UnixNanos(1_000 + i as i64),
            event,
        })
        .collect()
}

fn encode(compression: Compression) -> Vec<u8> {
    let mut w = RecordingWriter::new(Vec::new(), &header(), compression).unwrap();
    for r in records() {
        w.write(&r).unwrap();
    }
    assert_eq!(w.records(), 4);
    w.finish().unwrap()
}

/// The plain encoding of `records()`, with the offset where each record frame starts.
fn plain_with_offsets() -> (Vec<u8>, Vec<usize>) {
    let bytes = encode(Compression::None);
    let mut offsets = Vec::new();
    let mut at = MAGIC.len() + 2;
    while at < bytes.len() {
        offsets.push(at);
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + len;
    }
    // The first frame is the header.
    offsets.remove(0);
    (bytes, offsets)
}

#[test]
fn round_trip_plain_and_gzip() {
    for compression in [Compression::None, Compression::Gzip] {
        let bytes = encode(compression);
        assert_eq!(
            bytes.starts_with(&[0x1f, 0x8b]),
            compression == Compression::Gzip
        );
        let reader = RecordingReader::new(bytes.as_slice()).unwrap();
        assert_eq!(reader.header(), &header());
        assert!(reader.header().market("BTC/USDT").is_some());
        let got: Vec<Record> = reader.map(Result::unwrap).collect();
        assert_eq!(got, records());
    }
}

#[test]
fn round_trip_through_a_file() {
    let dir = std::env::temp_dir().join(format!("flashmm-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.rec.gz");
    let mut w = RecordingWriter::create(&path, &header(), Compression::Gzip).unwrap();
    for r in records() {
        w.write(&r).unwrap();
    }
    w.finish().unwrap();
    let got: Vec<Record> = RecordingReader::open(&path)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, records());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_recording_has_no_records() {
    let w = RecordingWriter::new(Vec::new(), &header(), Compression::Gzip).unwrap();
    let bytes = w.finish().unwrap();
    let mut r = RecordingReader::new(bytes.as_slice()).unwrap();
    assert!(r.next().is_none());
    assert!(r.next().is_none());
}

#[test]
fn bad_magic() {
    for bytes in [&b"NOTAREC\0\x01\0"[..], b"{\"stream\":1}", b"X"] {
        assert!(matches!(
            RecordingReader::new(bytes),
            Err(RecordingError::BadMagic)
        ));
    }
    // A gzip stream of something else is not a recording either.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, b"hello world, not a recording").unwrap();
    let bytes = gz.finish().unwrap();
    assert!(matches!(
        RecordingReader::new(bytes.as_slice()),
        Err(RecordingError::BadMagic)
    ));
}

#[test]
fn unknown_version() {
    let mut bytes = encode(Compression::None);
    bytes[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&99u16.to_le_bytes());
    assert!(matches!(
        RecordingReader::new(bytes.as_slice()),
        Err(RecordingError::UnknownVersion {
            found: 99,
            supported: FORMAT_VERSION
        })
    ));
}

#[test]
fn truncated_preamble_header_and_record() {
    let (bytes, offsets) = plain_with_offsets();
    for cut in [0, 4, MAGIC.len() + 1] {
        assert!(
            matches!(
                RecordingReader::new(&bytes[..cut]),
                Err(RecordingError::Truncated { ref what }) if what == "preamble"
            ),
            "cut {cut}"
        );
    }
    for cut in [MAGIC.len() + 2, MAGIC.len() + 4, offsets[0] - 1] {
        assert!(
            matches!(
                RecordingReader::new(&bytes[..cut]),
                Err(RecordingError::Truncated { ref what }) if what == "header"
            ),
            "cut {cut}"
        );
    }
    // Cut inside the length and inside the body of the third record.
    for cut in [offsets[2] + 2, offsets[2] + 9] {
        let items: Vec<_> = RecordingReader::new(&bytes[..cut]).unwrap().collect();
        assert_eq!(items.len(), 3, "cut {cut}");
        assert!(items[0].is_ok() && items[1].is_ok());
        assert!(
            matches!(&items[2], Err(RecordingError::Truncated { what }) if what == "record 2"),
            "{:?}",
            items[2]
        );
    }
}

#[test]
fn truncated_gzip_stream() {
    let bytes = encode(Compression::Gzip);
    let cut = &bytes[..bytes.len() - 12];
    let result: Result<Vec<Record>, RecordingError> =
        RecordingReader::new(cut).and_then(|r| r.collect());
    assert!(
        matches!(result, Err(RecordingError::Truncated { .. })),
        "{result:?}"
    );
}

#[test]
fn corrupt_record_is_reported_and_skipped() {
    let (mut bytes, offsets) = plain_with_offsets();
    // Overwrite the body of record 1 (the delta) with bytes that are not its msgpack.
    let body = offsets[1] + 4;
    for b in &mut bytes[body..offsets[2]] {
        *b = 0xc1; // a reserved msgpack marker
    }
    let items: Vec<_> = RecordingReader::new(bytes.as_slice()).unwrap().collect();
    assert_eq!(items.len(), 4);
    assert!(matches!(&items[1], Err(RecordingError::Corrupt { what, .. }) if what == "record 1"));
    let want = records();
    assert_eq!(items[0].as_ref().unwrap(), &want[0]);
    assert_eq!(items[2].as_ref().unwrap(), &want[2]);
    assert_eq!(items[3].as_ref().unwrap(), &want[3]);
}

#[test]
fn impossible_frame_length_ends_reading() {
    let (mut bytes, offsets) = plain_with_offsets();
    bytes[offsets[1]..offsets[1] + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let items: Vec<_> = RecordingReader::new(bytes.as_slice()).unwrap().collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(&items[1], Err(RecordingError::Corrupt { .. })));
}

#[test]
fn corrupt_header() {
    let (mut bytes, offsets) = plain_with_offsets();
    for b in &mut bytes[MAGIC.len() + 6..offsets[0]] {
        *b = 0xc1;
    }
    assert!(matches!(
        RecordingReader::new(bytes.as_slice()),
        Err(RecordingError::Corrupt { ref what, .. }) if what == "header"
    ));
}
