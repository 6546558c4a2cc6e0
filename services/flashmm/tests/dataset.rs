//! `flashmm dataset` on a recording whose future is known: the mid rises one tick every
//! 100 ms, so with a 500 ms horizon every labelled row is `up` by five ticks, and the last
//! 500 ms of rows have no future and are dropped.

use std::io::Read;
use std::process::Command;

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty};
use flashmm_core::time::UnixNanos;
use flashmm_recording::{Compression, Record, RecordEvent, RecordingHeader, RecordingWriter};
use rust_decimal::Decimal;

const STEP_NS: i64 = 100_000_000;
const EVENTS: i64 = 100;

fn lv(ticks: i64, lots: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(ticks), Qty::from_lots(lots))
}

fn write_recording(path: &std::path::Path) {
    let market = MarketId::new("SEI/USDC").unwrap();
    let spec = MarketSpec::new(
        market.clone(),
        Decimal::new(1, 4),
        Decimal::new(1, 1),
        Decimal::ONE,
        Decimal::ZERO,
        Decimal::ZERO,
    )
    .unwrap();
    let header = RecordingHeader {
        markets: vec![spec],
        source: "synthetic rising mid".into(),
    };
    let mut writer = RecordingWriter::create(path, &header, Compression::None).unwrap();
    let t0 = 1_700_000_000_000_000_000i64;
    writer
        .write(&Record {
            recv_ts: UnixNanos(t0),
            event: RecordEvent::from(BookSnapshot {
                market: market.clone(),
                seq: 1,
                bids: vec![lv(4_000, 10)],
                asks: vec![lv(4_002, 10)],
                ts: UnixNanos(t0),
            }),
        })
        .unwrap();
    for i in 1..EVENTS {
        // Both sides move up one tick: the old levels go, the new ones come.
        writer
            .write(&Record {
                recv_ts: UnixNanos(t0 + i * STEP_NS),
                event: RecordEvent::from(BookDelta {
                    market: market.clone(),
                    seq: 1 + i as u64,
                    prev_seq: Some(i as u64),
                    bids: vec![lv(4_000 + i, 10), lv(3_999 + i, 0)],
                    asks: vec![lv(4_002 + i, 10), lv(4_001 + i, 0)],
                    ts: UnixNanos(t0 + i * STEP_NS),
                }),
            })
            .unwrap();
    }
    writer.finish().unwrap();
}

/// Reads one `.npy` member of an `.npz`: its header text and data bytes.
fn npy(archive: &mut zip::ZipArchive<std::fs::File>, name: &str) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    archive
        .by_name(&format!("{name}.npy"))
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = String::from_utf8(bytes[10..10 + len].to_vec()).unwrap();
    (header, bytes[10 + len..].to_vec())
}

#[test]
fn rising_mid_is_labelled_up_one_horizon_ahead() {
    let dir = std::env::temp_dir().join(format!("flashmm-dataset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rec = dir.join("rising.rec");
    let out = dir.join("rising.npz");
    write_recording(&rec);

    let run = Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .args(["dataset", "--input"])
        .arg(&rec)
        .args(["--horizon", "500ms", "--dead-band-bps", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let rows = (EVENTS - 5) as usize; // the last 5 rows see less than 500 ms ahead
    let (x_header, x) = npy(&mut archive, "X");
    assert!(
        x_header.contains(&format!(
            "'shape': ({rows}, {})",
            flashmm_features::NUM_FEATURES
        )),
        "{x_header}"
    );
    assert_eq!(x.len(), rows * flashmm_features::NUM_FEATURES * 4);

    let (_, labels) = npy(&mut archive, "label");
    assert_eq!(labels, vec![2u8; rows], "every row rises");

    let (_, moves) = npy(&mut archive, "move_bps");
    for (i, chunk) in moves.chunks(4).enumerate() {
        let mv = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mid = 4_001.0 + i as f32;
        let expected = 5.0 / mid * 10_000.0;
        assert!((mv - expected).abs() < 1e-3, "row {i}: {mv} vs {expected}");
    }

    let (_, ts) = npy(&mut archive, "ts");
    let first = i64::from_le_bytes(ts[..8].try_into().unwrap());
    assert_eq!(first, 1_700_000_000_000_000_000);

    let (meta_header, meta) = npy(&mut archive, "meta");
    assert!(meta_header.contains("'descr': '<U"));
    let text: String = meta
        .chunks(4)
        .filter_map(|c| char::from_u32(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    let meta: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(meta["horizon_ms"], 500);
    assert_eq!(meta["rows"], rows);
    assert_eq!(meta["market"], "SEI/USDC");
    assert_eq!(
        meta["feature_names"].as_array().unwrap().len(),
        flashmm_features::NUM_FEATURES
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_arguments_are_refused_clearly() {
    let run = Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .args([
            "dataset",
            "--input",
            "/nonexistent.rec",
            "--out",
            "/tmp/x.npz",
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot open recording /nonexistent.rec"));

    let run = Command::new(env!("CARGO_BIN_EXE_flashmm"))
        .args([
            "dataset",
            "--input",
            "a.rec",
            "--horizon",
            "soon",
            "--out",
            "x.npz",
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("expected a duration like 500ms"));
}
