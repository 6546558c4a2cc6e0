//! The synchroniser's rules, one by one, for spot and USD-M.

use super::*;

fn spot(first: u64, last: u64) -> DiffIds {
    DiffIds {
        first,
        last,
        prev: None,
    }
}

fn usdm(first: u64, last: u64, prev: u64) -> DiffIds {
    DiffIds {
        first,
        last,
        prev: Some(prev),
    }
}

fn buffered(s: &mut DepthSync<u64>, ids: DiffIds) -> bool {
    match s.on_diff(ids, ids.last) {
        DiffStep::Buffered { fetch_snapshot } => fetch_snapshot,
        other => panic!("{other:?}"),
    }
}

#[test]
fn buffers_until_the_snapshot_and_asks_for_it_once() {
    let mut s = DepthSync::new(Continuity::Spot, 100);
    assert!(!s.is_synced());
    assert!(buffered(&mut s, spot(100, 105)));
    assert!(!buffered(&mut s, spot(106, 110)));
    assert!(!buffered(&mut s, spot(111, 120)));
    assert_eq!(s.buffered(), 3);
    // The snapshot covers the first diff and half of the second: the second straddles.
    assert_eq!(s.on_snapshot(107), SnapshotStep::Synced(vec![110, 120]));
    assert!(s.is_synced());
    assert_eq!(s.last_update_id(), Some(120));
    assert_eq!(s.on_diff(spot(121, 125), 125), DiffStep::Apply(125));
    assert_eq!(s.counts().syncs, 1);
    assert_eq!(s.on_snapshot(130), SnapshotStep::Unexpected);
}

#[test]
fn spot_straddle_is_first_at_most_snapshot_plus_one() {
    // U = L + 1: follows the snapshot exactly.
    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(101, 105));
    assert_eq!(s.on_snapshot(100), SnapshotStep::Synced(vec![105]));
    // U = L + 2: one update is missing between the snapshot and the diff.
    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(102, 105));
    assert_eq!(
        s.on_snapshot(100),
        SnapshotStep::TooOld {
            snapshot: 100,
            first: spot(102, 105)
        }
    );
    assert!(!s.is_synced());
    assert_eq!(s.counts().stale_snapshots, 1);
    // A newer snapshot then syncs from the same buffer.
    assert_eq!(s.on_snapshot(103), SnapshotStep::Synced(vec![105]));
}

#[test]
fn snapshot_newer_than_every_buffered_diff_waits_for_the_straddling_one() {
    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(100, 105));
    buffered(&mut s, spot(106, 110));
    assert_eq!(s.on_snapshot(115), SnapshotStep::Synced(vec![]));
    assert_eq!(s.last_update_id(), Some(115));
    // A late diff the snapshot covers is stale; the next must straddle 115.
    assert_eq!(s.on_diff(spot(111, 115), 115), DiffStep::Stale);
    assert_eq!(s.on_diff(spot(114, 118), 118), DiffStep::Apply(118));
    assert_eq!(s.on_diff(spot(119, 119), 119), DiffStep::Apply(119));

    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(100, 105));
    assert_eq!(s.on_snapshot(115), SnapshotStep::Synced(vec![]));
    assert_eq!(
        s.on_diff(spot(117, 120), 120),
        DiffStep::Gap {
            expected_after: 115,
            got: spot(117, 120)
        }
    );
}

#[test]
fn spot_continuity_gap_duplicate_and_late_diffs() {
    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(10, 20));
    assert_eq!(s.on_snapshot(15), SnapshotStep::Synced(vec![20]));
    // A duplicate and an older diff are skipped.
    assert_eq!(s.on_diff(spot(10, 20), 20), DiffStep::Stale);
    assert_eq!(s.on_diff(spot(5, 9), 9), DiffStep::Stale);
    assert_eq!(s.on_diff(spot(21, 30), 30), DiffStep::Apply(30));
    // An overlapping diff is not `U = u + 1`: a gap, as is one that skips ids.
    assert_eq!(
        s.on_diff(spot(29, 35), 35),
        DiffStep::Gap {
            expected_after: 30,
            got: spot(29, 35)
        }
    );
    assert!(!s.is_synced());
    assert_eq!(s.buffered(), 1);
    // After a gap the diff is buffered; the next ones too, with no second fetch request.
    assert!(!buffered(&mut s, spot(36, 40)));
    assert_eq!(s.on_snapshot(37), SnapshotStep::Synced(vec![40]));
    assert_eq!(
        s.on_diff(spot(42, 45), 45),
        DiffStep::Gap {
            expected_after: 40,
            got: spot(42, 45)
        }
    );
    assert_eq!(
        (s.counts().gaps, s.counts().syncs, s.counts().stale_diffs),
        (2, 2, 2)
    );
}

#[test]
fn usdm_chains_by_pu() {
    let mut s = DepthSync::new(Continuity::UsdM, 100);
    // Ids are not contiguous between futures diffs: only `pu` chains them.
    assert!(buffered(&mut s, usdm(1000, 1010, 990)));
    buffered(&mut s, usdm(1020, 1030, 1010));
    buffered(&mut s, usdm(1041, 1050, 1030));
    // The snapshot at 1025 lies inside the second diff: it straddles (pu 1010 ≤ 1025).
    assert_eq!(s.on_snapshot(1025), SnapshotStep::Synced(vec![1030, 1050]));
    assert_eq!(
        s.on_diff(usdm(1060, 1070, 1050), 1070),
        DiffStep::Apply(1070)
    );
    // `U` = previous `u` + 1 does not matter on USD-M; `pu` does.
    assert_eq!(
        s.on_diff(usdm(1071, 1080, 1065), 1080),
        DiffStep::Gap {
            expected_after: 1070,
            got: usdm(1071, 1080, 1065)
        }
    );
    assert_eq!(
        s.on_diff(usdm(1071, 1080, 1065), 1080),
        DiffStep::Buffered {
            fetch_snapshot: false
        }
    );
}

#[test]
fn usdm_snapshot_between_diffs_and_too_old() {
    // A snapshot id in the hole between two diffs' ids: the next diff's pu is before it.
    let mut s = DepthSync::new(Continuity::UsdM, 100);
    buffered(&mut s, usdm(1000, 1010, 990));
    buffered(&mut s, usdm(1020, 1030, 1010));
    assert_eq!(s.on_snapshot(1015), SnapshotStep::Synced(vec![1030]));
    // A snapshot older than the first diff's pu misses updates.
    let mut s = DepthSync::new(Continuity::UsdM, 100);
    buffered(&mut s, usdm(1000, 1010, 990));
    assert_eq!(
        s.on_snapshot(980),
        SnapshotStep::TooOld {
            snapshot: 980,
            first: usdm(1000, 1010, 990)
        }
    );
    assert_eq!(s.on_snapshot(990), SnapshotStep::Synced(vec![1010]));
}

#[test]
fn a_break_inside_the_buffer_asks_for_another_snapshot() {
    let mut s = DepthSync::new(Continuity::Spot, 100);
    buffered(&mut s, spot(10, 20));
    buffered(&mut s, spot(21, 30));
    buffered(&mut s, spot(35, 40));
    buffered(&mut s, spot(41, 50));
    assert_eq!(
        s.on_snapshot(15),
        SnapshotStep::GapInBuffer {
            expected_after: 30,
            got: spot(35, 40)
        }
    );
    assert!(!s.is_synced());
    assert_eq!(s.buffered(), 2);
    assert_eq!(s.on_snapshot(36), SnapshotStep::Synced(vec![40, 50]));
}

#[test]
fn overflow_drops_the_oldest_and_reset_starts_again() {
    let mut s = DepthSync::new(Continuity::Spot, 2);
    buffered(&mut s, spot(1, 10));
    buffered(&mut s, spot(11, 20));
    buffered(&mut s, spot(21, 30));
    assert_eq!((s.buffered(), s.counts().overflows), (2, 1));
    // The snapshot from before the dropped diff is too old now.
    assert!(matches!(s.on_snapshot(5), SnapshotStep::TooOld { .. }));
    assert_eq!(s.on_snapshot(12), SnapshotStep::Synced(vec![20, 30]));
    s.reset();
    assert!(!s.is_synced());
    assert_eq!(s.buffered(), 0);
    assert!(buffered(&mut s, spot(31, 40)));
    // Before any diff, a snapshot syncs with nothing to apply.
    let mut s: DepthSync<u64> = DepthSync::new(Continuity::Spot, 2);
    assert_eq!(s.on_snapshot(7), SnapshotStep::Synced(vec![]));
    assert_eq!(s.on_diff(spot(8, 9), 9), DiffStep::Apply(9));
}
