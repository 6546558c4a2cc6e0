//! Quoter behaviour: the pricing terms move quotes the right way, and properties that every
//! quote is post-only-safe, on the grid, wide enough, within the level count and size-skewed.

use flashmm_core::book::{BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::TradeId;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::signal::Prediction;
use flashmm_core::strategy::{
    InventoryView, PredictionStatus, QuoteError, QuoteParams, Quoter, RawQuoteParams,
};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn spec(min_notional: &str) -> MarketSpec {
    MarketSpec::new(
        mkt(),
        d("0.0001"),
        d("0.1"),
        d(min_notional),
        d("0"),
        d("0"),
    )
    .unwrap()
}

fn book(bid: i64, ask: i64) -> OrderBook {
    let mut b = OrderBook::new(mkt());
    b.apply_snapshot(&BookSnapshot {
        market: mkt(),
        seq: 1,
        bids: vec![BookLevel::new(Price::from_ticks(bid), Qty::from_lots(50))],
        asks: vec![BookLevel::new(Price::from_ticks(ask), Qty::from_lots(50))],
        ts: UnixNanos(0),
    })
    .unwrap();
    b
}

fn quoter(raw: RawQuoteParams, min_notional: &str) -> Quoter {
    Quoter::new(spec(min_notional), QuoteParams::validate(raw).unwrap()).unwrap()
}

fn inv(position_lots: i64) -> InventoryView {
    InventoryView {
        position_lots,
        traded_notional: d("1000000"),
    }
}

fn prediction(p_up: f32, p_down: f32, mv: f32, ts: i64) -> Prediction {
    Prediction {
        market: mkt(),
        model_version: "t".into(),
        horizon_ms: 1_000,
        p_down,
        p_flat: 1.0 - p_up - p_down,
        p_up,
        expected_move_bps: mv,
        ts: UnixNanos(ts),
        origin_ts: UnixNanos(ts),
        inference_ns: 0,
    }
}

const NOW: UnixNanos = UnixNanos(10_000_000_000);

#[test]
fn flat_without_prediction_is_symmetric_and_wider() {
    let q = quoter(RawQuoteParams::default(), "0");
    let b = book(40_000, 40_002);
    let out = q.quote(NOW, &b, &inv(0), None).unwrap();
    let dg = out.diagnostics;
    assert_eq!(dg.prediction, PredictionStatus::Missing);
    assert!(dg.prediction_stale);
    assert_eq!(
        dg.widen_multiplier, 1.5,
        "σ at its reference: only the stale widening"
    );
    assert!((dg.half_spread_bps - 1.5 * dg.base_half_spread_bps).abs() < 1e-12);
    let (bid, ask) = (
        out.target.bids[0].price.ticks(),
        out.target.asks[0].price.ticks(),
    );
    assert_eq!(40_001 - bid, ask - 40_001, "symmetric around the mid");
    let half_ticks = dg.half_spread_bps * 40_001.0 * 1e-4;
    assert_eq!(bid, (40_001.0 - half_ticks).floor() as i64);
    assert_eq!(out.target.bids.len(), 3);
    let sizes: Vec<i64> = out.target.asks.iter().map(|l| l.qty.lots()).collect();
    assert_eq!(sizes, vec![10, 15, 20], "size ladder 10 × (1 + 0.5 i)");
    let fresh = prediction(0.3, 0.3, 0.0, NOW.0);
    let f = q.quote(NOW, &b, &inv(0), Some(&fresh)).unwrap();
    assert_eq!(f.diagnostics.prediction, PredictionStatus::Fresh);
    assert!(f.diagnostics.half_spread_bps < dg.half_spread_bps);
}

#[test]
fn prediction_skews_and_stale_one_is_ignored() {
    let q = quoter(RawQuoteParams::default(), "0");
    let b = book(40_000, 40_002);
    let up = prediction(0.7, 0.1, 6.0, NOW.0 - 500_000_000);
    let down = prediction(0.1, 0.7, -6.0, NOW.0 - 500_000_000);
    let qu = q.quote(NOW, &b, &inv(0), Some(&up)).unwrap();
    let qd = q.quote(NOW, &b, &inv(0), Some(&down)).unwrap();
    assert!((qu.diagnostics.prediction_skew_bps - 3.0).abs() < 1e-6);
    assert!(qu.target.bids[0].price > qd.target.bids[0].price);
    assert!(qu.target.asks[0].price > qd.target.asks[0].price);
    let stale = prediction(0.7, 0.1, 6.0, NOW.0 - 1_000_000_001);
    let qs = q.quote(NOW, &b, &inv(0), Some(&stale)).unwrap();
    assert_eq!(qs.diagnostics.prediction, PredictionStatus::Stale);
    assert_eq!(qs.diagnostics.prediction_skew_bps, 0.0);
    assert_eq!(
        qs,
        q.quote(NOW, &b, &inv(0), None)
            .map(|mut x| {
                x.diagnostics.prediction = PredictionStatus::Stale;
                x
            })
            .unwrap()
    );
    // An uncertain model widens more than a confident one.
    let sure = prediction(0.98, 0.01, 0.0, NOW.0);
    let unsure = prediction(0.34, 0.33, 0.0, NOW.0);
    let hs = |p| {
        q.quote(NOW, &b, &inv(0), Some(p))
            .unwrap()
            .diagnostics
            .half_spread_bps
    };
    assert!(hs(&unsure) > hs(&sure));
}

#[test]
fn inventory_skews_price_and_size() {
    let q = quoter(RawQuoteParams::default(), "0");
    let b = book(40_000, 40_002);
    let flat = q.quote(NOW, &b, &inv(0), None).unwrap();
    let long = q.quote(NOW, &b, &inv(500), None).unwrap();
    let short = q.quote(NOW, &b, &inv(-500), None).unwrap();
    assert!(long.diagnostics.reservation_ticks < flat.diagnostics.reservation_ticks);
    assert!(short.diagnostics.reservation_ticks > flat.diagnostics.reservation_ticks);
    assert!(
        long.target.asks[0].price < flat.target.asks[0].price,
        "long sells cheaper"
    );
    assert!(
        short.target.bids[0].price > flat.target.bids[0].price,
        "short buys higher"
    );
    // 500 of a 1000-lot limit halves the growing side's sizes.
    assert_eq!(long.diagnostics.bid_size_factor, 0.5);
    assert_eq!(long.target.bids[0].qty, Qty::from_lots(5));
    assert_eq!(long.target.asks[0].qty, Qty::from_lots(10));
    assert_eq!(short.target.asks[0].qty, Qty::from_lots(5));
    // At the limit the growing side disappears.
    let full = q.quote(NOW, &b, &inv(1_000), None).unwrap();
    assert!(full.target.bids.is_empty());
    assert_eq!(full.target.asks.len(), 3);
}

#[test]
fn inventory_beyond_fraction_of_traded_widens_growing_side() {
    let q = quoter(RawQuoteParams::default(), "0");
    let b = book(40_000, 40_002);
    // 20 lots = 2 SEI × 4.0001 ≈ 8 USDC; 2 % of 100 USDC traded is 2 USDC: too much
    // inventory. 2 % of 10 000 USDC is 200 USDC: within the fraction. (The bid stays well
    // inside the 50 bps cap, which bounds the widening too.)
    let small = InventoryView {
        position_lots: 20,
        traded_notional: d("100"),
    };
    let big = InventoryView {
        traded_notional: d("10000"),
        ..small
    };
    let w = q.quote(NOW, &b, &small, None).unwrap();
    let n = q.quote(NOW, &b, &big, None).unwrap();
    assert_eq!(w.diagnostics.inventory_widened, Some(Side::Buy));
    assert_eq!(n.diagnostics.inventory_widened, None);
    let five_bps = (5.0 * 40_001.0 * 1e-4f64).floor() as i64;
    assert!(n.target.bids[0].price.ticks() - w.target.bids[0].price.ticks() >= five_bps);
    assert_eq!(w.target.asks[0].price, n.target.asks[0].price);
}

#[test]
fn never_crosses_and_respects_min_notional() {
    // A huge prediction skew up would put the bid above the ask: clamped below best ask.
    let raw = RawQuoteParams {
        skew_multiple: 10.0,
        max_skew_bps: 1_000.0,
        ..RawQuoteParams::default()
    };
    let q = quoter(raw, "5");
    let b = book(40_000, 40_002);
    let up = prediction(0.9, 0.0, 100.0, NOW.0);
    let out = q.quote(NOW, &b, &inv(0), Some(&up)).unwrap();
    assert_eq!(out.target.bids[0].price.ticks(), 40_001);
    assert!(out.target.asks[0].price.ticks() > 40_001);
    // 5 USDC at 4.0001 needs 12.5 → 13 lots of 0.1: the 10-lot base is raised.
    for l in out.target.bids.iter().chain(&out.target.asks) {
        assert!(spec("5").notional(l.price, l.qty).unwrap() >= d("5"));
    }
    assert_eq!(out.target.bids[0].qty, Qty::from_lots(13));
    // With inventory, the reduced side drops levels under min notional instead of raising.
    let long = q.quote(NOW, &b, &inv(500), None).unwrap();
    assert!(long.target.bids.is_empty());
    assert_eq!(long.target.asks.len(), 3);
}

#[test]
fn one_sided_book_and_estimators() {
    let mut q = quoter(RawQuoteParams::default(), "0");
    let mut b = OrderBook::new(mkt());
    assert_eq!(
        q.quote(NOW, &b, &inv(0), None),
        Err(QuoteError::NoTwoSidedBook)
    );
    b = book(40_000, 40_002);
    for i in 0..30 {
        q.on_trade(
            UnixNanos(i),
            &Trade {
                market: mkt(),
                trade_id: TradeId::new(format!("t{i}")).unwrap(),
                price: Price::from_ticks(40_009),
                qty: Qty::from_lots(1),
                aggressor: Side::Buy,
                ts: UnixNanos(i),
            },
            &b,
        );
        q.on_book(UnixNanos(i * 1_000_000_000), &b);
    }
    // Trades 2 bps from the mid: κ = 1/2 per bps (within float error).
    assert!((q.kappa() - 40_001.0 / 8.0 / 1e4).abs() < 1e-9);
    assert_eq!(q.sigma_bps(), 0.2, "a frozen mid gives the σ floor");
}

#[test]
fn a_hollow_book_is_not_quoted_nor_taken_for_a_move() {
    let mut q = quoter(RawQuoteParams::default(), "0");
    // σ warmed up on a mid that moves a tick a second.
    for i in 0..200 {
        q.on_book(
            UnixNanos(i * 1_000_000_000),
            &book(40_000 + i % 2, 40_002 + i % 2),
        );
    }
    assert!(q.volatility().is_warm());
    // Mid ≈ 40 200 ticks: the 50 bps cap is 202 ticks, so a book is hollow beyond 404.
    for spread in [2i64, 404] {
        let b = book(40_000, 40_000 + spread);
        assert!(q.hollow_spread_bps(&b).is_none(), "spread {spread}");
        assert!(q.quote(NOW, &b, &inv(0), None).is_ok(), "spread {spread}");
    }
    let sigma = q.sigma_bps();
    // One side swept down to a stray order 2 % away.
    let hollow = book(40_000, 40_800);
    let spread_bps = q.hollow_spread_bps(&hollow).expect("hollow");
    assert!((spread_bps - 800.0 / 40_400.0 * 1e4).abs() < 1e-9);
    assert_eq!(
        q.quote(NOW, &hollow, &inv(0), None),
        Err(QuoteError::HollowBook { spread_bps })
    );
    q.on_book(UnixNanos(200_000_000_000), &hollow);
    assert_eq!(q.sigma_bps(), sigma, "a hollow mid is kept from σ");
    // A price of few ticks: one tick is 100 bps, yet not hollow (the cap is one tick).
    let coarse = book(100, 101);
    assert!(q.hollow_spread_bps(&coarse).is_none());
    assert!(q.quote(NOW, &coarse, &inv(0), None).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn quotes_are_safe_and_well_formed(
        bid in 1i64..200_000,
        spread in 1i64..40,
        position in -3_000i64..3_000,
        gamma in 0.001f64..2.0,
        levels in 1usize..8,
        min_spread_bps in 0.0f64..60.0,
        base in 1i64..200,
        growth in 0.0f64..2.0,
        size_skew in 0.0f64..3.0,
        min_notional in prop::sample::select(vec!["0", "0.5", "5"]),
        pred in prop::option::of((0.0f32..1.0, 0.0f32..1.0, -500.0f32..500.0, 0i64..3_000)),
    ) {
        let raw = RawQuoteParams {
            gamma,
            levels,
            min_spread_bps,
            base_size_lots: base,
            size_ladder_growth: growth,
            size_skew,
            skew_multiple: 2.0,
            max_skew_bps: 1_000.0,
            ..RawQuoteParams::default()
        };
        let q = quoter(raw, min_notional);
        let b = book(bid, bid + spread);
        // A spread of many times the cap at a price of few ticks is a hollow book (below).
        prop_assume!(q.hollow_spread_bps(&b).is_none());
        let p = pred.map(|(a, c, mv, age_ms)| {
            let (up, down) = (a / 2.0, c / 2.0);
            prediction(up, down, mv, NOW.0 - age_ms * 1_000_000)
        });
        let out = q.quote(NOW, &b, &inv(position), p.as_ref()).unwrap();
        let t = &out.target;
        let s = spec(min_notional);
        prop_assert!(t.bids.len() <= levels && t.asks.len() <= levels);
        if position >= 0 {
            prop_assert_eq!(t.asks.len(), levels, "asks are never dropped on a non-reduced side");
        }
        for l in &t.bids {
            prop_assert!(l.price.ticks() > 0 && l.price.ticks() < bid + spread, "bid {} crosses", l.price);
        }
        for l in &t.asks {
            prop_assert!(l.price.ticks() > bid, "ask {} crosses", l.price);
        }
        for l in t.bids.iter().chain(&t.asks) {
            prop_assert!(l.qty.lots() > 0);
            prop_assert!(s.notional(l.price, l.qty).unwrap() >= s.min_notional());
        }
        prop_assert!(t.bids.windows(2).all(|w| w[0].price > w[1].price));
        prop_assert!(t.asks.windows(2).all(|w| w[0].price < w[1].price));
        if let (Some(b0), Some(a0)) = (t.bids.first(), t.asks.first()) {
            let width = (a0.price.ticks() - b0.price.ticks()) as f64;
            let mid = out.diagnostics.mid_ticks;
            prop_assert!(width >= 1.0);
            prop_assert!(width >= min_spread_bps * mid * 1e-4 - 1e-6, "width {} under min spread", width);
        }
        // Size skew: when the side that grows inventory is reduced, its levels are never larger
        // than the other side's largest (when that side has all its levels) and in total never
        // exceed what it would be when flat. Reduced levels under min notional are dropped, so
        // compare sizes and totals rather than level by level. Unreduced (factor 1),
        // min-notional raises at different prices may size either side.
        let total = |v: &[BookLevel]| v.iter().map(|l| l.qty.lots()).sum::<i64>();
        let flat = q.quote(NOW, &b, &inv(0), p.as_ref()).unwrap().target;
        let dg = &out.diagnostics;
        let reduced = match position.signum() {
            1 if dg.bid_size_factor < 1.0 => Some((&t.bids, &t.asks, &flat.bids)),
            -1 if dg.ask_size_factor < 1.0 => Some((&t.asks, &t.bids, &flat.asks)),
            _ => None,
        };
        if let Some((growing, other, flat_growing)) = reduced {
            if other.len() == levels {
                let largest = other.iter().map(|l| l.qty).max().unwrap();
                for g in growing {
                    prop_assert!(g.qty <= largest, "growing side {} > other side {}", g.qty, largest);
                }
            }
            prop_assert!(total(growing) <= total(flat_growing));
        }
    }
}

#[test]
fn quotes_stay_within_the_max_offset() {
    // A huge γ and inventory put the closed form thousands of bps away: capped at 50 bps.
    let raw = RawQuoteParams {
        gamma: 2.0,
        size_skew: 0.0,
        ..RawQuoteParams::default()
    };
    let q = quoter(raw, "0");
    let b = book(40_000, 40_002);
    // Where both sides hit the cap, the minimum spread (4 bps) opens around it.
    let fifty_bps = 40_001.0 * 50e-4;
    let slack = 40_001.0 * 2e-4 + 1.0;
    for position in [-3_000, 0, 3_000] {
        let out = q.quote(NOW, &b, &inv(position), None).unwrap();
        let (bid, ask) = (
            out.target.bids[0].price.ticks() as f64,
            out.target.asks[0].price.ticks() as f64,
        );
        assert!(40_001.0 - bid <= fifty_bps + slack, "{position}: bid {bid}");
        assert!(ask - 40_001.0 <= fifty_bps + slack, "{position}: ask {ask}");
        assert!(bid < ask);
    }
    // Inventory beyond its fraction of the traded notional widens the growing side, but not
    // past the cap.
    let heavy = InventoryView {
        position_lots: 3_000,
        traded_notional: d("1000"),
    };
    let out = q.quote(NOW, &b, &heavy, None).unwrap();
    assert_eq!(out.diagnostics.inventory_widened, Some(Side::Buy));
    let bid = out.target.bids[0].price.ticks() as f64;
    assert!(40_001.0 - bid <= fifty_bps + slack, "widened bid {bid}");
    let uncapped = RawQuoteParams {
        gamma: 2.0,
        size_skew: 0.0,
        max_quote_offset_bps: 10_000.0,
        ..RawQuoteParams::default()
    };
    let wide = quoter(uncapped, "0").quote(NOW, &b, &inv(0), None).unwrap();
    assert!(40_001.0 - wide.target.bids[0].price.ticks() as f64 > fifty_bps);
    let bad = RawQuoteParams {
        max_quote_offset_bps: 0.0,
        ..RawQuoteParams::default()
    };
    assert!(QuoteParams::validate(bad).is_err());
}
