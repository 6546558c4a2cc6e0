//! Touch quoting: the quoter joins or improves the others' best price when a fill there pays,
//! backs off when the adverse move after fills eats the edge, keeps the minimum spread in
//! ticks, never chases its own orders, and pulls the side a fresh prediction expects to be run
//! through; with `adverse_by_balance` it prices a queue by its balance against the other
//! side, and with `unwind_at_touch` the side that reduces an excess inventory joins the touch.

use flashmm_core::book::{BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::{ClientOrderId, TradeId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::order::{Order, OrderEvent, WorkingOrders};
use flashmm_core::signal::Prediction;
use flashmm_core::strategy::{
    InventoryView, QueuePlace, QuoteParams, Quoter, RawQuoteParams, Touch, TouchPlacement,
};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;

const SEC: i64 = 1_000_000_000;

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

/// Tick 0.0001, lot 0.1, no min notional, a maker fee of `maker_bps`.
fn spec(maker_bps: i64) -> MarketSpec {
    MarketSpec::new(
        mkt(),
        Decimal::new(1, 4),
        Decimal::new(1, 1),
        Decimal::ZERO,
        Decimal::new(maker_bps, 4),
        Decimal::new(5, 4),
    )
    .unwrap()
}

fn book(bids: &[(i64, i64)], asks: &[(i64, i64)]) -> OrderBook {
    let levels = |l: &[(i64, i64)]| {
        l.iter()
            .map(|&(p, q)| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q)))
            .collect()
    };
    let mut b = OrderBook::new(mkt());
    b.apply_snapshot(&BookSnapshot {
        market: mkt(),
        seq: 1,
        bids: levels(bids),
        asks: levels(asks),
        ts: UnixNanos(0),
    })
    .unwrap();
    b
}

fn touch_params() -> RawQuoteParams {
    RawQuoteParams {
        join_touch: true,
        min_spread_bps: 4.0,
        adverse_min_samples: 5,
        adverse_alpha: 0.5,
        ..RawQuoteParams::default()
    }
}

fn quoter(raw: RawQuoteParams, maker_bps: i64) -> Quoter {
    Quoter::new(spec(maker_bps), QuoteParams::validate(raw).unwrap()).unwrap()
}

fn flat() -> InventoryView {
    InventoryView {
        position_lots: 0,
        traded_notional: Decimal::from(1_000_000),
    }
}

/// Ten trades each side, one a second, each followed a second later by the mid `after(mid)`
/// of a book `then`; returns the time after the last.
fn trades(q: &mut Quoter, before: &OrderBook, then: &OrderBook) -> i64 {
    let mut now = SEC;
    for i in 0..10 {
        let aggressor = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let trade = Trade {
            market: mkt(),
            trade_id: TradeId::new(format!("t{i}")).unwrap(),
            price: before.best_bid().unwrap().price,
            qty: Qty::from_lots(1),
            aggressor,
            ts: UnixNanos(now),
        };
        q.on_trade(UnixNanos(now), &trade, before);
        now += SEC;
        q.on_book(UnixNanos(now), then);
        now += SEC;
    }
    now
}

#[test]
fn without_an_adverse_estimate_the_model_prices_stand() {
    let q = quoter(touch_params(), 0);
    let b = book(&[(40_000, 50)], &[(40_010, 50)]);
    let out = q.quote(UnixNanos(SEC), &b, &flat(), None).unwrap();
    let dg = out.diagnostics;
    assert_eq!(
        (dg.bid_placement, dg.ask_placement),
        (TouchPlacement::Model, TouchPlacement::Model)
    );
    assert!(dg.bid_adverse_bps.is_none());
    // The model's quotes are at least min_spread_bps (4 bps of 4.0005: 16 ticks) apart.
    let width = out.target.asks[0].price.ticks() - out.target.bids[0].price.ticks();
    assert!(width >= 16, "{width}");
}

#[test]
fn a_wide_touch_is_improved_and_a_one_tick_touch_joined_when_fills_pay() {
    let mut q = quoter(touch_params(), 0);
    let wide = book(&[(40_000, 50)], &[(40_010, 50)]);
    let now = trades(&mut q, &wide, &wide);
    let out = q.quote(UnixNanos(now), &wide, &flat(), None).unwrap();
    let dg = out.diagnostics;
    assert_eq!(dg.bid_adverse_bps, Some(0.0));
    assert_eq!(
        (dg.bid_placement, dg.ask_placement),
        (TouchPlacement::Improve, TouchPlacement::Improve)
    );
    assert_eq!(out.target.bids[0].price.ticks(), 40_001);
    assert_eq!(out.target.asks[0].price.ticks(), 40_009);
    // Deeper levels step out from the touch.
    assert!(out.target.bids[1].price.ticks() < 40_001);

    // Two ticks wide: improving both would cross, so the bid joins and the ask improves; one
    // tick wide: both join.
    use TouchPlacement::{Improve, Join};
    for (ask, placements) in [(40_002, (Join, Improve)), (40_001, (Join, Join))] {
        let b = book(&[(40_000, 50)], &[(ask, 50)]);
        let out = q.quote(UnixNanos(now), &b, &flat(), None).unwrap();
        let first = |l: &[BookLevel]| l[0].price.ticks();
        assert_eq!(
            (first(&out.target.bids), first(&out.target.asks)),
            (40_000, 40_001),
            "touch {ask}"
        );
        let dg = out.diagnostics;
        assert_eq!((dg.bid_placement, dg.ask_placement), placements);
    }
}

#[test]
fn fills_at_the_front_of_the_queue_and_behind_it_are_learnt_apart() {
    let raw = RawQuoteParams {
        adverse_prior_fills: 1,
        ..touch_params()
    };
    let mut q = quoter(raw, 0);
    let wide = book(&[(40_000, 50)], &[(40_010, 50)]);
    let mut now = trades(&mut q, &wide, &wide);
    // Our bids that improved the touch were each followed by a 20-tick (5 bp) drop; the
    // public trades' markouts were nil.
    let dropped = book(&[(39_980, 50)], &[(39_990, 50)]);
    for _ in 0..20 {
        q.on_book(UnixNanos(now), &wide);
        q.on_own_fill(UnixNanos(now), Side::Buy, QueuePlace::Front, None, &wide);
        now += 2 * SEC;
        q.on_book(UnixNanos(now), &dropped);
        now += SEC;
    }
    q.on_book(UnixNanos(now), &wide);
    let out = q.quote(UnixNanos(now), &wide, &flat(), None).unwrap();
    let dg = out.diagnostics;
    // Improving no longer pays on the bid; joining, behind the others' queue, still does.
    assert_eq!(dg.bid_placement, TouchPlacement::Join);
    assert_eq!(out.target.bids[0].price.ticks(), 40_000);
    assert_eq!(dg.bid_adverse_bps, Some(0.0), "the joined bid's estimate");
    assert_eq!(dg.ask_placement, TouchPlacement::Improve);
}

/// Sells into a thin bid queue each followed by a 12-tick (3 bp) drop, and sells into a
/// thick one followed by nothing, alternately; returns the time after the last.
fn sells_thin_then_thick(q: &mut Quoter, thin: &OrderBook, thick: &OrderBook) -> i64 {
    let dropped = book(&[(39_988, 50)], &[(39_989, 50)]);
    let mut now = SEC;
    for i in 0..20 {
        let at = if i % 2 == 0 { thin } else { thick };
        let trade = Trade {
            market: mkt(),
            trade_id: TradeId::new(format!("s{i}")).unwrap(),
            price: at.best_bid().unwrap().price,
            qty: Qty::from_lots(1),
            aggressor: Side::Sell,
            ts: UnixNanos(now),
        };
        q.on_trade(UnixNanos(now), &trade, at);
        now += SEC;
        q.on_book(UnixNanos(now), if i % 2 == 0 { &dropped } else { at });
        now += SEC;
    }
    now
}

#[test]
fn with_queue_balance_a_thick_bid_queue_is_joined_and_a_thin_one_is_not() {
    // One tick wide; the bid holds 10 % of the touch's size, or 90 %.
    let thin = book(&[(40_000, 10)], &[(40_001, 90)]);
    let thick = book(&[(40_000, 90)], &[(40_001, 10)]);
    let raw = RawQuoteParams {
        adverse_by_balance: true,
        ..touch_params()
    };
    let mut q = quoter(raw, 0);
    let now = UnixNanos(sells_thin_then_thick(&mut q, &thin, &thick));
    let out = q.quote(now, &thick, &flat(), None).unwrap();
    assert_eq!(out.diagnostics.bid_placement, TouchPlacement::Join);
    assert_eq!(out.diagnostics.bid_adverse_bps, Some(0.0));
    assert_eq!(out.target.bids[0].price.ticks(), 40_000);
    let out = q.quote(now, &thin, &flat(), None).unwrap();
    assert_eq!(out.diagnostics.bid_placement, TouchPlacement::Model);
    let thin_adverse = out.diagnostics.bid_adverse_bps.unwrap();
    assert!(
        (thin_adverse - 12.0 / 40_000.5 * 1e4).abs() < 1e-6,
        "{thin_adverse}"
    );
    assert!(out.target.bids[0].price.ticks() < 40_000);

    // Pooled, the same trades average out to an adverse move that no join pays for.
    let mut q = quoter(touch_params(), 0);
    let now = UnixNanos(sells_thin_then_thick(&mut q, &thin, &thick));
    for b in [&thin, &thick] {
        let dg = q.quote(now, b, &flat(), None).unwrap().diagnostics;
        assert_eq!(dg.bid_placement, TouchPlacement::Model);
        assert!(dg.bid_adverse_bps.unwrap() > 0.5, "{dg:?}");
    }
}

#[test]
fn with_unwind_at_touch_the_side_that_reduces_an_excess_inventory_joins_the_touch() {
    let b = book(&[(40_000, 50)], &[(40_001, 50)]);
    // Long 5 lots (0.5 SEI, 0.2 USDC) against 1 USDC traded: beyond 2 % of it.
    let long = InventoryView {
        position_lots: 5,
        traded_notional: Decimal::ONE,
    };
    let raw = RawQuoteParams {
        unwind_at_touch: true,
        min_spread_bps: 4.0,
        ..RawQuoteParams::default()
    };
    // No adverse estimate and no join_touch: only the unwinding side goes to the touch.
    let q = quoter(raw.clone(), 0);
    let out = q.quote(UnixNanos(SEC), &b, &long, None).unwrap();
    let dg = out.diagnostics;
    assert_eq!(dg.inventory_widened, Some(Side::Buy));
    assert_eq!(
        (dg.bid_placement, dg.ask_placement),
        (TouchPlacement::Model, TouchPlacement::Unwind)
    );
    assert_eq!(out.target.asks[0].price.ticks(), 40_001);
    assert!(out.target.bids[0].price.ticks() < 40_000);
    // Within the fraction, or without the rule, the model's prices stand.
    for (raw, inventory) in [
        (raw.clone(), flat()),
        (
            RawQuoteParams {
                unwind_at_touch: false,
                ..raw
            },
            long,
        ),
    ] {
        let out = quoter(raw, 0)
            .quote(UnixNanos(SEC), &b, &inventory, None)
            .unwrap();
        assert_eq!(out.diagnostics.ask_placement, TouchPlacement::Model);
        assert!(out.target.asks[0].price.ticks() > 40_001);
    }
}

#[test]
fn a_large_adverse_move_or_fee_keeps_the_model_prices() {
    let mut q = quoter(touch_params(), 0);
    let before = book(&[(40_000, 50)], &[(40_002, 50)]);
    // After every trade the mid has dropped 20 ticks (5 bps): adverse to bids, favourable to
    // asks.
    let after = book(&[(39_980, 50)], &[(39_982, 50)]);
    let now = trades(&mut q, &before, &after);
    let out = q.quote(UnixNanos(now), &before, &flat(), None).unwrap();
    let dg = out.diagnostics;
    assert!(dg.bid_adverse_bps.unwrap() > 4.0, "{dg:?}");
    assert!(dg.ask_adverse_bps.unwrap() < -4.0, "{dg:?}");
    assert_eq!(dg.bid_placement, TouchPlacement::Model);
    assert!(out.target.bids[0].price.ticks() < 40_000);
    assert_eq!(dg.ask_placement, TouchPlacement::Improve);

    // A 10 bp maker fee outweighs any touch edge here.
    let mut q = quoter(touch_params(), 10);
    let now = trades(&mut q, &before, &before);
    let dg = q
        .quote(UnixNanos(now), &before, &flat(), None)
        .unwrap()
        .diagnostics;
    assert_eq!(
        (dg.bid_placement, dg.ask_placement),
        (TouchPlacement::Model, TouchPlacement::Model)
    );
}

#[test]
fn our_own_orders_are_no_touch_to_chase() {
    // The best bid is our own order of 10 lots; the others bid 40 000.
    let b = book(&[(40_001, 10), (40_000, 50)], &[(40_010, 50)]);
    let mut own = WorkingOrders::new();
    let mut order = Order::new(
        ClientOrderId::new("c1").unwrap(),
        mkt(),
        Side::Buy,
        Price::from_ticks(40_001),
        Qty::from_lots(10),
        UnixNanos(0),
    )
    .unwrap();
    order.transition(OrderEvent::Submitted).unwrap();
    own.insert(order, None);
    let touch = Touch::of_others(&b, &own);
    assert_eq!((touch.bid, touch.ask), (Some(40_000), Some(40_010)));
    assert_eq!(
        Touch::of_others(&b, &WorkingOrders::new()).bid,
        Some(40_001)
    );

    let mut q = quoter(touch_params(), 0);
    let now = trades(&mut q, &b, &b);
    let out = q.quote_at(UnixNanos(now), &b, &own, &flat(), None).unwrap();
    // Improving the others' 40 000 is where our order already rests: no step up to 40 002.
    assert_eq!(out.target.bids[0].price.ticks(), 40_001);
}

#[test]
fn the_side_a_fresh_prediction_expects_run_through_is_pulled() {
    let raw = RawQuoteParams {
        pull_probability: 0.6,
        ..touch_params()
    };
    let q = quoter(raw, 0);
    let b = book(&[(40_000, 50)], &[(40_010, 50)]);
    let now = UnixNanos(10 * SEC);
    let down = Prediction {
        market: mkt(),
        model_version: "t".into(),
        horizon_ms: 1_000,
        p_down: 0.7,
        p_flat: 0.2,
        p_up: 0.1,
        expected_move_bps: -1.0,
        ts: now,
        origin_ts: now,
        inference_ns: 0,
    };
    let out = q.quote(now, &b, &flat(), Some(&down)).unwrap();
    assert!(out.target.bids.is_empty());
    assert_eq!(out.target.asks.len(), 3);
    assert_eq!(out.diagnostics.bid_placement, TouchPlacement::Pulled);
    // A stale prediction pulls nothing.
    let stale = Prediction {
        origin_ts: UnixNanos(0),
        ..down
    };
    let out = q.quote(now, &b, &flat(), Some(&stale)).unwrap();
    assert_eq!(out.target.bids.len(), 3);
}
