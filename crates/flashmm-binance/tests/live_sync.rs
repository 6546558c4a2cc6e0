//! The live client against a mock of Binance serving a real capture of `../shared/data`,
//! with injected faults: every snapshot and delta it yields is accepted by FlashMM's
//! `OrderBook` (never crossed), and the book it keeps in sync is, at every snapshot and after
//! every delta, the book rebuilt offline from the same capture less the stale levels the
//! `bookTicker` policy removed (exactly that book while nothing was removed).

mod support;

use flashmm_binance::{subscribe, BinanceMarket, FeedConfig, FeedEvent, FeedStats, FeedSymbol};
use flashmm_core::book::OrderBook;
use flashmm_core::market::MarketSpec;
use flashmm_core::market_event::MarketEvent;
use rust_decimal::Decimal;
use std::time::Duration;
use support::{capture, digest, read_lines, spec, start, Capture, Faults, MapBook};

/// Runs the client against the mock until it has applied the capture's last diff; checks
/// every book it yields against the offline one; returns the feed's counters.
async fn run(
    market: BinanceMarket,
    symbol: &str,
    spec: MarketSpec,
    lines: usize,
    file: &std::path::Path,
    faults: impl FnOnce(&Capture) -> Faults,
) -> (std::sync::Arc<FeedStats>, u64, u64) {
    let capture = Capture::new(&spec, &read_lines(file, lines));
    assert!(capture.diffs.len() > 100, "{} diffs", capture.diffs.len());
    let last = *capture.diffs.last().unwrap();
    let digests = capture.digests.clone();
    let faults = faults(&capture);
    let mock = start(capture, faults, String::new()).await;
    let mut config = FeedConfig::new(
        market,
        vec![FeedSymbol {
            symbol: symbol.to_owned(),
            spec: spec.clone(),
        }],
    )
    .with_urls(&mock.ws_url, &mock.rest_url);
    config.backoff_min = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    config.ping_interval = Duration::from_millis(500);
    config.idle_timeout = Duration::from_secs(3);
    let mut feed = subscribe(config).unwrap();
    let stats = feed.stats();
    let mut book = MapBook::default();
    let mut core = OrderBook::new(spec.id().clone());
    let mut seq_at: Option<u64> = None;
    let (mut checked, mut snapshots) = (0u64, 0u64);
    let mut removed_max = 0usize;
    let run = async {
        while let Some(f) = feed.next().await {
            let seq = match &f.event {
                FeedEvent::Market(MarketEvent::Snapshot(s)) => {
                    core.apply_snapshot(s)
                        .unwrap_or_else(|e| panic!("snapshot {} refused: {e}", s.seq));
                    book.reset(&s.bids, &s.asks);
                    seq_at = Some(s.seq);
                    snapshots += 1;
                    s.seq
                }
                FeedEvent::Market(MarketEvent::Delta(d)) => {
                    // Every delta follows the one before, from the last snapshot.
                    assert_eq!(d.prev_seq, seq_at, "delta {}", d.seq);
                    assert!(seq_at.is_some_and(|s| d.seq > s));
                    core.apply_delta(d)
                        .unwrap_or_else(|e| panic!("delta {} refused: {e}", d.seq));
                    book.apply(&d.bids, &d.asks);
                    seq_at = Some(d.seq);
                    d.seq
                }
                _ => continue,
            };
            let want = digests
                .get(&seq)
                .unwrap_or_else(|| panic!("no offline book at {seq}"));
            let fixed =
                FeedStats::get(&stats.crossed_fixes) + FeedStats::get(&stats.ticker_overrides);
            if fixed == 0 {
                assert_eq!(
                    digest(&book),
                    *want,
                    "book at {seq} differs from the offline one"
                );
            } else if checked % 5 == 0
                || matches!(f.event, FeedEvent::Market(MarketEvent::Snapshot(_)))
            {
                let offline = mock.book_at(seq).unwrap();
                assert!(
                    book.is_within(&offline),
                    "book at {seq} has levels the venue's has not"
                );
                removed_max = removed_max.max(book.missing_from(&offline));
            }
            checked += 1;
            if seq == last {
                return;
            }
        }
        panic!("feed ended");
    };
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the client did not reach the capture's last diff in time");
    eprintln!("at most {removed_max} stale levels removed from the venue's book at once");
    (stats, checked, snapshots)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spot_book_survives_gaps_duplicates_stale_snapshot_429_and_a_dropped_connection() {
    let Some(file) = capture("binance/spot/btcusdt_20240808.gz") else {
        return;
    };
    let (stats, checked, snapshots) = run(
        BinanceMarket::Spot,
        "BTCUSDT",
        spec("BTC/USDT", Decimal::new(1, 2)),
        16_000,
        &file,
        |c| Faults {
            skip: vec![c.diff_frame(500)],
            duplicate: vec![c.diff_frame(420), c.diff_frame(700)],
            drop_at: Some((c.diff_frame(800), 40)),
            rate_limit_first: true,
            stale_snapshot: true,
        },
    )
    .await;
    let n = |c: &std::sync::atomic::AtomicU64| FeedStats::get(c);
    eprintln!(
        "checked {checked} books, {snapshots} snapshots; connects {} syncs {} gaps {} stale diffs {} stale snapshots {} rate limited {} crossed fixes {} ticker overrides {}",
        n(&stats.connects), n(&stats.syncs), n(&stats.gaps), n(&stats.stale_diffs),
        n(&stats.stale_snapshots), n(&stats.rate_limited), n(&stats.crossed_fixes), n(&stats.ticker_overrides)
    );
    assert_eq!(n(&stats.connects), 2);
    assert!(n(&stats.gaps) >= 1);
    assert!(n(&stats.stale_diffs) >= 2);
    assert!(n(&stats.stale_snapshots) >= 1);
    assert_eq!(n(&stats.rate_limited), 1);
    // The first sync, the one after the gap, the one after the reconnection.
    assert!(snapshots >= 3 && n(&stats.syncs) >= 3, "{snapshots}");
    assert!(checked > 300, "{checked}");
    assert_eq!(n(&stats.malformed), 0);
    // Binance's spot diffs cross the book within this part of the capture: the policy
    // removed stale levels, and no snapshot or delta was refused by the `OrderBook`.
    assert!(n(&stats.crossed_fixes) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usdm_book_chains_by_pu_through_a_gap_and_a_dropped_connection() {
    let Some(file) = capture("binance/usdm/btcusdt_20240718.gz") else {
        return;
    };
    let (stats, checked, snapshots) = run(
        BinanceMarket::UsdM,
        "BTCUSDT",
        spec("BTC/USDT", Decimal::new(1, 2)),
        8_000,
        &file,
        |c| Faults {
            skip: vec![c.diff_frame(100)],
            duplicate: vec![c.diff_frame(50)],
            drop_at: Some((c.diff_frame(250), 25)),
            rate_limit_first: false,
            stale_snapshot: true,
        },
    )
    .await;
    let n = |c: &std::sync::atomic::AtomicU64| FeedStats::get(c);
    assert_eq!(n(&stats.connects), 2);
    assert!(n(&stats.gaps) >= 1 && n(&stats.stale_diffs) >= 1);
    assert!(n(&stats.stale_snapshots) >= 1);
    assert!(snapshots >= 3, "{snapshots}");
    assert!(checked > 200, "{checked}");
    assert_eq!(n(&stats.malformed), 0);
}
