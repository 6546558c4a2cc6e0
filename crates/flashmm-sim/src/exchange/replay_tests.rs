//! The replay of a recording as a market: public data, queue-model fills, taking, looping.

use super::*;
use crate::account::AccountId;
use crate::matching::TimeInForce;
use crate::queue::CancelModel;
use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::identifiers::{ClientOrderId, TradeId};
use flashmm_core::market::{MarketId, MarketSpec, Price, Qty, Side};
use flashmm_core::time::{UnixNanos, NANOS_PER_MILLI};
use flashmm_core::trade::Trade;
use flashmm_recording::{Record, RecordEvent};
use flashmm_venue::protocol::{
    CancelRequest, OrderRef, OrderStatusWire, PlaceOrderRequest, ServerMessage,
};
use flashmm_venue::signing::Signer;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Recording time of the first record.
const T0: i64 = 1_723_161_254_000_000_000;
/// Wall time of the exchange's first advance.
const W0: i64 = 1_800_000_000_000_000_000;
const MS: i64 = NANOS_PER_MILLI;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn market() -> MarketId {
    MarketId::new("BTC/USDT").unwrap()
}

/// Tick 0.01, lot 0.001: price 100.00 is 10 000 ticks.
fn spec(tick: &str) -> MarketSpec {
    MarketSpec::new(market(), d(tick), d("0.001"), d("0"), d("0"), d("0")).unwrap()
}

fn lv(price: i64, qty: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(price), Qty::from_lots(qty))
}

fn snapshot(at: i64, seq: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + at),
        event: RecordEvent::from(BookSnapshot {
            market: market(),
            seq,
            bids,
            asks,
            ts: UnixNanos(T0 + at),
        }),
    }
}

fn delta(at: i64, seq: u64, bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + at),
        event: RecordEvent::from(BookDelta {
            market: market(),
            seq,
            prev_seq: Some(seq - 1),
            bids,
            asks,
            ts: UnixNanos(T0 + at),
        }),
    }
}

fn trade(at: i64, price: i64, qty: i64, aggressor: Side) -> Record {
    Record {
        recv_ts: UnixNanos(T0 + at),
        event: RecordEvent::from(Trade {
            market: market(),
            trade_id: TradeId::new(format!("t{at}")).unwrap(),
            price: Price::from_ticks(price),
            qty: Qty::from_lots(qty),
            aggressor,
            ts: UnixNanos(T0 + at),
        }),
    }
}

/// A book of 100.00 × 5 lots bid, 100.01 × 5 lots ask, then the bid level falls to 3 lots at
/// 10 ms, a sell of 4 lots at 100.00 at 20 ms, a sell of 3 more at 30 ms; 100 ms in all.
fn recording() -> Vec<Record> {
    vec![
        snapshot(0, 1, vec![lv(10_000, 5)], vec![lv(10_001, 5)]),
        delta(10 * MS, 2, vec![lv(10_000, 3)], vec![]),
        trade(20 * MS, 10_000, 4, Side::Sell),
        trade(30 * MS, 10_000, 3, Side::Sell),
        delta(90 * MS, 3, vec![lv(9_999, 2)], vec![]),
    ]
}

fn options(looped: bool) -> ReplayOptions {
    ReplayOptions {
        start_ns: T0,
        end_ns: T0 + 100 * MS,
        looped,
        cancel_model: CancelModel::Back,
    }
}

fn replayed(looped: bool) -> (Exchange, AccountId) {
    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec("0.01"),
            flow: None,
        }],
        ExchangeConfig::default(),
        W0,
    )
    .unwrap();
    ex.attach_replay(&market(), &spec("0.01"), recording(), options(looped))
        .unwrap();
    let key = Signer::from_secret_bytes([3; 32], 1).unwrap();
    let funds = [("BTC", d("10")), ("USDT", d("10000"))];
    let (account, _) = ex
        .register_account(&hex::encode(key.public_key().serialize()), &funds)
        .unwrap();
    (ex, account)
}

fn order(cid: &str, side: Side, price: &str, size: &str, tif: TimeInForce) -> PlaceOrderRequest {
    PlaceOrderRequest {
        market: market(),
        client_order_id: ClientOrderId::new(cid).unwrap(),
        side,
        price: d(price),
        size: d(size),
        tif,
    }
}

fn market_msgs(out: &[Outbound]) -> Vec<&ServerMessage> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::Market { msg, .. } => Some(msg),
            Outbound::Account { .. } => None,
        })
        .collect()
}

fn fills(out: &[Outbound], account: AccountId) -> Vec<Decimal> {
    out.iter()
        .filter_map(|o| match o {
            Outbound::Account {
                account: a,
                msg: ServerMessage::Fill(f),
            } if *a == account => Some(f.size),
            _ => None,
        })
        .collect()
}

fn balance(ex: &Exchange, account: AccountId, asset: &str) -> Decimal {
    ex.balances(account)
        .balances
        .into_iter()
        .find(|b| b.asset == asset)
        .map(|b| b.available + b.reserved)
        .unwrap()
}

#[test]
fn the_public_feed_is_the_recording_at_its_pace() {
    let (mut ex, _) = replayed(false);
    let mut out = Vec::new();
    ex.advance(W0, &mut out);
    let msgs = market_msgs(&out);
    assert_eq!(msgs.len(), 1, "only the first record is due: {msgs:?}");
    let ServerMessage::Snapshot(s) = msgs[0] else {
        panic!("{msgs:?}")
    };
    assert_eq!(
        (s.seq, s.bids[0].price, s.asks[0].price),
        (1, d("100"), d("100.01"))
    );

    out.clear();
    ex.advance(W0 + 25 * MS, &mut out);
    let msgs = market_msgs(&out);
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        matches!(msgs[0], ServerMessage::Delta(dm) if dm.seq == 2 && dm.prev_seq == 1
            && dm.bids[0].size == d("0.003"))
    );
    assert!(
        matches!(msgs[1], ServerMessage::Trade(t) if t.price == d("100") && t.size == d("0.004")
            && t.aggressor == Side::Sell)
    );
    let book = ex.snapshot(&market(), W0 + 25 * MS).unwrap();
    assert_eq!((book.seq, book.bids[0].size), (2, d("0.003")));
}

#[test]
fn a_resting_bid_fills_once_the_queue_ahead_has_traded() {
    let (mut ex, account) = replayed(false);
    let mut out = Vec::new();
    ex.advance(W0, &mut out);
    let ack = ex
        .place(
            account,
            &order("b1", Side::Buy, "100", "0.002", TimeInForce::PostOnly),
            W0 + MS,
            &mut out,
        )
        .unwrap();
    assert_eq!(ack.order.status, OrderStatusWire::Open);
    assert!(
        market_msgs(&out).len() == 1,
        "our order is not in the public feed: the recording does not contain it"
    );
    // 5 lots ahead; the level falls to 3 with no trade (Back: none of it was ahead of us
    // beyond what is displayed, so 3 ahead), then 4 lots trade: 3 ahead, 1 reaches us.
    out.clear();
    ex.advance(W0 + 25 * MS, &mut out);
    assert_eq!(fills(&out, account), vec![d("0.001")]);
    // 3 more trade: the last lot of ours fills.
    out.clear();
    ex.advance(W0 + 35 * MS, &mut out);
    assert_eq!(fills(&out, account), vec![d("0.001")]);
    assert!(out.iter().any(|o| matches!(o,
        Outbound::Account { msg: ServerMessage::Order(u), .. } if u.status == OrderStatusWire::Filled)));
    assert_eq!(balance(&ex, account, "BTC"), d("10.002"));
    assert_eq!(balance(&ex, account, "USDT"), d("9999.8"));
    assert!(ex.open_orders(account, None, W0).unwrap().orders.is_empty());
}

#[test]
fn an_order_that_would_take_from_the_recording() {
    let (mut ex, account) = replayed(false);
    let mut out = Vec::new();
    ex.advance(W0, &mut out);
    // Post-only at the ask: refused.
    let err = ex
        .place(
            account,
            &order("p", Side::Buy, "100.01", "0.001", TimeInForce::PostOnly),
            W0,
            &mut out,
        )
        .unwrap_err();
    assert_eq!(err.code, flashmm_venue::protocol::ErrorCode::Rejected);
    // A good-till-cancelled buy of 7 lots through the ask: takes the 5 displayed, the rest
    // is cancelled (the recording does not lose the 5).
    out.clear();
    let ack = ex
        .place(
            account,
            &order("g", Side::Buy, "100.01", "0.007", TimeInForce::Gtc),
            W0,
            &mut out,
        )
        .unwrap();
    assert_eq!(ack.fills.len(), 1);
    assert_eq!(ack.fills[0].size, d("0.005"));
    assert_eq!(ack.fills[0].price, d("100.01"));
    assert_eq!(ack.order.status, OrderStatusWire::Cancelled);
    assert_eq!(balance(&ex, account, "BTC"), d("10.005"));
    assert!(ex.open_orders(account, None, W0).unwrap().orders.is_empty());
    assert!(
        market_msgs(&out).is_empty(),
        "the public feed stays the recording's"
    );
}

#[test]
fn a_cancelled_order_is_no_longer_filled() {
    let (mut ex, account) = replayed(false);
    let mut out = Vec::new();
    ex.advance(W0, &mut out);
    ex.place(
        account,
        &order("c", Side::Buy, "100", "0.002", TimeInForce::PostOnly),
        W0,
        &mut out,
    )
    .unwrap();
    ex.cancel(
        account,
        &CancelRequest {
            market: market(),
            order: OrderRef::ClientOrderId(ClientOrderId::new("c").unwrap()),
        },
        W0,
        &mut out,
    )
    .unwrap();
    out.clear();
    ex.advance(W0 + 99 * MS, &mut out);
    assert!(fills(&out, account).is_empty());
    assert_eq!(balance(&ex, account, "BTC"), d("10"));
}

#[test]
fn a_looped_replay_restarts_cleanly() {
    let (mut ex, account) = replayed(true);
    let mut out = Vec::new();
    ex.advance(W0, &mut out);
    ex.place(
        account,
        &order("l", Side::Buy, "99", "0.001", TimeInForce::PostOnly),
        W0,
        &mut out,
    )
    .unwrap();
    out.clear();
    ex.advance(W0 + 95 * MS, &mut out);
    assert_eq!(ex.replay_laps(&market()), Some(0));
    let last_seq = match market_msgs(&out).last() {
        Some(ServerMessage::Delta(dm)) => dm.seq,
        other => panic!("{other:?}"),
    };
    assert_eq!(last_seq, 3);
    // The lap ends at 100 ms: our order is cancelled by the venue, the book is cleared on the
    // feed (an empty snapshot), and the recording starts again with its snapshot.
    out.clear();
    ex.advance(W0 + 100 * MS, &mut out);
    assert_eq!(ex.replay_laps(&market()), Some(1));
    assert!(out.iter().any(|o| matches!(o,
        Outbound::Account { account: a, msg: ServerMessage::Order(u) }
            if *a == account && u.status == OrderStatusWire::Cancelled
                && u.reason.as_deref() == Some("market_reset"))));
    let msgs = market_msgs(&out);
    assert!(
        matches!(msgs[0], ServerMessage::Snapshot(s) if s.seq == 4 && s.bids.is_empty() && s.asks.is_empty()),
        "{msgs:?}"
    );
    assert!(
        matches!(msgs[1], ServerMessage::Snapshot(s) if s.seq == 5 && s.bids[0].price == d("100")),
        "{msgs:?}"
    );
    assert!(ex.open_orders(account, None, W0).unwrap().orders.is_empty());
    // The second lap goes on at the same pace, its sequence numbers after the first's.
    out.clear();
    ex.advance(W0 + 115 * MS, &mut out);
    assert!(
        matches!(market_msgs(&out)[..], [ServerMessage::Delta(dm)] if dm.seq == 6 && dm.prev_seq == 5)
    );
    // Several laps in one late advance.
    out.clear();
    ex.advance(W0 + 350 * MS, &mut out);
    assert_eq!(ex.replay_laps(&market()), Some(3));
}

#[test]
fn a_replay_needs_the_recordings_tick_and_no_flow() {
    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec("0.1"),
            flow: None,
        }],
        ExchangeConfig::default(),
        W0,
    )
    .unwrap();
    let err = ex
        .attach_replay(&market(), &spec("0.01"), recording(), options(false))
        .unwrap_err();
    assert!(err.to_string().contains("tick"), "{err}");

    let mut ex = Exchange::new(
        vec![MarketSetup {
            spec: spec("0.01"),
            flow: Some(crate::flow::FlowParams::eth_usdc()),
        }],
        ExchangeConfig::default(),
        W0,
    )
    .unwrap();
    let err = ex
        .attach_replay(&market(), &spec("0.01"), recording(), options(false))
        .unwrap_err();
    assert!(err.to_string().contains("flow"), "{err}");
}
