//! Engine-level tests: hand-computed values on tiny books, robustness, determinism,
//! finiteness over random event sequences, and the schema hash.

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use flashmm_features::{
    schema_hash, Feature, FeatureConfig, FeatureEngine, FeatureError, NUM_FEATURES,
};
use proptest::prelude::*;

use flashmm_core::time::NANOS_PER_MILLI as MS;

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

fn snapshot(seq: u64, bids: &[(i64, i64)], asks: &[(i64, i64)]) -> BookSnapshot {
    BookSnapshot {
        market: mkt(),
        seq,
        bids: bids.iter().map(|&(p, q)| lv(p, q)).collect(),
        asks: asks.iter().map(|&(p, q)| lv(p, q)).collect(),
        ts: UnixNanos(0),
    }
}

fn delta(seq: u64, bids: &[(i64, i64)], asks: &[(i64, i64)]) -> BookDelta {
    BookDelta {
        market: mkt(),
        seq,
        prev_seq: None,
        bids: bids.iter().map(|&(p, q)| lv(p, q)).collect(),
        asks: asks.iter().map(|&(p, q)| lv(p, q)).collect(),
        ts: UnixNanos(0),
    }
}

fn trade(price: i64, qty: i64, aggressor: Side) -> Trade {
    Trade {
        market: mkt(),
        trade_id: TradeId::new("t1").unwrap(),
        price: Price::from_ticks(price),
        qty: Qty::from_lots(qty),
        aggressor,
        ts: UnixNanos(0),
    }
}

fn engine() -> FeatureEngine {
    FeatureEngine::new(mkt(), FeatureConfig::default()).unwrap()
}

fn close(a: f32, b: f64) -> bool {
    (f64::from(a) - b).abs() <= 1e-5 * b.abs().max(1.0)
}

fn assert_finite(e: &FeatureEngine) {
    for (i, v) in e.values().iter().enumerate() {
        assert!(v.is_finite(), "{} = {v}", Feature::ALL[i].name());
    }
}

#[test]
fn tiny_book_by_hand() {
    let mut book = OrderBook::new(mkt());
    book.apply_snapshot(&snapshot(1, &[(99, 30), (98, 10)], &[(101, 10), (102, 50)]))
        .unwrap();
    let mut e = engine();
    e.on_book(&book, UnixNanos(MS)).unwrap();
    // Mid 100, spread 2 ticks: 200 bps.
    assert!(close(e.value(Feature::SpreadBps), 200.0));
    // Microprice (99·10 + 101·30) / 40 = 100.5: +50 bps over the mid.
    assert!(close(e.value(Feature::MicroMidBps), 50.0));
    assert_eq!(e.value(Feature::BookTwoSided), 1.0);
    // L1 (30 − 10) / 40; L3, L5, L10 all see both levels: (40 − 60) / 100.
    assert!(close(e.value(Feature::Imbalance0), 0.5));
    for f in [
        Feature::Imbalance1,
        Feature::Imbalance2,
        Feature::Imbalance3,
    ] {
        assert!(close(e.value(f), -0.2));
    }
    assert!(close(e.value(Feature::DepthBid), 40f64.ln_1p()));
    assert!(close(e.value(Feature::DepthAsk), 60f64.ln_1p()));
    // Bid: (30·1 + 10·2) / 40 ticks = 1.25 ticks = 125 bps; ask: (10·1 + 50·2) / 60.
    assert!(close(e.value(Feature::SlopeBidBps), 125.0));
    assert!(close(e.value(Feature::SlopeAskBps), 110.0 / 60.0 * 100.0));
    // The first event has no flow and no return.
    assert_eq!(e.value(Feature::OfiE0), 0.0);
    assert_eq!(e.value(Feature::RetE0Bps), 0.0);
    // No trade yet: the age is the cap, 300 s.
    assert_eq!(e.value(Feature::TimeSinceTradeS), 300.0);
    assert_finite(&e);
}

#[test]
fn ofi_sign_on_bid_increase_and_ask_drop() {
    let mut book = OrderBook::new(mkt());
    book.apply_snapshot(&snapshot(1, &[(99, 10)], &[(101, 10)]))
        .unwrap();
    let mut e = engine();
    e.on_book(&book, UnixNanos(0)).unwrap();
    // Bid size 10 -> 20: e = +10; touch depth 30.
    book.apply_delta(&delta(2, &[(99, 20)], &[])).unwrap();
    e.on_book(&book, UnixNanos(MS)).unwrap();
    assert!(e.value(Feature::OfiE0) > 0.0);
    // Over the 2 events: Σe = 10, mean half-depth (20 + 30) / 4 = 12.5.
    assert!(close(e.value(Feature::OfiE0), 10.0 / 12.5));
    assert!(e.value(Feature::OfiT0) > 0.0);

    let mut e = engine();
    book.apply_snapshot(&snapshot(3, &[(99, 10)], &[(101, 10)]))
        .unwrap();
    e.on_book(&book, UnixNanos(0)).unwrap();
    // Ask price drops 101 -> 100 with 5 lots: e = −5, and the mid falls.
    book.apply_delta(&delta(4, &[], &[(100, 5)])).unwrap();
    e.on_book(&book, UnixNanos(MS)).unwrap();
    assert!(e.value(Feature::OfiE0) < 0.0);
    assert!(close(e.value(Feature::OfiE0), -5.0 * 2.0 * 2.0 / 35.0));
    let r = (99.5f64 / 100.0).ln() * 1e4;
    assert!(close(e.value(Feature::RetE0Bps), r));
    assert!(close(e.value(Feature::RetT2Bps), r));
    assert!(close(e.value(Feature::RvE1Bps), r.abs()));
}

#[test]
fn signed_trade_volume_and_vwap() {
    let mut book = OrderBook::new(mkt());
    book.apply_snapshot(&snapshot(1, &[(99, 10)], &[(101, 10)]))
        .unwrap();
    let mut e = engine();
    e.on_book(&book, UnixNanos(0)).unwrap();
    e.on_trade(&trade(101, 7, Side::Buy), UnixNanos(100 * MS))
        .unwrap();
    e.on_trade(&trade(99, 3, Side::Sell), UnixNanos(200 * MS))
        .unwrap();
    // Net +4 lots, one buy and one sell, in every window.
    for (vol, imb) in [
        (Feature::SignedVolT0, Feature::TradeImbT0),
        (Feature::SignedVolT1, Feature::TradeImbT1),
        (Feature::SignedVolT2, Feature::TradeImbT2),
    ] {
        assert!(close(e.value(vol), 4f64.ln_1p()));
        assert_eq!(e.value(imb), 0.0);
    }
    // VWAP (707 + 297) / 10 = 100.4 against a mid of 100: +40 bps.
    assert!(close(e.value(Feature::VwapMidBps), 40.0));
    assert_eq!(e.value(Feature::TimeSinceTradeS), 0.0);
    // 1.5 s later the buy has left the 1 s window (the sell too); 5 s still has both.
    e.on_time(UnixNanos(1_500 * MS));
    assert_eq!(e.value(Feature::SignedVolT0), 0.0);
    assert!(close(e.value(Feature::SignedVolT1), 4f64.ln_1p()));
    assert!(close(e.value(Feature::TimeSinceTradeS), 1.3));
    // A lone sell: −ln(1 + 6) and count imbalance −1 in the 1 s window.
    e.on_trade(&trade(99, 6, Side::Sell), UnixNanos(1_600 * MS))
        .unwrap();
    assert!(close(e.value(Feature::SignedVolT0), -(6f64.ln_1p())));
    assert_eq!(e.value(Feature::TradeImbT0), -1.0);
}

#[test]
fn empty_one_sided_zero_and_gaps_stay_finite() {
    let mut e = engine();
    assert_finite(&e);
    assert_eq!(e.vector(UnixNanos(7)).values.len(), NUM_FEATURES);
    let mut book = OrderBook::new(mkt());
    // Empty book, then one-sided books, then huge and backward time steps.
    book.apply_snapshot(&snapshot(1, &[], &[])).unwrap();
    e.on_book(&book, UnixNanos(0)).unwrap();
    assert_finite(&e);
    assert_eq!(e.value(Feature::BookTwoSided), 0.0);
    book.apply_snapshot(&snapshot(2, &[(1, i64::MAX / 4)], &[]))
        .unwrap();
    e.on_book(&book, UnixNanos(i64::MAX - 5)).unwrap();
    assert_finite(&e);
    assert_eq!(e.value(Feature::Imbalance0), 1.0);
    book.apply_snapshot(&snapshot(3, &[], &[(i64::MAX / 2, 1), (i64::MAX, 1)]))
        .unwrap();
    e.on_book(&book, UnixNanos(i64::MIN)).unwrap();
    assert_eq!(e.ts(), Some(UnixNanos(i64::MAX - 5)));
    assert_finite(&e);
    book.apply_snapshot(&snapshot(4, &[(1, 1)], &[(i64::MAX, i64::MAX)]))
        .unwrap();
    e.on_book(&book, UnixNanos(i64::MAX)).unwrap();
    e.on_trade(&trade(i64::MAX, i64::MAX, Side::Buy), UnixNanos(i64::MAX))
        .unwrap();
    e.on_time(UnixNanos(i64::MAX));
    assert_finite(&e);
}

#[test]
fn refuses_bad_events_and_config() {
    let mut e = engine();
    let before = *e.values();
    let other = MarketId::new("ATOM/USDC").unwrap();
    let mut t = trade(100, 1, Side::Buy);
    t.market = other.clone();
    assert!(matches!(
        e.on_trade(&t, UnixNanos(0)),
        Err(FeatureError::MarketMismatch { .. })
    ));
    assert!(matches!(
        e.on_book(&OrderBook::new(other), UnixNanos(0)),
        Err(FeatureError::MarketMismatch { .. })
    ));
    for (p, q) in [(100, 0), (0, 1), (-5, 3), (100, -1)] {
        assert!(matches!(
            e.on_trade(&trade(p, q, Side::Sell), UnixNanos(0)),
            Err(FeatureError::InvalidTrade { .. })
        ));
    }
    assert_eq!(e.values(), &before);
    assert_eq!(e.ts(), None);
    let bad = FeatureConfig {
        depth_levels: 0,
        ..FeatureConfig::default()
    };
    assert!(matches!(
        FeatureEngine::new(mkt(), bad),
        Err(FeatureError::InvalidConfig {
            field: "depth_levels",
            ..
        })
    ));
}

/// A deterministic pseudo-random event stream (SplitMix64), book and trades mixed.
fn replay(events: usize, seed: u64) -> Vec<[u32; NUM_FEATURES]> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut book = OrderBook::new(mkt());
    let bids: Vec<_> = (0..20).map(|i| (10_000 - i, 10 + i)).collect();
    let asks: Vec<_> = (0..20).map(|i| (10_001 + i, 10 + i)).collect();
    book.apply_snapshot(&snapshot(0, &bids, &asks)).unwrap();
    let mut e = engine();
    let mut out = Vec::with_capacity(events);
    let mut now = 0i64;
    for seq in 1..=events as u64 {
        let r = next();
        now += (r % 50) as i64 * MS;
        if r % 4 == 0 {
            let price = 9_990 + (r >> 8) as i64 % 20;
            let side = if r & 16 == 0 { Side::Buy } else { Side::Sell };
            e.on_trade(
                &trade(price, 1 + (r >> 16) as i64 % 9, side),
                UnixNanos(now),
            )
            .unwrap();
        } else {
            let p = 9_985 + (r >> 8) as i64 % 30;
            let q = (r >> 20) as i64 % 40;
            let d = if p <= 10_000 {
                delta(seq, &[(p, q)], &[])
            } else {
                delta(seq, &[], &[(p, q)])
            };
            // Crossing deltas are refused by the book; the engine still sees the state.
            let _ = book.apply_delta(&d);
            e.on_book(&book, UnixNanos(now)).unwrap();
        }
        assert_finite(&e);
        out.push(e.values().map(f32::to_bits));
    }
    out
}

#[test]
fn same_events_same_vectors_bit_for_bit() {
    let a = replay(5_000, 42);
    let b = replay(5_000, 42);
    assert_eq!(a, b);
    assert_ne!(a, replay(5_000, 43));
}

#[test]
fn vector_carries_schema_and_times() {
    let mut e = engine();
    let mut book = OrderBook::new(mkt());
    book.apply_snapshot(&snapshot(1, &[(99, 1)], &[(101, 1)]))
        .unwrap();
    e.on_book(&book, UnixNanos(123)).unwrap();
    let v = e.vector(UnixNanos(100));
    assert_eq!(v.schema_hash, schema_hash(&FeatureConfig::default()));
    assert_eq!((v.ts, v.origin_ts), (UnixNanos(123), UnixNanos(100)));
    assert_eq!(v.values, e.values().to_vec());
    let mut reused = e.vector(UnixNanos(0));
    reused.values.clear();
    e.write_vector(&mut reused, UnixNanos(100));
    assert_eq!(reused, v);
}

/// The default schema's hash. Changing it breaks every trained model: only do so on
/// purpose, with a new model.
const GOLDEN_HASH: u64 = 0xfa5a_acba_1c80_1b80;

#[test]
fn schema_hash_is_stable() {
    assert_eq!(
        schema_hash(&FeatureConfig::default()),
        GOLDEN_HASH,
        "{:#018x}",
        schema_hash(&FeatureConfig::default())
    );
}

#[test]
fn schema_hash_follows_every_config_field() {
    let d = FeatureConfig::default;
    let variants = [
        FeatureConfig {
            imbalance_levels: [1, 3, 5, 20],
            ..d()
        },
        FeatureConfig {
            depth_levels: 5,
            ..d()
        },
        FeatureConfig {
            event_windows: [10, 200],
            ..d()
        },
        FeatureConfig {
            time_windows_ms: [500, 5_000, 30_000],
            ..d()
        },
        FeatureConfig {
            vwap_window_ms: 1_000,
            ..d()
        },
        FeatureConfig {
            max_trade_age_ms: 60_000,
            ..d()
        },
        FeatureConfig {
            max_window_samples: 1 << 20,
            ..d()
        },
    ];
    let mut hashes: Vec<u64> = variants.iter().map(schema_hash).collect();
    hashes.push(schema_hash(&d()));
    let n = hashes.len();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), n);
    for cfg in variants {
        assert_eq!(
            FeatureEngine::new(mkt(), cfg.clone())
                .unwrap()
                .schema_hash(),
            schema_hash(&cfg)
        );
    }
}

#[derive(Debug, Clone)]
enum Event {
    Snapshot(Vec<(i64, i64)>, Vec<(i64, i64)>),
    Delta(Vec<(i64, i64)>, Vec<(i64, i64)>),
    Trade(i64, i64, bool),
    Time,
}

fn levels() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec(
        (
            prop_oneof![1i64..200, Just(i64::MAX), 1i64..i64::MAX],
            prop_oneof![0i64..50, Just(0), 0i64..i64::MAX],
        ),
        0..8,
    )
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        1 => (levels(), levels()).prop_map(|(b, a)| Event::Snapshot(b, a)),
        4 => (levels(), levels()).prop_map(|(b, a)| Event::Delta(b, a)),
        3 => (
            prop_oneof![1i64..200, 1i64..i64::MAX],
            prop_oneof![1i64..50, 1i64..i64::MAX],
            any::<bool>()
        )
            .prop_map(|(p, q, buy)| Event::Trade(p, q, buy)),
        1 => Just(Event::Time),
    ]
}

fn time_step() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 0i64..10 * MS,
        1 => 0i64..100_000 * MS,
        1 => Just(i64::MAX / 2),
        1 => -1_000 * MS..0,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the books, trades and clocks, every value is finite and the engine's time
    /// never runs backwards.
    #[test]
    fn every_value_is_finite(
        events in prop::collection::vec((event(), time_step()), 1..80),
        small in any::<bool>(),
    ) {
        let cfg = if small {
            FeatureConfig {
                event_windows: [1, 3],
                time_windows_ms: [1, 2, 3],
                vwap_window_ms: 1,
                max_window_samples: 16,
                ..FeatureConfig::default()
            }
        } else {
            FeatureConfig::default()
        };
        let mut e = FeatureEngine::new(mkt(), cfg).unwrap();
        let mut book = OrderBook::new(mkt());
        let mut now = 0i64;
        let mut seq = 0u64;
        for (ev, dt) in events {
            now = now.saturating_add(dt);
            seq += 1;
            match ev {
                Event::Snapshot(b, a) => {
                    if book.apply_snapshot(&snapshot(seq, &b, &a)).is_ok() {
                        e.on_book(&book, UnixNanos(now)).unwrap();
                    }
                }
                Event::Delta(b, a) => {
                    let dedup = |v: Vec<(i64, i64)>| {
                        let mut v = v;
                        v.sort_unstable_by_key(|l| l.0);
                        v.dedup_by_key(|l| l.0);
                        v
                    };
                    let d = delta(seq, &dedup(b), &dedup(a));
                    if book.apply_delta(&d).is_ok() {
                        e.on_book(&book, UnixNanos(now)).unwrap();
                    }
                }
                Event::Trade(p, q, buy) => {
                    let side = if buy { Side::Buy } else { Side::Sell };
                    e.on_trade(&trade(p, q, side), UnixNanos(now)).unwrap();
                }
                Event::Time => e.on_time(UnixNanos(now)),
            }
            for (i, v) in e.values().iter().enumerate() {
                prop_assert!(v.is_finite(), "{} = {}", Feature::ALL[i].name(), v);
            }
            let imb = e.value(Feature::Imbalance0);
            prop_assert!((-1.0..=1.0).contains(&imb));
            prop_assert!(e.value(Feature::TimeSinceTradeS) >= 0.0);
            prop_assert!(e.value(Feature::RvT2Bps) >= 0.0);
        }
    }
}
