//! Every stream message survives the wire encoding (`rmp_serde::to_vec_named`) unchanged, every
//! message type has its own `type` name, and the golden vectors of `proto-schemas/golden/`
//! decode and re-encode byte for byte, with the fields their schema file lists.
//!
//! After a deliberate change of a message, `FLASHMM_BLESS=1 cargo test -p flashmm-core --test
//! messages` rewrites the vectors; bump the message's `VERSION` and its schema file with it.

use flashmm_core::book::{BookDelta, BookLevel, BookSnapshot};
use flashmm_core::control::{AuditEntry, AuditOutcome, ExecAction, ExecCommand, Heartbeat};
use flashmm_core::identifiers::{ClientOrderId, TradeId, VenueOrderId};
use flashmm_core::market::{MarketId, Price, Qty, Side};
use flashmm_core::message::StreamMessage;
use flashmm_core::order::{Fill, Liquidity, Order, OrderEvent, OrderUpdate};
use flashmm_core::quote::QuoteIntent;
use flashmm_core::risk::{RiskEvent, RiskViolation};
use flashmm_core::signal::{FeatureVector, Prediction};
use flashmm_core::time::UnixNanos;
use flashmm_core::trade::Trade;
use rust_decimal::Decimal;
use std::fmt::Debug;
use std::path::PathBuf;

fn round_trip<M: StreamMessage + PartialEq + Debug>(msg: &M) -> &'static str {
    let bytes = rmp_serde::to_vec_named(msg).unwrap();
    let back: M = rmp_serde::from_slice(&bytes).unwrap();
    assert_eq!(&back, msg, "{} changed on the wire", M::TYPE);
    assert_eq!(M::VERSION, 1);
    M::TYPE
}

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto-schemas")
}

/// Round trip, then the golden vector and schema file of `M`.
fn golden<M: StreamMessage + PartialEq + Debug>(msg: &M) -> &'static str {
    let ty = round_trip(msg);
    let encoded = rmp_serde::to_vec_named(msg).unwrap();
    let path = schemas_dir().join("golden").join(format!("{ty}.hex"));
    if std::env::var_os("FLASHMM_BLESS").is_some() {
        std::fs::write(&path, format!("{}\n", hex::encode(&encoded))).unwrap();
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (FLASHMM_BLESS=1 writes it)", path.display()));
    let vector = hex::decode(text.trim()).unwrap();
    let decoded: M = rmp_serde::from_slice(&vector).unwrap();
    assert_eq!(
        &decoded, msg,
        "{ty}: golden vector decodes to another value"
    );
    assert_eq!(
        rmp_serde::to_vec_named(&decoded).unwrap(),
        vector,
        "{ty}: re-encoding the golden vector changed its bytes"
    );

    let body: serde_json::Value = rmp_serde::from_slice(&vector).unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap_or_else(|| panic!("{ty}: body is not a map"))
        .keys()
        .map(String::as_str)
        .collect();
    let schema_path = schemas_dir().join(format!("{ty}.toml"));
    let schema: toml::Table = std::fs::read_to_string(&schema_path)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()))
        .parse()
        .unwrap();
    assert_eq!(schema["type"].as_str(), Some(ty), "{ty}: schema `type`");
    assert_eq!(
        schema["version"].as_integer(),
        Some(i64::from(M::VERSION)),
        "{ty}: schema `version`"
    );
    let mut listed: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let mut keys = keys;
    listed.sort_unstable();
    keys.sort_unstable();
    assert_eq!(
        listed, keys,
        "{ty}: schema fields differ from the body's keys"
    );
    ty
}

fn mkt() -> MarketId {
    MarketId::new("SEI/USDC").unwrap()
}

fn lv(p: i64, q: i64) -> BookLevel {
    BookLevel::new(Price::from_ticks(p), Qty::from_lots(q))
}

#[test]
fn every_message_round_trips() {
    let ts = UnixNanos(1_717_000_000_123_456_789);
    let origin_ts = UnixNanos(1_717_000_000_000_000_001);
    let cid = ClientOrderId::from_sequence("mm", 7).unwrap();
    let mut order = Order::new(
        cid.clone(),
        mkt(),
        Side::Buy,
        Price::from_ticks(4_123),
        Qty::from_lots(50),
        ts,
    )
    .unwrap();
    order.transition(OrderEvent::Submitted).unwrap();
    order.transition(OrderEvent::Accepted).unwrap();
    order.set_venue_order_id(VenueOrderId::new("v-99").unwrap());
    let event = order.fill_event(Qty::from_lots(20));
    order.transition(event).unwrap();

    let types = [
        golden(&BookSnapshot {
            market: mkt(),
            seq: 41,
            bids: vec![lv(4_122, 10), lv(4_121, 3)],
            asks: vec![lv(4_124, 8)],
            ts,
        }),
        golden(&BookDelta {
            market: mkt(),
            seq: 42,
            prev_seq: Some(41),
            bids: vec![lv(4_122, 0)],
            asks: vec![],
            ts,
        }),
        round_trip(&BookDelta {
            market: mkt(),
            seq: 43,
            prev_seq: None,
            bids: vec![],
            asks: vec![lv(4_125, 1)],
            ts,
        }),
        golden(&Trade {
            market: mkt(),
            trade_id: TradeId::new("t-1").unwrap(),
            price: Price::from_ticks(4_124),
            qty: Qty::from_lots(3),
            aggressor: Side::Buy,
            ts,
        }),
        golden(&OrderUpdate {
            order,
            event,
            reason: None,
            ts,
        }),
        golden(&Fill {
            market: mkt(),
            client_id: cid,
            venue_order_id: VenueOrderId::new("v-99").unwrap(),
            trade_id: TradeId::new("t-2").unwrap(),
            side: Side::Buy,
            price: Price::from_ticks(4_123),
            qty: Qty::from_lots(20),
            fee: Decimal::new(-82_460, 8),
            liquidity: Liquidity::Maker,
            ts,
        }),
        golden(&FeatureVector {
            market: mkt(),
            schema_hash: 0xdead_beef_cafe_f00d,
            values: vec![0.5, -1.25, f32::MIN_POSITIVE, 3.0e7],
            ts,
            origin_ts,
        }),
        golden(&Prediction {
            market: mkt(),
            model_version: "2024.06.1".into(),
            horizon_ms: 500,
            p_down: 0.2,
            p_flat: 0.5,
            p_up: 0.3,
            expected_move_bps: 0.75,
            ts,
            origin_ts,
            inference_ns: 2_400,
        }),
        golden(&QuoteIntent {
            market: mkt(),
            bids: vec![lv(4_122, 10)],
            asks: vec![lv(4_125, 10), lv(4_126, 20)],
            reason: "skew=-0.2".into(),
            ts,
            origin_ts,
        }),
        golden(&ExecCommand {
            action: ExecAction::Pause {
                reason: "maintenance".into(),
            },
            actor: "ops".into(),
            ts,
        }),
        golden(&RiskEvent::new(
            &RiskViolation::OpenOrders {
                open: 10,
                limit: 10,
            },
            Some(mkt()),
            ts,
        )),
        golden(&Heartbeat {
            service: "ingest".into(),
            instance: "ingest-0".into(),
            ts,
        }),
        golden(&AuditEntry {
            actor: "alice".into(),
            role: "admin".into(),
            action: "pause".into(),
            detail: "maintenance".into(),
            outcome: AuditOutcome::Accepted,
            client: "127.0.0.1".into(),
            ts,
        }),
    ];
    for action in [
        ExecAction::Resume,
        ExecAction::CancelAll,
        ExecAction::Flatten,
    ] {
        round_trip(&ExecCommand {
            action,
            actor: "api".into(),
            ts,
        });
    }
    round_trip(&RiskEvent::new(
        &RiskViolation::StaleData {
            age_ms: None,
            limit_ms: 500,
        },
        None,
        ts,
    ));

    let mut names: Vec<_> = types.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names,
        [
            "audit_entry",
            "book_delta",
            "book_snapshot",
            "exec_command",
            "features",
            "fill",
            "heartbeat",
            "order_update",
            "prediction",
            "quote_intent",
            "risk_event",
            "trade",
        ]
    );
}

#[test]
fn money_travels_as_strings_and_ids_are_checked() {
    let fee = Decimal::new(-1_25, 2);
    let json = serde_json::to_value(fee).unwrap();
    assert_eq!(json, serde_json::json!("-1.25"));
    // A body with an invalid market id is refused rather than accepted unchecked.
    #[derive(serde::Serialize)]
    struct BadTrade<'a> {
        market: &'a str,
        trade_id: &'a str,
        price: i64,
        qty: i64,
        aggressor: Side,
        ts: i64,
    }
    let raw = BadTrade {
        market: "SEIUSDC",
        trade_id: "t",
        price: 1,
        qty: 1,
        aggressor: Side::Sell,
        ts: 0,
    };
    let bytes = rmp_serde::to_vec_named(&raw).unwrap();
    assert!(rmp_serde::from_slice::<Trade>(&bytes).is_err());
    let ok = BadTrade {
        market: "SEI/USDC",
        ..raw
    };
    let trade: Trade = rmp_serde::from_slice(&rmp_serde::to_vec_named(&ok).unwrap()).unwrap();
    assert_eq!(trade.aggressor, Side::Sell);
}

/// A prediction written before `inference_ns` existed (same version: the field is optional)
/// still decodes, with the latency unknown.
#[test]
fn prediction_without_inference_latency_decodes() {
    const BEFORE: &str = "89a66d61726b6574a85345492f55534443ad6d6f64656c5f76657273696f6ea9323032342e30362e31aa686f72697a6f6e5f6d73cd01f4a6705f646f776eca3e4ccccda6705f666c6174ca3f000000a4705f7570ca3e99999ab165787065637465645f6d6f76655f627073ca3f400000a27473cf17d402672eb44d15a96f726967696e5f7473cf17d4026727588001";
    let p: Prediction = rmp_serde::from_slice(&hex::decode(BEFORE).unwrap()).unwrap();
    assert_eq!(p.inference_ns, 0);
    assert_eq!(p.horizon_ms, 500);
    assert_eq!(p.model_version, "2024.06.1");
}
