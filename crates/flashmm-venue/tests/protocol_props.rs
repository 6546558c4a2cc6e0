//! Property tests of the simulator's wire-protocol parser: no input makes it panic, garbage
//! and hostile values are errors, and valid messages round-trip exactly.

use flashmm_core::market::{MarketId, MarketSpec, Side};
use flashmm_venue::protocol::{decode, encode, DeltaMsg, ServerMessage, TradeMsg, WireLevel};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn spec() -> MarketSpec {
    flashmm_core::market::fixture::sei_usdc()
}

fn level() -> impl Strategy<Value = WireLevel> {
    (1i64..10_000_000, 0i64..1_000_000).prop_map(|(p, s)| WireLevel {
        price: Decimal::new(p, 4),
        size: Decimal::new(s, 1),
    })
}

fn delta() -> impl Strategy<Value = ServerMessage> {
    (
        1u64..u64::MAX,
        prop::collection::vec(level(), 0..8),
        prop::collection::vec(level(), 0..8),
        any::<i64>(),
    )
        .prop_map(|(seq, bids, asks, ts)| {
            ServerMessage::Delta(DeltaMsg {
                market: MarketId::new("SEI/USDC").unwrap(),
                seq,
                prev_seq: seq - 1,
                bids,
                asks,
                ts,
            })
        })
}

fn trade() -> impl Strategy<Value = ServerMessage> {
    (level(), any::<bool>(), "[a-z0-9-]{1,16}", any::<i64>()).prop_map(|(l, buy, id, ts)| {
        ServerMessage::Trade(TradeMsg {
            market: MarketId::new("SEI/USDC").unwrap(),
            trade_id: id,
            price: l.price,
            size: l.size.max(Decimal::new(1, 1)),
            aggressor: if buy { Side::Buy } else { Side::Sell },
            ts,
        })
    })
}

/// Hostile variations of a valid delta frame.
fn mutated_frame() -> impl Strategy<Value = String> {
    let values = prop::sample::select(vec![
        "\"NaN\"",
        "\"-1\"",
        "\"-0.0001\"",
        "\"1e400\"",
        "\"0.00001\"",
        "null",
        "[]",
        "{}",
        "\"\"",
        "\"inf\"",
        "99999999999999999999999999999999",
        "-5",
        "\"0x10\"",
    ]);
    let fields = prop::sample::select(vec![
        "price", "size", "seq", "prev_seq", "ts", "market", "v",
    ]);
    (values, fields).prop_map(|(value, field)| {
        let frame = r#"{"v":1,"type":"delta","market":"SEI/USDC","seq":5,"prev_seq":4,"bids":[{"price":"0.4","size":"1"}],"asks":[],"ts":1}"#;
        let needle = format!("\"{field}\":");
        let start = frame.find(&needle).unwrap() + needle.len();
        let end = start + frame[start..].find([',', '}']).unwrap();
        format!("{}{}{}", &frame[..start], value, &frame[end..])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = decode::<ServerMessage>(&text);
    }

    #[test]
    fn arbitrary_json_like_text_never_panics(text in r#"[\{\}\[\]":,0-9a-z\-\.]{0,128}"#) {
        let _ = decode::<ServerMessage>(&text);
    }

    #[test]
    fn hostile_values_are_refused_or_converted_exactly(frame in mutated_frame()) {
        if let Ok(ServerMessage::Delta(d)) = decode::<ServerMessage>(&frame) {
            // What parses must convert with the spec or be refused, never rounded.
            if let Ok(core) = d.to_core(&spec()) {
                for (w, c) in d.bids.iter().zip(&core.bids) {
                    prop_assert!(w.price > Decimal::ZERO && w.size >= Decimal::ZERO);
                    prop_assert_eq!(spec().price_to_decimal(c.price), w.price);
                    prop_assert_eq!(spec().qty_to_decimal(c.qty), w.size);
                }
            }
        }
    }

    #[test]
    fn valid_messages_round_trip(msg in prop_oneof![delta(), trade()]) {
        let text = encode(&msg).unwrap();
        let back: ServerMessage = decode(&text).unwrap();
        prop_assert_eq!(&back, &msg);
        if let ServerMessage::Delta(d) = &back {
            let core = d.to_core(&spec()).unwrap();
            prop_assert_eq!(core.bids.len(), d.bids.len());
            prop_assert_eq!(core.seq, d.seq);
        }
    }
}
