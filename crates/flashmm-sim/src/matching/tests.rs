use super::*;
use crate::account::{AccountId, Ledger};
use flashmm_core::book::BookLevel;
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use rust_decimal::Decimal;
use std::str::FromStr;

const A: AccountId = AccountId(1);
const B: AccountId = AccountId(2);
const C: AccountId = AccountId(3);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc_with_fees()
}

fn setup(stp: SelfTradePrevention) -> (MatchingEngine, Ledger) {
    let mut ledger = Ledger::new();
    let e = MatchingEngine::new(spec(), EngineConfig { self_trade: stp }, &mut ledger).unwrap();
    for acct in [A, B, C] {
        ledger.deposit(acct, e.base_asset(), d("1000")).unwrap();
        ledger.deposit(acct, e.quote_asset(), d("1000")).unwrap();
    }
    (e, ledger)
}

fn req(account: AccountId, side: Side, ticks: i64, lots: i64, tif: TimeInForce) -> OrderRequest {
    OrderRequest::new(account, side, ticks, lots, tif)
}

fn place(e: &mut MatchingEngine, l: &mut Ledger, r: OrderRequest) -> Report {
    e.place(l, r).clone()
}

fn accepted_id(r: &Report) -> OrderId {
    r.events
        .iter()
        .find_map(|ev| match ev {
            OrderEvent::Accepted { order, .. } => Some(*order),
            _ => None,
        })
        .expect("accepted")
}

fn fills(r: &Report) -> Vec<Fill> {
    r.events
        .iter()
        .filter_map(|ev| match ev {
            OrderEvent::Filled(f) => Some(*f),
            _ => None,
        })
        .collect()
}

fn rejected(r: &Report) -> Option<RejectReason> {
    r.events.iter().find_map(|ev| match ev {
        OrderEvent::Rejected { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

fn maker_orders(r: &Report) -> Vec<(OrderId, i64)> {
    fills(r)
        .iter()
        .filter(|f| f.liquidity == Liquidity::Maker)
        .map(|f| (f.order, f.qty.lots()))
        .collect()
}

#[test]
fn price_then_time_priority() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let a1 = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4010, 100, TimeInForce::Gtc),
    ));
    let b1 = accepted_id(&place(
        &mut e,
        &mut l,
        req(B, Side::Sell, 4010, 100, TimeInForce::Gtc),
    ));
    let a2 = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));
    let r = place(
        &mut e,
        &mut l,
        req(C, Side::Buy, 4010, 250, TimeInForce::Gtc),
    );
    assert_eq!(maker_orders(&r), vec![(a2, 100), (a1, 100), (b1, 50)]);
    let prices: Vec<i64> = r.trades.iter().map(|t| t.price.ticks()).collect();
    assert_eq!(prices, vec![4000, 4010, 4010], "fills at the maker's price");
    assert!(r.trades.iter().all(|t| t.aggressor == Side::Buy));
    assert_eq!(e.order(b1).unwrap().qty, Qty::from_lots(50));
    assert_eq!(e.order(b1).unwrap().filled, Qty::from_lots(50));
    assert!(e.order(a1).is_none() && e.order(a2).is_none());
    assert_eq!(e.best_ask().unwrap().qty, Qty::from_lots(50));
    assert!(e.best_bid().is_none(), "taker fully filled, nothing rests");
}

#[test]
fn partial_fill_rests_the_remainder() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 30, TimeInForce::Gtc),
    );
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 4001, 100, TimeInForce::Gtc),
    );
    let taker = fills(&r)
        .into_iter()
        .find(|f| f.liquidity == Liquidity::Taker)
        .unwrap();
    assert_eq!((taker.qty.lots(), taker.remaining.lots()), (30, 70));
    assert_eq!(
        e.best_bid(),
        Some(BookLevel::new(Price::from_ticks(4001), Qty::from_lots(70)))
    );
    assert!(e.best_ask().is_none());
    assert!(r.levels.contains(&LevelUpdate {
        side: Side::Sell,
        price: Price::from_ticks(4000),
        qty: Qty::ZERO
    }));
}

#[test]
fn post_only_refused_when_it_would_take() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    );
    let before = l.balance(B, e.quote_asset());
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 4000, 100, TimeInForce::PostOnly),
    );
    assert_eq!(rejected(&r), Some(RejectReason::PostOnlyWouldTake));
    assert!(r.levels.is_empty() && r.trades.is_empty());
    assert_eq!(l.balance(B, e.quote_asset()), before);
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 3999, 100, TimeInForce::PostOnly),
    );
    assert!(rejected(&r).is_none());
    assert_eq!(e.best_bid().unwrap().price, Price::from_ticks(3999));
}

#[test]
fn ioc_fills_what_it_can_and_expires_the_rest() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    );
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 4000, 150, TimeInForce::Ioc),
    );
    let id = accepted_id(&r);
    assert_eq!(fills(&r).len(), 2);
    assert_eq!(
        r.events.last(),
        Some(&OrderEvent::Expired {
            order: id,
            account: B,
            qty: Qty::from_lots(50)
        })
    );
    assert!(e.order(id).is_none() && e.best_bid().is_none());
    let q = l.balance(B, e.quote_asset());
    assert_eq!(
        q.reserved,
        Decimal::ZERO,
        "expired rest releases its reservation"
    );
    // 10 SEI at 0.4 = 4 USDC, plus the 0.05 % taker fee.
    assert_eq!(q.available, d("1000") - d("4.002"));
}

#[test]
fn fees_and_rebates_are_exact() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let (base, quote) = (e.base_asset(), e.quote_asset());
    place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4123, 125, TimeInForce::Gtc),
    );
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 4123, 125, TimeInForce::Gtc),
    );
    // notional = 12.5 × 0.4123 = 5.15375
    let f = fills(&r);
    assert_eq!(f[0].liquidity, Liquidity::Maker);
    assert_eq!(f[0].fee, d("-0.000515375"));
    assert_eq!(f[1].fee, d("0.002576875"));
    assert_eq!(l.balance(A, quote).available, d("1005.154265375"));
    assert_eq!(l.balance(A, base).total(), d("987.5"));
    assert_eq!(l.balance(B, quote).available, d("994.843673125"));
    assert_eq!(l.balance(B, quote).reserved, Decimal::ZERO);
    assert_eq!(l.balance(B, base).available, d("1012.5"));
    assert_eq!(l.fee_income(quote), d("0.0020615"));
    assert_eq!(l.total(quote) + l.fee_income(quote), d("3000"));
}

#[test]
fn unfundable_orders_are_refused() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let quote = e.quote_asset();
    // 2500 SEI at 0.4 = 1000 USDC, plus the worst-case fee: more than A holds.
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Buy, 4000, 25_000, TimeInForce::Gtc),
    );
    assert!(matches!(
        rejected(&r),
        Some(RejectReason::InsufficientBalance { ref asset, .. }) if asset == "USDC"
    ));
    assert_eq!(l.balance(A, quote).available, d("1000"));
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 10_001, TimeInForce::Gtc),
    );
    assert!(matches!(
        rejected(&r),
        Some(RejectReason::InsufficientBalance { ref asset, .. }) if asset == "SEI"
    ));
    // Reserving exactly what is there succeeds, and then nothing is left to spend.
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 10_000, TimeInForce::Gtc),
    );
    assert!(rejected(&r).is_none());
    assert_eq!(l.balance(A, e.base_asset()).available, Decimal::ZERO);
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 10, TimeInForce::Gtc),
    );
    assert!(rejected(&r).is_some());
}

#[test]
fn validation_reasons() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let cases = [
        (
            req(A, Side::Buy, 0, 100, TimeInForce::Gtc),
            RejectReason::NonPositivePrice,
        ),
        (
            req(A, Side::Buy, 4000, 0, TimeInForce::Gtc),
            RejectReason::NonPositiveSize,
        ),
        (
            req(A, Side::Buy, 4000, -5, TimeInForce::Gtc),
            RejectReason::NonPositiveSize,
        ),
        (
            req(A, Side::Buy, 4000, 24, TimeInForce::Gtc),
            RejectReason::BelowMinNotional {
                notional: d("0.96"),
                min: d("1"),
            },
        ),
        (
            req(A, Side::Buy, i64::MAX, i64::MAX, TimeInForce::Gtc),
            RejectReason::OutOfRange,
        ),
    ];
    for (r, reason) in cases {
        assert_eq!(rejected(&place(&mut e, &mut l, r)), Some(reason));
    }
    let r = e.place_decimal(
        &mut l,
        A,
        Side::Buy,
        d("0.40005"),
        d("10"),
        TimeInForce::Gtc,
    );
    assert!(matches!(
        rejected(r),
        Some(RejectReason::PriceOffTick { .. })
    ));
    let r = e.place_decimal(&mut l, A, Side::Buy, d("0.4"), d("10.05"), TimeInForce::Gtc);
    assert!(matches!(rejected(r), Some(RejectReason::SizeOffLot { .. })));
    let r = e.place_decimal(&mut l, A, Side::Buy, d("-0.4"), d("10"), TimeInForce::Gtc);
    assert_eq!(rejected(r), Some(RejectReason::NonPositivePrice));
    let r = e.place_decimal(&mut l, A, Side::Buy, d("0.4"), d("10"), TimeInForce::Gtc);
    assert!(rejected(r).is_none());
    assert_eq!(e.seq(), 1, "rejections do not advance the sequence");
}

#[test]
fn replace_keeps_priority_only_when_size_goes_down() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let a = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));
    let b = accepted_id(&place(
        &mut e,
        &mut l,
        req(B, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));

    // Size down at the same price: amended in place, still first.
    let r = e
        .replace(&mut l, A, a, Price::from_ticks(4000), Qty::from_lots(60))
        .clone();
    assert!(matches!(r.events[..], [OrderEvent::Amended { order, .. }] if order == a));
    assert_eq!(l.balance(A, e.base_asset()).reserved, d("6"));
    assert_eq!(r.levels[0].qty, Qty::from_lots(160));
    let r = place(
        &mut e,
        &mut l,
        req(C, Side::Buy, 4000, 30, TimeInForce::Ioc),
    );
    assert_eq!(maker_orders(&r), vec![(a, 30)]);

    // Size up: a new order at the back.
    let r = e
        .replace(&mut l, A, a, Price::from_ticks(4000), Qty::from_lots(80))
        .clone();
    let a2 = accepted_id(&r);
    assert!(matches!(
        r.events[0],
        OrderEvent::Cancelled { order, reason: CancelReason::Replaced { by }, .. } if order == a && by == a2
    ));
    assert!(e.order(a).is_none());
    let r = place(
        &mut e,
        &mut l,
        req(C, Side::Buy, 4000, 30, TimeInForce::Ioc),
    );
    assert_eq!(maker_orders(&r), vec![(b, 30)]);

    // Price change: new order, and it may cross.
    let r = e
        .replace(&mut l, B, b, Price::from_ticks(3990), Qty::from_lots(90))
        .clone();
    assert!(rejected(&r).is_none());
    let b2 = accepted_id(&r);
    assert_eq!(e.best_ask().unwrap().price, Price::from_ticks(3990));
    assert_eq!(e.order(b2).unwrap().qty, Qty::from_lots(90));
    assert_eq!(l.balance(B, e.base_asset()).reserved, d("9"));
    assert_eq!(
        e.snapshot().asks[1].qty,
        Qty::from_lots(80),
        "A's replacement rests"
    );
}

#[test]
fn refused_replace_leaves_the_order_alone() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let ask = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));
    let bid = accepted_id(&place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 3990, 100, TimeInForce::PostOnly),
    ));
    let seq = e.seq();
    let r = e.replace(&mut l, B, bid, Price::from_ticks(4000), Qty::from_lots(100));
    assert_eq!(rejected(r), Some(RejectReason::PostOnlyWouldTake));
    let r = e.replace(
        &mut l,
        B,
        bid,
        Price::from_ticks(3990),
        Qty::from_lots(1_000_000),
    );
    assert!(matches!(
        rejected(r),
        Some(RejectReason::InsufficientBalance { .. })
    ));
    let r = e.replace(&mut l, A, bid, Price::from_ticks(3990), Qty::from_lots(50));
    assert_eq!(
        rejected(r),
        Some(RejectReason::UnknownOrder),
        "not A's order"
    );
    assert_eq!(e.order(bid).unwrap().qty, Qty::from_lots(100));
    assert!(e.order(ask).is_some());
    assert_eq!(e.seq(), seq);
}

#[test]
fn self_trade_prevention_cancels_the_resting_order() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let own = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));
    let other = accepted_id(&place(
        &mut e,
        &mut l,
        req(B, Side::Sell, 4001, 100, TimeInForce::Gtc),
    ));
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Buy, 4001, 100, TimeInForce::Gtc),
    );
    assert!(r.events.contains(&OrderEvent::Cancelled {
        order: own,
        account: A,
        qty: Qty::from_lots(100),
        reason: CancelReason::SelfTrade
    }));
    assert_eq!(maker_orders(&r), vec![(other, 100)]);
    assert_eq!(l.balance(A, e.base_asset()).reserved, Decimal::ZERO);

    let (mut e, mut l) = setup(SelfTradePrevention::Allow);
    let own = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    ));
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Buy, 4000, 100, TimeInForce::Gtc),
    );
    assert_eq!(maker_orders(&r), vec![(own, 100)]);
}

#[test]
fn cancel_and_cancel_all() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    let quote = e.quote_asset();
    let a1 = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Buy, 3990, 100, TimeInForce::Gtc),
    ));
    let a2 = accepted_id(&place(
        &mut e,
        &mut l,
        req(A, Side::Buy, 3980, 100, TimeInForce::Gtc),
    ));
    let b1 = accepted_id(&place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 3990, 100, TimeInForce::Gtc),
    ));
    assert_eq!(
        rejected(e.cancel(&mut l, B, a1)),
        Some(RejectReason::UnknownOrder)
    );
    let r = e.cancel(&mut l, A, a1).clone();
    assert_eq!(
        r.levels,
        vec![LevelUpdate {
            side: Side::Buy,
            price: Price::from_ticks(3990),
            qty: Qty::from_lots(100)
        }]
    );
    assert_eq!(
        rejected(e.cancel(&mut l, A, a1)),
        Some(RejectReason::UnknownOrder)
    );
    let r = e.cancel_all(&mut l, A).clone();
    assert_eq!(r.events.len(), 1);
    assert!(matches!(r.events[0], OrderEvent::Cancelled { order, .. } if order == a2));
    assert_eq!(l.balance(A, quote).available, d("1000"));
    assert_eq!(l.balance(A, quote).reserved, Decimal::ZERO);
    assert_eq!(
        e.open_orders(B).iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![b1]
    );
}

#[test]
fn sequence_advances_once_per_book_change() {
    let (mut e, mut l) = setup(SelfTradePrevention::CancelResting);
    assert_eq!(e.snapshot().seq, 0);
    let r = place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4000, 100, TimeInForce::Gtc),
    );
    assert_eq!(r.seq, 1);
    place(
        &mut e,
        &mut l,
        req(A, Side::Sell, 4001, 100, TimeInForce::Gtc),
    );
    // One call sweeping two levels is one update carrying both levels.
    let r = place(
        &mut e,
        &mut l,
        req(B, Side::Buy, 4001, 200, TimeInForce::Ioc),
    );
    assert_eq!(r.seq, 3);
    assert_eq!(r.levels.len(), 2);
    assert!(r.levels.iter().all(|lv| lv.qty.is_zero()));
    let r = e.cancel_all(&mut l, A);
    assert_eq!(r.seq, 3, "nothing to cancel, no change");
    let s = e.snapshot();
    assert_eq!((s.seq, s.bids.len(), s.asks.len()), (3, 0, 0));
}

#[test]
fn engine_refuses_unsafe_fee_rates() {
    let mut ledger = Ledger::new();
    let bad = MarketSpec::new(
        MarketId::new("SEI/USDC").unwrap(),
        d("0.0001"),
        d("0.1"),
        d("1"),
        d("0"),
        d("1"),
    )
    .unwrap();
    assert!(matches!(
        MatchingEngine::new(bad, EngineConfig::default(), &mut ledger),
        Err(EngineError::FeeRate(_))
    ));
    let fine = MarketSpec::new(
        MarketId::new("SEI/USDC").unwrap(),
        d("0.00000001"),
        d("0.00000001"),
        d("1"),
        d("0"),
        d("0.0005"),
    )
    .unwrap();
    assert!(matches!(
        MatchingEngine::new(fine, EngineConfig::default(), &mut ledger),
        Err(EngineError::Precision(20))
    ));
}
