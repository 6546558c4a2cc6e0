//! Property test over random request sequences: the book rebuilt from the engine's level
//! updates equals its snapshot, the book never rests crossed, sequence numbers advance by one
//! per change, balances never go negative, reservations match open orders, fees are exact,
//! and base and quote are conserved across accounts and venue fee income.

use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_sim::account::{AccountId, Ledger};
use flashmm_sim::matching::{
    EngineConfig, Liquidity, MatchingEngine, OrderEvent, OrderId, OrderRequest, Report,
    SelfTradePrevention, TimeInForce,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone)]
enum Op {
    Place(u32, Side, i64, i64, TimeInForce),
    Cancel(u32, usize),
    Replace(u32, usize, i64, i64),
    CancelAll(u32),
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn op() -> impl Strategy<Value = Op> {
    let acct = 0u32..3;
    let side = prop_oneof![Just(Side::Buy), Just(Side::Sell)];
    let tif = prop_oneof![
        3 => Just(TimeInForce::Gtc),
        1 => Just(TimeInForce::Ioc),
        1 => Just(TimeInForce::PostOnly)
    ];
    prop_oneof![
        6 => (acct.clone(), side, 90i64..111, 1i64..40, tif)
            .prop_map(|(a, s, p, q, t)| Op::Place(a, s, p, q, t)),
        2 => (acct.clone(), any::<usize>()).prop_map(|(a, i)| Op::Cancel(a, i)),
        2 => (acct.clone(), any::<usize>(), 90i64..111, 1i64..40)
            .prop_map(|(a, i, p, q)| Op::Replace(a, i, p, q)),
        1 => acct.prop_map(Op::CancelAll),
    ]
}

fn check_step(
    engine: &MatchingEngine,
    ledger: &Ledger,
    report: &Report,
    model: &mut BTreeMap<(Side, Price), Qty>,
    prev_seq: u64,
) -> Result<(), TestCaseError> {
    let spec = engine.spec().clone();
    // Sequence numbers and the rebuilt book.
    let expected_seq = prev_seq + u64::from(!report.levels.is_empty());
    prop_assert_eq!(report.seq, expected_seq);
    for lv in &report.levels {
        if lv.qty.is_zero() {
            model.remove(&(lv.side, lv.price));
        } else {
            model.insert((lv.side, lv.price), lv.qty);
        }
    }
    let snap = engine.snapshot();
    prop_assert_eq!(snap.seq, report.seq);
    let bids: Vec<(Price, Qty)> = snap.bids.iter().map(|l| (l.price, l.qty)).collect();
    let asks: Vec<(Price, Qty)> = snap.asks.iter().map(|l| (l.price, l.qty)).collect();
    let model_bids: Vec<(Price, Qty)> = model
        .iter()
        .rev()
        .filter(|((s, _), _)| *s == Side::Buy)
        .map(|((_, p), q)| (*p, *q))
        .collect();
    let model_asks: Vec<(Price, Qty)> = model
        .iter()
        .filter(|((s, _), _)| *s == Side::Sell)
        .map(|((_, p), q)| (*p, *q))
        .collect();
    prop_assert_eq!(bids, model_bids);
    prop_assert_eq!(asks, model_asks);
    prop_assert!(!snap.is_crossed());

    // Fees are the exact rate times the fill notional.
    for ev in &report.events {
        if let OrderEvent::Filled(f) = ev {
            let rate = match f.liquidity {
                Liquidity::Maker => spec.maker_fee_rate(),
                Liquidity::Taker => spec.taker_fee_rate(),
            };
            prop_assert_eq!(f.fee, spec.notional(f.price, f.qty).unwrap() * rate);
        }
    }

    // Balances: never negative, reservations match open orders, totals conserved.
    let (base, quote) = (engine.base_asset(), engine.quote_asset());
    for acct in 0..3 {
        let acct = AccountId(acct);
        let (b, q) = (ledger.balance(acct, base), ledger.balance(acct, quote));
        for x in [b.available, b.reserved, q.available, q.reserved] {
            prop_assert!(x >= Decimal::ZERO, "negative balance {}", x);
        }
        let open = engine.open_orders(acct);
        let held = |side| {
            open.iter()
                .filter(|o| o.side == side)
                .map(|o| o.reserved)
                .sum::<Decimal>()
        };
        prop_assert_eq!(held(Side::Buy), q.reserved);
        prop_assert_eq!(held(Side::Sell), b.reserved);
    }
    prop_assert_eq!(ledger.total(base), d("3000"));
    prop_assert_eq!(ledger.total(quote) + ledger.fee_income(quote), d("300"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn book_events_balances_and_conservation(
        ops in prop::collection::vec(op(), 1..120),
        allow_self_trade in any::<bool>(),
    ) {
        let spec = MarketSpec::new(
            MarketId::new("SEI/USDC").unwrap(),
            d("0.01"),
            d("1"),
            d("0.5"),
            d("-0.0002"),
            d("0.0007"),
        )
        .unwrap();
        let self_trade = if allow_self_trade {
            SelfTradePrevention::Allow
        } else {
            SelfTradePrevention::CancelResting
        };
        let mut ledger = Ledger::new();
        let mut engine = MatchingEngine::new(spec, EngineConfig { self_trade }, &mut ledger).unwrap();
        for acct in 0..3 {
            ledger.deposit(AccountId(acct), engine.base_asset(), d("1000")).unwrap();
            ledger.deposit(AccountId(acct), engine.quote_asset(), d("100")).unwrap();
        }
        let mut ids: Vec<OrderId> = Vec::new();
        let mut model = BTreeMap::new();
        let pick = |ids: &[OrderId], i: usize| ids.get(i % ids.len().max(1)).copied().unwrap_or(OrderId(0));
        for op in ops {
            let prev_seq = engine.seq();
            let report = match op {
                Op::Place(a, side, p, q, tif) => engine.place(&mut ledger, OrderRequest {
                    account: AccountId(a),
                    side,
                    price: Price::from_ticks(p),
                    qty: Qty::from_lots(q),
                    tif,
                }),
                Op::Cancel(a, i) => engine.cancel(&mut ledger, AccountId(a), pick(&ids, i)),
                Op::Replace(a, i, p, q) => engine.replace(
                    &mut ledger,
                    AccountId(a),
                    pick(&ids, i),
                    Price::from_ticks(p),
                    Qty::from_lots(q),
                ),
                Op::CancelAll(a) => engine.cancel_all(&mut ledger, AccountId(a)),
            }
            .clone();
            for ev in &report.events {
                if let OrderEvent::Accepted { order, .. } = ev {
                    ids.push(*order);
                }
            }
            check_step(&engine, &ledger, &report, &mut model, prev_seq)?;
        }
    }
}
