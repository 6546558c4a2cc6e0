//! `QuoteInputs`: what a quote is formed from. Equal inputs give equal quotes over a long walk
//! of books, trades, predictions, inventory and our own orders; each thing the quote reads
//! changes the inputs, and time alone changes them only where a prediction goes stale.

use flashmm_core::book::{BookLevel, BookSnapshot, OrderBook};
use flashmm_core::identifiers::{ClientOrderId, TradeId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::order::{Order, OrderEvent, WorkingOrders};
use flashmm_core::signal::Prediction;
use flashmm_core::strategy::{
    InventoryView, Quote, QuoteInputs, QuoteParams, Quoter, RawQuoteParams, TouchPlacement,
};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;

const MS: i64 = 1_000_000;

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn quoter(join_touch: bool) -> Quoter {
    quoter_with(RawQuoteParams {
        join_touch,
        ..touch_params()
    })
}

fn touch_params() -> RawQuoteParams {
    RawQuoteParams {
        min_spread_bps: 0.0,
        adverse_min_samples: 2,
        ..RawQuoteParams::default()
    }
}

fn quoter_with(raw: RawQuoteParams) -> Quoter {
    // Tick 0.0001, lot 0.1, no fees.
    let (tick, lot, zero) = (Decimal::new(1, 4), Decimal::new(1, 1), Decimal::ZERO);
    let spec = MarketSpec::new(mkt(), tick, lot, zero, zero, zero).unwrap();
    Quoter::new(spec, QuoteParams::validate(raw).unwrap()).unwrap()
}

/// A book with the touch at `bid`/`ask` and a second level of `depth` lots each side.
fn book(bid: i64, ask: i64, touch_lots: i64, depth: i64) -> OrderBook {
    let lv = |p: i64, q: i64| BookLevel::new(Price::from_ticks(p), Qty::from_lots(q));
    let mut b = OrderBook::new(mkt());
    b.apply_snapshot(&BookSnapshot {
        market: mkt(),
        seq: 1,
        bids: vec![lv(bid, touch_lots), lv(bid - 1, depth)],
        asks: vec![lv(ask, touch_lots), lv(ask + 1, depth)],
        ts: UnixNanos(0),
    })
    .unwrap();
    b
}

fn prediction(origin_ms: i64, expected_move_bps: f32) -> Prediction {
    Prediction {
        market: mkt(),
        model_version: "t".into(),
        horizon_ms: 100,
        p_down: 0.2,
        p_flat: 0.5,
        p_up: 0.3,
        expected_move_bps,
        ts: UnixNanos(origin_ms * MS),
        origin_ts: UnixNanos(origin_ms * MS),
        inference_ns: 0,
    }
}

fn bid_order(id: &str, price: i64, lots: i64) -> Order {
    let mut o = Order::new(
        ClientOrderId::new(id).unwrap(),
        mkt(),
        Side::Buy,
        Price::from_ticks(price),
        Qty::from_lots(lots),
        UnixNanos(0),
    )
    .unwrap();
    o.transition(OrderEvent::Submitted).unwrap();
    o
}

fn inventory(position_lots: i64) -> InventoryView {
    InventoryView {
        position_lots,
        traded_notional: Decimal::from(10_000),
    }
}

/// Touch quoting off and on, with the queue balance, and unwinding without touch quoting (an
/// inventory small against `traded`, or beyond `inventory_fraction` of it).
fn variants() -> Vec<(RawQuoteParams, Decimal)> {
    let p = touch_params();
    vec![
        (p.clone(), Decimal::from(10_000)),
        (
            RawQuoteParams {
                join_touch: true,
                ..p.clone()
            },
            Decimal::from(10_000),
        ),
        (
            RawQuoteParams {
                join_touch: true,
                adverse_by_balance: true,
                ..p.clone()
            },
            Decimal::from(10_000),
        ),
        (
            RawQuoteParams {
                unwind_at_touch: true,
                ..p
            },
            Decimal::ONE,
        ),
    ]
}

/// A small deterministic generator (an LCG), enough to wander.
struct Walk(u64);

impl Walk {
    fn next(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n) as i64
    }
}

#[test]
fn equal_inputs_give_equal_quotes_over_a_walk() {
    for (raw, traded) in variants() {
        let mut q = quoter_with(raw.clone());
        let mut w = Walk(7);
        let mut own = WorkingOrders::new();
        let mut pred: Option<Prediction> = None;
        let mut position = 0;
        let mut seen: Vec<(QuoteInputs, Quote)> = Vec::new();
        let (mut repeats, mut formed, mut unwound) = (0, 0, 0);
        let mut now_ms = 1_000;
        for step in 0..4_000 {
            now_ms += 1 + w.next(20);
            let now = UnixNanos(now_ms * MS);
            let bid = 40_000 + w.next(3);
            let b = book(bid, bid + 1 + w.next(3), 10 + w.next(3), 50 + w.next(2));
            match w.next(40) {
                0 => q.on_trade(
                    now,
                    &Trade {
                        market: mkt(),
                        trade_id: TradeId::new(format!("t{step}")).unwrap(),
                        price: b.best_bid().unwrap().price,
                        qty: Qty::from_lots(1),
                        aggressor: Side::Sell,
                        ts: now,
                    },
                    &b,
                ),
                1 => pred = Some(prediction(now_ms, w.next(3) as f32 - 1.0)),
                2 => position = w.next(5) - 2,
                3 => own.insert(bid_order(&format!("c{step}"), bid, 10), None),
                4 => {
                    own.clear();
                }
                _ => {}
            }
            if w.next(4) == 0 {
                q.on_book(now, &b);
            }
            let inv = InventoryView {
                traded_notional: traded,
                ..inventory(position)
            };
            let inputs = q.inputs(now, &b, &own, &inv, pred.as_ref());
            let quote = q.quote_at(now, &b, &own, &inv, pred.as_ref()).unwrap();
            formed += 1;
            let dg = &quote.diagnostics;
            unwound += usize::from(dg.bid_placement == TouchPlacement::Unwind)
                + usize::from(dg.ask_placement == TouchPlacement::Unwind);
            if let Some((_, earlier)) = seen.iter().rev().find(|(i, _)| *i == inputs) {
                repeats += 1;
                assert_eq!(
                    earlier, &quote,
                    "step {step}: equal inputs, different quotes"
                );
            }
            seen.push((inputs, quote));
            if seen.len() > 64 {
                seen.remove(0);
            }
        }
        assert_eq!(
            unwound > 0,
            raw.unwind_at_touch,
            "{unwound} unwinding sides"
        );
        // The walk revisits states often enough for the check above to mean something.
        assert!(
            repeats > formed / 10,
            "{raw:?}: {repeats} repeats of {formed}"
        );
    }
}

#[test]
fn each_thing_the_quote_reads_changes_the_inputs() {
    let q = quoter(true);
    let b = book(40_000, 40_002, 10, 50);
    let own = WorkingOrders::new();
    let inv = inventory(0);
    let p = prediction(1_000, 1.0);
    let at = |ms: i64| UnixNanos(ms * MS);
    let base = q.inputs(at(1_050), &b, &own, &inv, Some(&p));

    // Time alone, while the prediction stays fresh, and without one: the same inputs.
    assert_eq!(q.inputs(at(1_090), &b, &own, &inv, Some(&p)), base);
    assert_eq!(
        q.inputs(at(1_050), &b, &own, &inv, None),
        q.inputs(at(9_999), &b, &own, &inv, None)
    );
    // The prediction goes stale past its horizon, or another one arrives.
    assert_ne!(q.inputs(at(1_101), &b, &own, &inv, Some(&p)), base);
    let other = prediction(1_000, -1.0);
    assert_ne!(q.inputs(at(1_050), &b, &own, &inv, Some(&other)), base);
    // The touch, the others' size at it (with touch quoting), the inventory.
    assert_ne!(
        q.inputs(
            at(1_050),
            &book(40_001, 40_002, 10, 50),
            &own,
            &inv,
            Some(&p)
        ),
        base
    );
    let mut ours = WorkingOrders::new();
    ours.insert(bid_order("c1", 40_000, 10), None);
    let with_ours = q.inputs(at(1_050), &b, &ours, &inv, Some(&p));
    assert_ne!(with_ours, base, "our order changes the working orders");
    // Our order is the whole best bid: the others' touch is one level down.
    assert_ne!(
        q.inputs(
            at(1_050),
            &book(40_000, 40_002, 10, 50),
            &ours,
            &inv,
            Some(&p)
        ),
        q.inputs(
            at(1_050),
            &book(40_000, 40_002, 11, 50),
            &ours,
            &inv,
            Some(&p)
        )
    );
    assert_ne!(q.inputs(at(1_050), &b, &own, &inventory(3), Some(&p)), base);
    // An order's state change is a change of the working orders.
    let before = ours.revision();
    ours.apply(&ClientOrderId::new("c1").unwrap(), OrderEvent::Accepted)
        .unwrap();
    assert_ne!(ours.revision(), before);
    // New mids move σ.
    let mut q = quoter(true);
    let before = q.inputs(at(1_050), &b, &own, &inv, None);
    for i in 0..100 {
        let bid = 40_000 + 10 * (i % 2);
        q.on_book(at(1_000 + 200 * i), &book(bid, bid + 2, 10, 50));
    }
    assert_ne!(q.inputs(at(1_050), &b, &own, &inv, None), before);
}
