use super::*;
use crate::matching::TimeInForce;
use flashmm_core::identifiers::ClientOrderId;
use flashmm_core::market::{MarketId, MarketSpec, Side};
use flashmm_venue::protocol::{
    CancelRequest, ErrorCode, OrderRef, OrderStatusWire, PlaceOrderRequest, ServerMessage,
};
use flashmm_venue::signing::Signer;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc_with_fees()
}

fn quiet_exchange() -> (
    Exchange,
    crate::account::AccountId,
    crate::account::AccountId,
) {
    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec(),
            flow: None,
        }],
        ExchangeConfig::default(),
        0,
    )
    .unwrap();
    let funds = [("SEI", d("100000")), ("USDC", d("100000"))];
    let a = Signer::from_secret_bytes([1; 32], 1).unwrap();
    let b = Signer::from_secret_bytes([2; 32], 1).unwrap();
    let (a, _) = ex
        .register_account(&hex::encode(a.public_key().serialize()), &funds)
        .unwrap();
    let (b, _) = ex
        .register_account(&hex::encode(b.public_key().serialize()), &funds)
        .unwrap();
    (ex, a, b)
}

fn order(cid: &str, side: Side, price: &str, size: &str, tif: TimeInForce) -> PlaceOrderRequest {
    PlaceOrderRequest {
        market: MarketId::new("SEI/USDC").unwrap(),
        client_order_id: ClientOrderId::new(cid).unwrap(),
        side,
        price: d(price),
        size: d(size),
        tif,
    }
}

#[test]
fn maker_rebate_and_taker_fee_reach_acks_and_updates() {
    let (mut ex, a, b) = quiet_exchange();
    let mut out = Vec::new();
    let ack = ex
        .place(
            a,
            &order("a1", Side::Sell, "0.4", "100", TimeInForce::PostOnly),
            1,
            &mut out,
        )
        .unwrap();
    assert_eq!(ack.order.status, OrderStatusWire::Open);
    assert!(
        matches!(out[0], Outbound::Market { msg: ServerMessage::Delta(ref d), .. } if d.seq == 1 && d.prev_seq == 0)
    );
    out.clear();
    let ack = ex
        .place(
            b,
            &order("b1", Side::Buy, "0.41", "40", TimeInForce::Ioc),
            2,
            &mut out,
        )
        .unwrap();
    assert_eq!(ack.order.status, OrderStatusWire::Filled);
    assert_eq!(ack.fills.len(), 1);
    assert_eq!(ack.fills[0].price, d("0.4"));
    assert_eq!(ack.fills[0].fee, d("0.008")); // 16 × 0.0005
    let maker_fill = out.iter().find_map(|o| match o {
        Outbound::Account {
            account,
            msg: ServerMessage::Fill(f),
        } if *account == a => Some(f.clone()),
        _ => None,
    });
    assert_eq!(maker_fill.unwrap().fee, d("-0.0016"));
    let err = ex
        .place(
            b,
            &order("b2", Side::Buy, "0.4", "10", TimeInForce::PostOnly),
            3,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Rejected);
    let dup = ex
        .place(
            a,
            &order("a1", Side::Sell, "0.5", "10", TimeInForce::Gtc),
            4,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(dup.code, ErrorCode::DuplicateClientOrderId);
    let open = ex.open_orders(a, None, 5).unwrap().orders;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].remaining, d("60"));
    assert_eq!(open[0].status, OrderStatusWire::PartiallyFilled);
    let cancel = CancelRequest {
        market: MarketId::new("SEI/USDC").unwrap(),
        order: OrderRef::ClientOrderId(ClientOrderId::new("a1").unwrap()),
    };
    assert_eq!(
        ex.cancel(b, &cancel, 6, &mut out).unwrap_err().code,
        ErrorCode::UnknownOrder
    );
    let ack = ex.cancel(a, &cancel, 6, &mut out).unwrap();
    assert_eq!(ack.order.status, OrderStatusWire::Cancelled);
    assert!(ex.open_orders(a, None, 7).unwrap().orders.is_empty());
    let usdc = ex
        .balances(a)
        .balances
        .into_iter()
        .find(|b| b.asset == "USDC")
        .unwrap();
    assert_eq!(usdc.available, d("100016.0016"));
    assert_eq!(usdc.reserved, Decimal::ZERO);
}

/// SEI/USDC with its built-in background flow, started at time 0.
fn flowing_exchange() -> Exchange {
    Exchange::new(
        vec![MarketSetup {
            spec: spec(),
            flow: Some(default_flow_params(&spec())),
        }],
        ExchangeConfig::default(),
        0,
    )
    .unwrap()
}

#[test]
fn flow_runs_only_up_to_the_scaled_clock() {
    let mut ex = flowing_exchange();
    let mut out = Vec::new();
    ex.advance(0, &mut out);
    assert!(out.is_empty());
    ex.advance(2_000_000_000, &mut out);
    let deltas: Vec<u64> = out
        .iter()
        .filter_map(|o| match o {
            Outbound::Market {
                msg: ServerMessage::Delta(d),
                ..
            } => Some(d.seq),
            _ => None,
        })
        .collect();
    assert!(deltas.len() > 10, "two seconds of flow: {}", deltas.len());
    assert!(deltas.windows(2).all(|w| w[1] == w[0] + 1));
    let snap = ex.snapshot(&MarketId::new("SEI/USDC").unwrap(), 0).unwrap();
    assert_eq!(snap.seq, *deltas.last().unwrap());
}

#[test]
fn the_spread_meter_sees_participants_tighten_the_flow_book() {
    let mut ex = flowing_exchange();
    let funds = [("SEI", d("100000")), ("USDC", d("100000"))];
    let key = Signer::from_secret_bytes([3; 32], 1).unwrap();
    let (us, _) = ex
        .register_account(&hex::encode(key.public_key().serialize()), &funds)
        .unwrap();
    let mut out = Vec::new();
    let sei = MarketId::new("SEI/USDC").unwrap();
    ex.advance(1_000_000_000, &mut out);
    ex.advance(2_000_000_000, &mut out);
    let meter = |ex: &Exchange| ex.spread_meters().next().map(|(_, m)| m.clone()).unwrap();
    let (with, flow) = meter(&ex).mean_bps().expect("the flow's book is two-sided");
    assert!(
        (with - flow).abs() < 1e-9,
        "no participant yet: {with} vs {flow}"
    );

    // A bid and an ask one tick inside the flow's touch, re-placed as the book moves.
    let mut t = 2_000_000_000;
    for i in 0..200 {
        let snap = ex.snapshot(&sei, 1).unwrap();
        let (Some(bid), Some(ask)) = (snap.bids.first(), snap.asks.first()) else {
            continue;
        };
        let (bid, ask) = (bid.price + d("0.0001"), ask.price - d("0.0001"));
        if ask > bid {
            for (side, price) in [(Side::Buy, bid), (Side::Sell, ask)] {
                let cid = format!("q{i}{side:?}");
                let _ = ex.place(
                    us,
                    &order(&cid, side, &price.to_string(), "10", TimeInForce::PostOnly),
                    t,
                    &mut out,
                );
            }
        }
        t += 10_000_000;
        ex.advance(t, &mut out);
    }
    let m = meter(&ex);
    assert!(m.two_sided_ns > 2_000_000_000);
    assert!(
        m.with_participants_bps_ns < m.flow_only_bps_ns,
        "participants inside the touch tighten the book: {m:?}"
    );
}

#[test]
fn saved_accounts_carry_balances_and_fills_into_a_new_exchange() {
    let (mut ex, a, b) = quiet_exchange();
    let mut out = Vec::new();
    ex.place(
        a,
        &order("a1", Side::Sell, "0.4", "100", TimeInForce::PostOnly),
        1,
        &mut out,
    )
    .unwrap();
    ex.place(
        b,
        &order("b1", Side::Buy, "0.41", "40", TimeInForce::Ioc),
        2,
        &mut out,
    )
    .unwrap();
    // Still resting: 60 SEI reserved by a1 at the time of saving.
    let before_a = ex.balances(a);
    let before_b = ex.balances(b);
    let fills_a = ex.fills_since(a, 0).fills;
    assert_eq!(fills_a.len(), 1);
    let saved = ex.saved_accounts(100);
    assert_eq!(saved.accounts.len(), 2);
    // Only the latest fills are kept when asked for fewer.
    assert!(ex
        .saved_accounts(0)
        .accounts
        .iter()
        .all(|a| a.fills.is_empty()));
    // The file format: JSON, read back equal.
    let json = serde_json::to_string(&saved).unwrap();
    let saved: SavedAccounts = serde_json::from_str(&json).unwrap();

    // The restarted venue: same keys, funded afresh, then restored.
    let (mut next, na, nb) = quiet_exchange();
    assert_eq!(next.restore_accounts(&saved).unwrap(), 2);
    for (before, account) in [(before_a, na), (before_b, nb)] {
        let after = next.balances(account);
        for (x, y) in before.balances.iter().zip(&after.balances) {
            assert_eq!(x.asset, y.asset);
            assert_eq!(x.available + x.reserved, y.available, "{}", x.asset);
            assert_eq!(y.reserved, Decimal::ZERO);
        }
    }
    assert_ne!(
        next.balances(na).balances,
        quiet_exchange().0.balances(na).balances,
        "the fill moved the balances away from the funding"
    );
    assert_eq!(next.fills_since(na, 0).fills, fills_a);
    assert_eq!(next.fills_since(nb, 0).fills.len(), 1);

    // A file from another version is refused, naming it.
    let mut other = saved.clone();
    other.version = SAVED_ACCOUNTS_VERSION + 1;
    let err = quiet_exchange().0.restore_accounts(&other).unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
    // A key not registered is left out.
    let mut stranger = saved;
    stranger.accounts[0].key_id = "not-a-key".to_owned();
    assert_eq!(quiet_exchange().0.restore_accounts(&stranger).unwrap(), 1);
}
